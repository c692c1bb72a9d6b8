import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import { JobName, QueueName, queueNames } from '@storelens/contracts';
import { TenantRepository } from '@storelens/db';
import { PermanentJobError, QueueService } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { waitFor } from '@storelens/testing';
import { PlatformModule } from './platform.module';
import { enableQueueOperations, presentedKey } from './queue-dashboard';

const ADMIN_KEY = `slk_admin_${randomUUID()}`;
const face = () => ({ tenantId: randomUUID(), faceId: randomUUID() });

/** The value of one sample in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m && m[1] === name && want.every((w) => m[2].split(',').includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('queue operations: dashboard and queue gauges (real Redis, Postgres and S3 endpoint)', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let queues: QueueService;
  let tenantKey: string;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    env = await createTestEnvironment({ name: 'queue-ops', env: { STORELENS_ADMIN_KEY: ADMIN_KEY } });
    const tenants = new TenantRepository(env.dataSource);
    tenantKey = (await tenants.issueApiKey((await tenants.create('Acme')).id, 'test')).key;
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forService('analytics', env.config)],
    }).compile();
    app = moduleRef.createNestApplication();
    enableQueueOperations(app);
    await app.init();
    queues = app.get(QueueService);
  });

  afterAll(async () => {
    release();
    await app?.get(ObjectStore).removeBucket();
    await app?.close();
    const redis = new Redis(env.config.redis.url);
    const keys = await redis.keys(`${env.config.queue.prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await env?.close();
  });

  it("refuses the dashboard without the operators' key, and with a tenant's API key", async () => {
    const none = await request(app.getHttpServer()).get('/admin/queues').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="StoreLens queues"/);
    await request(app.getHttpServer()).get('/admin/queues/api/queues').expect(401);
    await request(app.getHttpServer()).get('/admin/queues').set('Authorization', `Bearer ${tenantKey}`).expect(401);
    await request(app.getHttpServer()).get('/admin/queues').auth('operator', 'wrong-key').expect(401);
  });

  it('serves the dashboard to a browser signed in with the key (Basic) and lists every pipeline queue', async () => {
    const page = await request(app.getHttpServer()).get('/admin/queues').auth('operator', ADMIN_KEY).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('StoreLens queues');
    const api = await request(app.getHttpServer())
      .get('/admin/queues/api/queues')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .expect(200);
    const names = (api.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual([...queueNames].sort());
  });

  it("shows each queue's waiting, active, delayed and failed jobs and the age of the oldest waiting job", async () => {
    // three embedding jobs with no worker: waiting
    for (let i = 0; i < 3; i++) await queues.enqueue(JobName.EmbedFace, face());
    await new Promise((r) => setTimeout(r, 1100)); // the oldest embedding job is now over a second old
    // a classification job whose handler is still running: active
    let started = false;
    queues.worker(QueueName.Classification, {
      [JobName.ClassifyFace]: () =>
        new Promise((resolve) => {
          started = true;
          release = () => resolve('done');
        }),
    });
    await queues.enqueue(JobName.ClassifyFace, face());
    // an attribute job that failed for good
    queues.worker(QueueName.Attribute, {
      [JobName.DescribeFace]: async () => {
        throw new PermanentJobError('crop is not a decodable image');
      },
    });
    await queues.enqueue(JobName.DescribeFace, face());
    // a detection job waiting out a delay (as a retry's backoff does), added straight to BullMQ
    const raw = new Queue(QueueName.Detection, {
      connection: { url: env.config.redis.url },
      prefix: env.config.queue.prefix,
    });
    await raw.add(JobName.DetectFaces, { tenantId: randomUUID(), frameId: randomUUID() }, { delay: 600_000 });
    await raw.close();
    await waitFor(async () => started && (await queues.depth(QueueName.Attribute)).failed === 1);

    const text = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    const jobs = (queue: string, state: string) => sample(text, 'storelens_queue_jobs', { queue, state });
    expect(jobs('embedding', 'waiting')).toBe(3);
    expect(jobs('classification', 'active')).toBe(1);
    expect(jobs('attribute', 'failed')).toBe(1);
    expect(jobs('detection', 'delayed')).toBe(1);
    expect(jobs('detection', 'waiting')).toBe(0);
    expect(jobs('ingest', 'waiting')).toBe(0);
    const lag = sample(text, 'storelens_queue_oldest_waiting_seconds', { queue: 'embedding' })!;
    expect(lag).toBeGreaterThanOrEqual(1);
    expect(lag).toBeLessThan(600);
    expect(sample(text, 'storelens_queue_oldest_waiting_seconds', { queue: 'detection' })).toBe(0);
  });
});

describe('presentedKey', () => {
  it('reads the key from a bearer token or from the password of HTTP Basic', () => {
    expect(presentedKey('Bearer abc')).toBe('abc');
    expect(presentedKey(`Basic ${Buffer.from('ops:s3cret:with:colons').toString('base64')}`)).toBe(
      's3cret:with:colons',
    );
    expect(presentedKey(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(presentedKey(undefined)).toBeUndefined();
    expect(presentedKey('Token abc')).toBeUndefined();
  });
});
