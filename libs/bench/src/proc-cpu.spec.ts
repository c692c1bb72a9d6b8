import { Client } from 'pg';
import { config } from '@storelens/config';
import { ensureInfra } from '@storelens/testing';
import { infraCpuMsBetween, infraCpuSeconds } from './proc-cpu';

describe('CPU of the processes without /metrics (read from /proc, real Postgres and Redis)', () => {
  beforeAll(async () => {
    await ensureInfra();
  });

  it('finds Postgres and Redis, and charges Postgres for the work a query makes it do', async () => {
    const before = infraCpuSeconds();
    expect(before.has('postgres')).toBe(true);
    expect(before.has('redis')).toBe(true);
    const c = new Client({ connectionString: config().database.url });
    await c.connect();
    // the backend ends with the connection: its time must still count (the postmaster's children time)
    await c.query('SELECT count(*) FROM generate_series(1, 3000000)');
    await c.end();
    await new Promise((r) => setTimeout(r, 200)); // the postmaster reaps the backend
    const used = new Map(infraCpuMsBetween(before, infraCpuSeconds()).map((u) => [u.process, u.ms]));
    expect(used.get('postgres')).toBeGreaterThan(100);
  });
});
