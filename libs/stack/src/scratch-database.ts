import { config } from '@storelens/config';
import { Client } from 'pg';
import { uniqueTestId } from './names';

export interface TestDatabase {
  name: string;
  /** DATABASE_URL pointing at the new database. */
  url: string;
}

/** The same server as the configured database, with another database name. */
function urlFor(database: string): string {
  const url = new URL(config().database.url);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onMaintenanceDb<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * An empty database of its own for one test file, so test files can run in parallel and never see each other's
 * rows. The caller runs the migrations it needs and calls dropTestDatabase afterwards.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `storelens_test_${uniqueTestId()}`;
  await onMaintenanceDb((c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: urlFor(name) };
}

/** Drops a database made by createTestDatabase, disconnecting anything still attached (WITH FORCE, PG 13+). */
export async function dropTestDatabase(db: TestDatabase | string): Promise<void> {
  const name = typeof db === 'string' ? db : db.name;
  if (!/^storelens_test_[a-z0-9]+$/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  await onMaintenanceDb((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
