// The detection service as a real process (tsx services/detection/src/main.ts), stopped in the middle of a job:
// SIGTERM must let the running job finish; SIGKILL must leave a job that a fresh process completes once the lock
// runs out, with no duplicate faces, crops or downstream jobs.
import { JobName, QueueName } from '@storelens/contracts';
import {
  CameraRepository,
  FaceRepository,
  FrameRepository,
  MediaRepository,
  StoreRepository,
  TenantRepository,
  type Frame,
} from '@storelens/db';
import { fixtures } from '@storelens/testing';
import { QueueService } from '@storelens/queue';
import { frameKey, ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { uniqueTestId, waitFor } from '@storelens/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { DataSource } from 'typeorm';

const ROOT = path.resolve(__dirname, '../../..');
const LOCK_MS = 2000;

let testEnv: TestEnvironment;
let ds: DataSource;
let store: ObjectStore;
let queues: QueueService;
let tenantId: string;
let storeId: string;
let cameraId: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  testEnv = await createTestEnvironment({
    name: 'detection-process',
    env: { SERVICE_PORT: '0', WORKER_LOCK_MS: String(LOCK_MS) },
  });
  ds = testEnv.dataSource;
  const cfg = testEnv.config;
  store = new ObjectStore(cfg.s3);
  await store.ensureBucket();
  queues = new QueueService({ redisUrl: cfg.redis.url, prefix: cfg.queue.prefix, logger: pino({ level: 'silent' }) });
  tenantId = (await new TenantRepository(ds).create('Acme Retail')).id;
  storeId = (await new StoreRepository(ds).create(tenantId, { name: 'Berlin Mitte' })).id;
  cameraId = (await new CameraRepository(ds).create(tenantId, { storeId, name: 'door', role: 'entrance' })).id;
}, 30_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await queues?.close();
  if (store) {
    await store.removePrefix('t/');
    await store.removeBucket();
    store.close();
  }
  await testEnv?.close();
});

/** Starts the detection service and resolves once it printed its ready line (its worker is consuming by then). */
async function startDetection(): Promise<ChildProcess> {
  // node with tsx's loader rather than the tsx CLI: the CLI runs the service in a child process of its own, which
  // a SIGKILL of the CLI would leave running
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/detection/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...testEnv.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (/"ready":true/.test(output)) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code, signal) =>
      reject(new Error(`detection exited (${code ?? signal}):\n${output.slice(-3000)}`)),
    );
  });
  return child;
}

/** How the process ended: Nest drains on SIGTERM and then re-raises the signal, so a clean stop ends by SIGTERM. */
const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.signalCode ?? child.exitCode)
      : child.once('exit', (code, signal) => resolve(signal ?? code)),
  );

/** One video frame of two_people.jpg, sampled and handed to detection. */
async function submitFrame(): Promise<Frame> {
  const bytes = readFileSync(fixtures.file('scenes/two_people.jpg'));
  const capturedAt = new Date('2026-11-28T13:00:00Z');
  const media = await new MediaRepository(ds).create(tenantId, {
    cameraId,
    kind: 'video',
    objectKey: `t/${tenantId}/${uniqueTestId()}.mp4`,
    sha256: createHash('sha256').update(uniqueTestId()).digest('hex'),
    bytes: bytes.length,
    mime: 'video/mp4',
    capturedAt,
  });
  const objectKey = frameKey({ tenantId, storeId, cameraId, mediaId: media.id, capturedAt, frameIndex: 0 });
  await store.put(objectKey, bytes, 'image/jpeg');
  const frame = await new FrameRepository(ds).upsert(tenantId, {
    mediaId: media.id,
    index: 0,
    timeMs: 0,
    capturedAt,
    objectKey,
    width: 1126,
    height: 661,
  });
  await queues.enqueue(JobName.DetectFaces, { tenantId, frameId: frame.id });
  return frame;
}

const statusOf = async (frameId: string) => (await new FrameRepository(ds).get(tenantId, frameId))?.status;

/** Polls tightly for the frame to be taken (the job runs for a few hundred ms). */
const taken = (frameId: string) =>
  waitFor(async () => (await statusOf(frameId)) === 'processing', { intervalMs: 5, what: 'the job to start' });

describe('the detection service process', () => {
  it('finishes the running job when it gets SIGTERM, then exits', async () => {
    const child = await startDetection();
    const frame = await submitFrame();
    await taken(frame.id);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe('SIGTERM');
    expect(await statusOf(frame.id)).toBe('done'); // the job it was running finished first
    expect(await new FaceRepository(ds).listByFrame(tenantId, frame.id)).toHaveLength(2);
  });

  it('a job cut off by SIGKILL is completed by the next process, without duplicates', async () => {
    const before = await queues.jobCounts(QueueName.Embedding);
    const killed = await startDetection();
    const frame = await submitFrame();
    await taken(frame.id);
    killed.kill('SIGKILL');
    await exited(killed);
    expect(await statusOf(frame.id)).toBe('processing'); // cut off mid-job

    const next = await startDetection();
    await waitFor(async () => (await statusOf(frame.id)) === 'done', {
      timeoutMs: 20_000,
      what: 'the frame to be done',
    });
    const faces = await new FaceRepository(ds).listByFrame(tenantId, frame.id);
    expect(faces.map((f) => f.faceIndex)).toEqual([0, 1]);
    for (const f of faces) expect(await store.stat(f.cropKey!)).not.toBeNull();
    const after = await queues.jobCounts(QueueName.Embedding);
    expect(after.waiting! - before.waiting!).toBe(2); // one embed-face per face, however often detection ran
    next.kill('SIGTERM');
    expect(await exited(next)).toBe('SIGTERM');
  });
});
