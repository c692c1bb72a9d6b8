import { Client } from 'pg';
import { config } from '@storelens/config';
import { ensureInfra } from '@storelens/testing';
import { infraCpuMsBetween, infraCpuSeconds, pidCpuSeconds } from './proc-cpu';

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

  it("reads a process's own CPU by pid, and leaves out a pid that is not there", () => {
    const before = pidCpuSeconds([process.pid, 2 ** 22 + 1]);
    expect([...before.keys()]).toEqual([process.pid]);
    // 300 ms of this process's CPU, as Node counts it (however busy the machine is)
    const start = process.cpuUsage();
    let x = 0;
    for (let spent = 0; spent < 300_000; ) {
      for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
      const u = process.cpuUsage(start);
      spent = u.user + u.system;
    }
    const used = pidCpuSeconds([process.pid]).get(process.pid)! - before.get(process.pid)!;
    expect(x).toBeGreaterThan(0);
    // /proc counts in 10 ms ticks, and jest's own threads run meanwhile
    expect(used).toBeGreaterThan(0.28);
    expect(used).toBeLessThan(1);
  });
});
