import { Client } from 'pg';
import { createTestEnvironment } from './test-environment';

describe('createTestEnvironment', () => {
  it('makes a migrated database, a queue prefix and a bucket of its own, and close() drops the database', async () => {
    const a = await createTestEnvironment({ name: 'env-spec', env: { WORKER_LOCK_MS: '4000' } });
    const b = await createTestEnvironment();
    try {
      expect(await a.dataSource.showMigrations()).toBe(false); // nothing pending
      expect(a.config.database.url).toBe(a.db.url);
      expect(a.env).toMatchObject({ DATABASE_URL: a.db.url, WORKER_LOCK_MS: '4000' });
      expect(a.config.worker.lockDurationMs).toBe(4000);
      expect(a.config.queue.prefix).toMatch(/^env-spec-[a-z0-9]+$/);
      expect(a.config.s3.bucket).toMatch(/^env-spec-[a-z0-9]+$/);
      expect(b.config.queue.prefix).toMatch(/^test-/);
      expect(b.db.name).not.toBe(a.db.name);
      expect(b.config.queue.prefix).not.toBe(a.config.queue.prefix);
      expect(b.config.s3.bucket).not.toBe(a.config.s3.bucket);
    } finally {
      await a.close();
      await b.close();
    }
    expect(a.dataSource.isInitialized).toBe(false);
    const admin = new Client({ connectionString: a.db.url.replace(a.db.name, 'postgres') });
    await admin.connect();
    try {
      const left = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
        [a.db.name, b.db.name],
      ]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
