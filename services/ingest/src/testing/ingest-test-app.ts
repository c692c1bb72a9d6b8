// The ingest service in-process against the real Postgres, Redis and S3 endpoint, for the specs: a migrated
// database, a queue prefix and a bucket of its own, so test files run in parallel without seeing each other.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { repoRoot, type StoreLensConfig } from '@storelens/config';
import {
  CameraRepository,
  EmbeddingRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  StoreRepository,
  TenantRepository,
} from '@storelens/db';
import type { JobContext } from '@storelens/queue';
import { QueueService, removeQueueKeys } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import type { TestDatabase } from '@storelens/testing';
import { IngestModule } from '../ingest.module';

export interface IngestTestApp {
  app: INestApplication;
  cfg: StoreLensConfig;
  db: TestDatabase;
  repos: {
    tenants: TenantRepository;
    stores: StoreRepository;
    cameras: CameraRepository;
    media: MediaRepository;
    frames: FrameRepository;
    faces: FaceRepository;
    identities: IdentityRepository;
    embeddings: EmbeddingRepository;
  };
  objects: ObjectStore;
  queues: QueueService;
  /** A new tenant with an API key, made through the repositories. */
  tenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  /** Closes the app (its worker finishes running jobs first); safe to call twice. */
  close(): Promise<void>;
  /** Closes the app, then removes the database, the bucket and the queue keys. */
  dispose(): Promise<void>;
}

export async function startIngestApp(env: Record<string, string> = {}): Promise<IngestTestApp> {
  const testEnv = await createTestEnvironment({ name: 'ingest-test', env });
  const { db, config: cfg } = testEnv;
  const moduleRef = await Test.createTestingModule({ imports: [IngestModule.forConfig(cfg)] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.init();

  const repos = {
    tenants: app.get(TenantRepository),
    stores: app.get(StoreRepository),
    cameras: app.get(CameraRepository),
    media: app.get(MediaRepository),
    frames: app.get(FrameRepository),
    faces: app.get(FaceRepository),
    identities: app.get(IdentityRepository),
    embeddings: app.get(EmbeddingRepository),
  };
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= app.close());
  return {
    app,
    cfg,
    db,
    repos,
    objects: app.get(ObjectStore),
    queues: app.get(QueueService),
    async tenant(name = 'Acme Retail') {
      const tenant = await repos.tenants.create(name);
      return { tenantId: tenant.id, apiKey: (await repos.tenants.issueApiKey(tenant.id, 'test')).key };
    },
    close,
    async dispose() {
      await close();
      await disposeEnvironment(testEnv);
    },
  };
}

/** Removes the objects, the bucket and the queue keys of a test environment, then the environment itself. */
export async function disposeEnvironment(testEnv: TestEnvironment): Promise<void> {
  const cfg = testEnv.config;
  const store = new ObjectStore(cfg.s3);
  await store.removePrefix('t/').catch(() => undefined);
  await store.removeBucket().catch(() => undefined);
  store.close();
  await removeQueueKeys(cfg.redis.url, cfg.queue.prefix);
  await testEnv.close();
}

/** A context for calling a job handler directly, as a replay would. */
export function jobContext(jobId = 'test-job'): JobContext {
  return { jobId, attempt: 1, logger: pino({ level: 'silent' }) };
}

/** Runs the storelens CLI as a user does, against the given configuration's database and bucket. */
export function storelensCli(args: string[], cfg: StoreLensConfig): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    path.join(repoRoot(), 'node_modules/.bin/tsx'),
    [path.join(repoRoot(), 'libs/cli/src/main.ts'), ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
      // a child process gets its configuration the way a user's shell gives it: through the environment
      // eslint-disable-next-line no-restricted-syntax
      env: { ...process.env, DATABASE_URL: cfg.database.url, S3_BUCKET: cfg.s3.bucket, STORELENS_LOG_LEVEL: 'warn' },
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
