import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase, ensureInfra, uniqueTestId } from '@storelens/stack';
import { waitFor } from './wait';

describe('test helpers', () => {
  it('ensureInfra is cheap when the services are already up', async () => {
    await ensureInfra(); // the first call may have been made by globalSetup in another process
    const started = Date.now();
    await ensureInfra();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('creates a database that can be used and drops it again', async () => {
    const db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    expect((await client.query('SELECT current_database() AS name')).rows[0].name).toBe(db.name);
    await client.end();
    await dropTestDatabase(db);
    const admin = new Client({ connectionString: db.url.replace(db.name, 'postgres') });
    await admin.connect();
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name])).rowCount).toBe(0);
    await admin.end();
  });

  it('refuses to drop a database it did not make', async () => {
    await expect(dropTestDatabase('storelens')).rejects.toThrow(/not a test database/);
  });

  it('makes ids usable as database, bucket and key-prefix names', () => {
    const id = uniqueTestId();
    expect(id).toMatch(/^[a-z0-9]+$/);
    expect(uniqueTestId()).not.toBe(id);
  });

  it('waitFor returns the first truthy value and times out with what it waited for', async () => {
    let n = 0;
    await expect(waitFor(() => ++n >= 3 && n)).resolves.toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 50, what: 'godot' })).rejects.toThrow(/godot/);
  });
});
