import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { jobIdOf, JobName, QueueName } from '@storelens/contracts';
import { PermanentJobError, QueueService } from '@storelens/queue';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { config, repoRoot } from '@storelens/config';
import { createDataSource, StoreRepository, TenantRepository } from '@storelens/db';
import { ObjectStore, tenantPrefix } from '@storelens/storage';
import { createTestDatabase, dropTestDatabase, uniqueTestId, waitFor, type TestDatabase } from '@storelens/testing';

// `storelens tenant create|delete` as an operator runs it, against a fresh database (no schema yet) and a bucket
// of its own.

let db: TestDatabase;
let ds: DataSource;
const bucket = `cli-tenant-test-${uniqueTestId()}`;
// The CLI runs through spawnSync, which blocks this process's event loop for seconds: a kept-alive connection to
// the S3 endpoint goes stale meanwhile (the server closes it unseen) and its next use fails with "socket hang up".
// So each use of the store after a CLI run gets a client of its own.
const objects = () => new ObjectStore({ ...config().s3, bucket });
const store = objects();
const prefix = `cli-tenant-test-${uniqueTestId()}`;
const silent = pino({ level: 'silent' });

function cli(args: string[]) {
  const r = spawnSync(
    path.join(repoRoot(), 'node_modules/.bin/tsx'),
    [path.join(repoRoot(), 'libs/cli/src/main.ts'), ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: db.url, S3_BUCKET: bucket, QUEUE_PREFIX: prefix },
    },
  );
  return { code: r.status ?? -1, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await store.ensureBucket();
});

afterAll(async () => {
  await ds?.destroy();
  store.close();
  const cleanup = objects();
  await cleanup.removePrefix('t/');
  await cleanup.removeBucket();
  cleanup.close();
  if (db) await dropTestDatabase(db);
});

describe('storelens tenant', () => {
  let tenant: string;
  let apiKey: string;

  it('create: migrates an empty database, prints exactly one JSON line, and the key authenticates', async () => {
    const r = cli(['tenant', 'create', 'Acme Retail']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    ({ tenant, apiKey } = JSON.parse(r.lines[0] as string));
    expect(Object.keys(JSON.parse(r.lines[0] as string))).toEqual(['tenant', 'apiKey']);
    expect(apiKey).toMatch(/^slk_[0-9a-f]{12}_/);

    ds = createDataSource(db.url, { poolSize: 1 });
    await ds.initialize();
    const tenants = new TenantRepository(ds);
    expect(await tenants.get(tenant)).toMatchObject({ name: 'Acme Retail' });
    expect((await tenants.verifyApiKey(apiKey))?.tenantId).toBe(tenant);
    // the schema is up to date, and a second run migrates nothing and makes a second tenant
    expect(await ds.showMigrations()).toBe(false);
    const again = cli(['tenant', 'create', 'Other Chain']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.lines[0] as string).tenant).not.toBe(tenant);
  });

  it('create refuses an empty name', () => {
    const r = cli(['tenant', 'create', '  ']);
    expect(r.code).not.toBe(0);
    expect(r.lines).toEqual([]);
    expect(r.stderr).toMatch(/must not be empty/);
  });

  it('delete: removes the tenant’s rows, keys, objects and queued or finished jobs, and nothing of another tenant', async () => {
    const other = JSON.parse(cli(['tenant', 'create', 'Keep Me']).lines[0] as string).tenant as string;
    // jobs of both tenants in Redis: one waiting, one finished (failed for good), one of the other tenant
    const queues = new QueueService({ redisUrl: config().redis.url, prefix, logger: silent });
    const mine = { tenantId: tenant, faceId: randomUUID() };
    const theirs = { tenantId: other, faceId: randomUUID() };
    await queues.enqueue(JobName.EmbedFace, mine);
    await queues.enqueue(JobName.ClassifyFace, theirs);
    const failing = queues.worker(QueueName.Attribute, {
      [JobName.DescribeFace]: async () => {
        throw new PermanentJobError('crop unreadable');
      },
    });
    await queues.enqueue(JobName.DescribeFace, mine);
    await waitFor(
      async () => (await queues.inspect(QueueName.Attribute, jobIdOf(JobName.DescribeFace, mine)))?.state === 'failed',
    );
    await failing.close();
    await new StoreRepository(ds).create(tenant, { name: 'Berlin' });
    const before = objects();
    await before.put(`${tenantPrefix(tenant)}a/b.jpg`, Buffer.from('x'), 'image/jpeg');
    await before.put(`${tenantPrefix(other)}c.jpg`, Buffer.from('y'), 'image/jpeg');
    before.close();

    const r = cli(['tenant', 'delete', tenant]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.lines.map((l) => JSON.parse(l))).toEqual([{ tenant, objects: 1, jobs: 2 }]);
    const redis = new Redis(config().redis.url);
    const left = await redis.keys(`${prefix}:*${tenant}*`);
    const kept = await redis.keys(`${prefix}:*${other}*`);
    await redis.del(...(await redis.keys(`${prefix}:*`)));
    await redis.quit();
    await queues.close();
    expect(left).toEqual([]);
    expect(kept).toHaveLength(1);
    const tenants = new TenantRepository(ds);
    expect(await tenants.get(tenant)).toBeNull();
    expect(await tenants.verifyApiKey(apiKey)).toBeNull();
    expect(await new StoreRepository(ds).list(tenant)).toEqual([]);
    const after = objects();
    expect(await after.stat(`${tenantPrefix(tenant)}a/b.jpg`)).toBeNull();
    expect(await after.stat(`${tenantPrefix(other)}c.jpg`)).not.toBeNull();
    after.close();

    const missing = cli(['tenant', 'delete', tenant]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no tenant/);
  });
});
