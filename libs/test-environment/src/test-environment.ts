import { randomBytes } from 'node:crypto';
import { loadConfig, type StoreLensConfig } from '@storelens/config';
import { createDataSource, runMigrations } from '@storelens/db';
import { createTestDatabase, dropTestDatabase, uniqueTestId, type TestDatabase } from '@storelens/testing';
import type { DataSource } from 'typeorm';

export interface TestEnvironmentOptions {
  /** the start of the queue prefix and the bucket name (`<name>-<id>`), so that leftovers say whose they are */
  name?: string;
  /** more variables, on top of (and able to replace) the environment's own */
  env?: Record<string, string>;
}

export interface TestEnvironment {
  /** a database of the test's own, migrated to the current schema */
  db: TestDatabase;
  /** a small connection pool on that database, for seeding and reading rows */
  dataSource: DataSource;
  /** the variables that make this environment (database, queue prefix, bucket, log level, `options.env`), for a
   * child process to get on top of process.env */
  env: Record<string, string>;
  /** the machine's configuration (endpoints, assets) with `env` on top */
  config: StoreLensConfig;
  /** closes `dataSource` and drops the database; what the test put in its bucket and queues is the test's to remove */
  close(): Promise<void>;
}

/**
 * A fresh, migrated test database with a queue prefix and a bucket name of its own, and the configuration that
 * points at them, so test files run in parallel against the same Postgres, Redis and S3 endpoint without seeing
 * each other.
 */
export async function createTestEnvironment({
  name = 'test',
  env = {},
}: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const db = await createTestDatabase();
  const dataSource = createDataSource(db.url, { poolSize: 2 });
  const close = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropTestDatabase(db);
  };
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    const id = uniqueTestId();
    const vars: Record<string, string> = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      QUEUE_PREFIX: `${name}-${id}`,
      S3_BUCKET: `${name}-${id}`,
      STORELENS_LOG_LEVEL: 'warn',
      // services refuse to boot without a URL secret; each test environment signs with its own
      STORELENS_URL_SECRET: randomBytes(32).toString('hex'),
      ...env,
    };
    // the machine's settings with this test's own database, queues and bucket on top
    // eslint-disable-next-line no-restricted-syntax
    const config = loadConfig({ ...process.env, ...vars });
    let closed: Promise<void> | undefined;
    return { db, dataSource, env: vars, config, close: () => (closed ??= close()) };
  } catch (err) {
    await close();
    throw err;
  }
}
