import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { createTestDatabase, dropTestDatabase, ensureInfra, ManagedStack, uniqueTestId } from '@storelens/stack';

/** A bench row's throwaway platform: a stack (not yet started) on a database of its own, and one tenant's key. */
export interface BenchStack {
  stack: ManagedStack;
  /** the API key of the stack's one tenant */
  key: string;
  /** stops the stack and drops its database */
  close(): Promise<void>;
}

/**
 * A stack for a bench row on the local Redis, Postgres and S3: its own migrated database, queue prefix, bucket
 * and link secret (the services refuse to start without one), logs in a temp folder, one tenant named `name`.
 */
export async function benchStack(
  name: string,
  basePort: number,
  env: Record<string, string> = {},
): Promise<BenchStack> {
  await ensureInfra();
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, { poolSize: 1 });
  const drop = async () => {
    if (ds.isInitialized) await ds.destroy();
    await dropTestDatabase(db);
  };
  try {
    await ds.initialize();
    await runMigrations(ds);
    const tenants = new TenantRepository(ds);
    const tenant = await tenants.create(name);
    const key = (await tenants.issueApiKey(tenant.id, 'bench')).key;
    await ds.destroy();
    const id = uniqueTestId();
    const stack = new ManagedStack(
      {
        basePort,
        env: {
          DATABASE_URL: db.url,
          QUEUE_PREFIX: `bench${id}`,
          S3_BUCKET: `bench-${id}`.toLowerCase(),
          STORELENS_LOG_LEVEL: 'warn',
          STORELENS_URL_SECRET: randomBytes(32).toString('hex'),
          ...env,
        },
      },
      mkdtempSync(path.join(tmpdir(), 'bench-stack-')),
    );
    return {
      stack,
      key,
      close: async () => {
        await stack.stop();
        await drop();
      },
    };
  } catch (err) {
    await drop();
    throw err;
  }
}
