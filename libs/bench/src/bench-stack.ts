import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { config } from '@storelens/config';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { removeQueueKeys } from '@storelens/queue';
import { createTestDatabase, dropTestDatabase, ensureInfra, ManagedStack, uniqueTestId } from '@storelens/stack';
import { ObjectStore, tenantPrefix } from '@storelens/storage';

/** A bench row's throwaway platform: a stack (not yet started) on a database of its own, and one tenant's key. */
export interface BenchStack {
  stack: ManagedStack;
  /** the API key of the stack's one tenant */
  key: string;
  tenantId: string;
  /** where the stack's queues and objects go (its QUEUE_PREFIX and S3_BUCKET) */
  queuePrefix: string;
  bucket: string;
  /** stops the stack, drops its database, and removes its queues' keys and its bucket */
  close(): Promise<void>;
}

/**
 * Removes what a bench stack's services left behind: the jobs of its queues (kept finished jobs included) and its
 * bucket with the uploads, frames and face crops in it. Every run used to leave ~300 keys in Redis and a bucket of
 * face crops.
 */
async function removeRunData(queuePrefix: string, bucket: string, tenantId: string): Promise<void> {
  // the stack's services reach the same Redis and S3 endpoint as this process, under their own prefix and bucket
  const cfg = config();
  const store = new ObjectStore({ ...cfg.s3, bucket });
  try {
    await store.ensureBucket(); // a stack stopped before its services made it
    await store.removePrefix(tenantPrefix(tenantId));
    await store.removeBucket();
  } finally {
    store.close();
  }
  await removeQueueKeys(cfg.redis.url, queuePrefix);
}

/**
 * A stack for a bench row on the local Redis, Postgres and S3: its own migrated database, queue prefix, bucket
 * and link secret (the services refuse to start without one), logs in a temp folder, one tenant named `name`.
 */
export async function benchStack(
  name: string,
  basePort: number,
  env: Record<string, string> = {},
  { cpuProfileDir }: { cpuProfileDir?: string } = {},
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
    const stackEnv = {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: `bench${id}`,
      S3_BUCKET: `bench-${id}`.toLowerCase(),
      STORELENS_LOG_LEVEL: 'warn',
      STORELENS_URL_SECRET: randomBytes(32).toString('hex'),
      ...env,
    };
    const stack = new ManagedStack(
      { basePort, env: stackEnv, cpuProfileDir },
      mkdtempSync(path.join(tmpdir(), 'bench-stack-')),
    );
    return {
      stack,
      key,
      tenantId: tenant.id,
      queuePrefix: stackEnv.QUEUE_PREFIX,
      bucket: stackEnv.S3_BUCKET,
      close: async () => {
        await stack.stop();
        try {
          await removeRunData(stackEnv.QUEUE_PREFIX, stackEnv.S3_BUCKET, tenant.id);
        } catch (err) {
          // said, not thrown: a failed clean-up must not throw away the row a long run has measured
          console.warn(
            `bench: could not remove queue prefix ${stackEnv.QUEUE_PREFIX} or bucket ${stackEnv.S3_BUCKET}: ${err}`,
          );
        } finally {
          await drop();
        }
      },
    };
  } catch (err) {
    await drop();
    throw err;
  }
}
