// The four face workers (detection, embedding, attribute, classification + enrolment) in one process against real
// Postgres + pgvector, Redis, the S3 endpoint and the real models on the fixture photos. Frames are seeded the way
// ingest would leave them (rows + JPEGs in S3 + a detect-faces job), so nothing here depends on the ingest service.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { StoreLensConfig } from '@storelens/config';
import { jobIdOf, JobName, QueueName, queueOf, type JobOf } from '@storelens/contracts';
import {
  AlertRepository,
  CameraRepository,
  EmbeddingRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  StoreRepository,
  TenantRepository,
  type Face,
  type Frame,
  type Media,
} from '@storelens/db';
import { EMOTIONS } from '@storelens/contracts';
import { ATTRIBUTE_VIEW_SIZE } from '@storelens/inference';
import { fixtures } from '@storelens/testing';
import { Metrics, PlatformModule } from '@storelens/platform';
import { QueueService, type JobContext } from '@storelens/queue';
import { frameKey, ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { uniqueTestId, waitFor } from '@storelens/testing';
import { encodeJpeg } from '@storelens/vision';
import { unpackFaceCrop } from '@storelens/worker-kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { newVisitorId } from '@storelens/decision';
import { AttributeWorkerModule, FaceAttributesService } from '@storelens/services/attribute';
import {
  ClassificationWorkerModule,
  FaceClassificationService,
  IdentityEnrolmentService,
} from '@storelens/services/classification';
import { DetectionWorkerModule, FaceDetectionService } from '@storelens/services/detection';
import { EmbeddingWorkerModule, FaceEmbeddingService } from '@storelens/services/embedding';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A handler called directly, as BullMQ would call it on a replay. */
const ctx: JobContext = { jobId: 'direct', attempt: 1, logger: pino({ level: 'silent' }) };

let env: TestEnvironment;
let cfg: StoreLensConfig;
let app: INestApplication;
let admin: Redis;
const rawQueues: Queue[] = [];
let r: {
  tenants: TenantRepository;
  stores: StoreRepository;
  cameras: CameraRepository;
  media: MediaRepository;
  frames: FrameRepository;
  faces: FaceRepository;
  identities: IdentityRepository;
  embeddings: EmbeddingRepository;
  alerts: AlertRepository;
};
let store: ObjectStore;
let queues: QueueService;
let tenantId: string;
let storeId: string;
let cameraId: string;
let clock = Date.parse('2026-11-28T13:00:00Z');

beforeAll(async () => {
  env = await createTestEnvironment({ name: 'face-workers' });
  cfg = env.config;
  const moduleRef = await Test.createTestingModule({
    imports: [
      PlatformModule.forService('face-workers', cfg),
      DetectionWorkerModule,
      EmbeddingWorkerModule,
      AttributeWorkerModule,
      ClassificationWorkerModule,
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init(); // loads the models and starts the five queue workers
  r = {
    tenants: app.get(TenantRepository),
    stores: app.get(StoreRepository),
    cameras: app.get(CameraRepository),
    media: app.get(MediaRepository),
    frames: app.get(FrameRepository),
    faces: app.get(FaceRepository),
    identities: app.get(IdentityRepository),
    embeddings: app.get(EmbeddingRepository),
    alerts: app.get(AlertRepository),
  };
  store = app.get(ObjectStore);
  queues = app.get(QueueService);
  admin = new Redis(cfg.redis.url);
  tenantId = (await r.tenants.create('Acme Retail')).id;
  storeId = (await r.stores.create(tenantId, { name: 'Berlin Mitte', timezone: 'Europe/Berlin' })).id;
  cameraId = (await r.cameras.create(tenantId, { storeId, name: 'door', role: 'entrance' })).id;
}, 240_000);

afterAll(async () => {
  await Promise.all(rawQueues.map((q) => q.close()));
  if (store) {
    await store.removePrefix('t/');
    await store.removeBucket();
  }
  await app?.close();
  if (admin) {
    const keys = await admin.keys(`${cfg.queue.prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  }
  await env?.close();
});

// ---- seeding, the way ingest leaves a media item ----

const photo = (file: string) => readFileSync(fixtures.file(file));

async function sizeOf(bytes: Buffer): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  return { width: meta?.width ?? 640, height: meta?.height ?? 480 };
}

async function createMedia(kind: 'image' | 'video', bytes: Buffer, enrolFor?: string): Promise<Media> {
  clock += 60_000;
  return r.media.create(tenantId, {
    cameraId: enrolFor ? null : cameraId,
    kind,
    objectKey: `t/${tenantId}/uploads/${uniqueTestId()}.${kind === 'image' ? 'jpg' : 'mp4'}`,
    sha256: createHash('sha256').update(bytes).update(uniqueTestId()).digest('hex'),
    bytes: bytes.length,
    mime: kind === 'image' ? 'image/jpeg' : 'video/mp4',
    capturedAt: new Date(clock),
    purpose: enrolFor ? 'enrolment' : 'analysis',
    identityId: enrolFor ?? null,
  });
}

async function addFrame(media: Media, index: number, bytes: Buffer): Promise<Frame> {
  const capturedAt = new Date(media.capturedAt.getTime() + index * 1000);
  const objectKey = frameKey({
    tenantId,
    storeId: media.cameraId ? storeId : null,
    cameraId: media.cameraId,
    mediaId: media.id,
    capturedAt,
    frameIndex: index,
  });
  await store.put(objectKey, bytes, 'image/jpeg');
  return r.frames.upsert(tenantId, {
    mediaId: media.id,
    index,
    timeMs: index * 1000,
    capturedAt,
    objectKey,
    ...(await sizeOf(bytes)),
  });
}

/** A media item whose frames have been sampled and handed to detection. */
async function submit(kind: 'image' | 'video', frames: Buffer[], enrolFor?: string) {
  const media = await createMedia(kind, frames[0]!, enrolFor);
  const rows: Frame[] = [];
  for (const [i, bytes] of frames.entries()) rows.push(await addFrame(media, i, bytes));
  await r.media.setFrameCount(tenantId, media.id, rows.length);
  await queues.enqueueMany(
    JobName.DetectFaces,
    rows.map((f) => ({ tenantId, frameId: f.id })),
  );
  return { media, frames: rows };
}

const analyse = async (file: string) => (await submit('image', [photo(file)])).frames[0]!;
const enrol = (identityId: string, bytes: Buffer) => submit('image', [bytes], identityId);

/**
 * The frame's faces once every stage has been through them: detected, described, decided and, for a camera's
 * frame, tracked (an unknown face's visitor is decided on its track, just after the face itself).
 */
function settled(frameId: string): Promise<Face[]> {
  return waitFor(
    async () => {
      const frame = await r.frames.get(tenantId, frameId);
      if (frame?.status === 'failed') throw new Error(`frame failed: ${frame.error}`);
      if (frame?.status !== 'done') return false;
      const fromCamera = (await r.media.get(tenantId, frame.mediaId))?.cameraId != null;
      const faces = await r.faces.listByFrame(tenantId, frameId);
      const done = (f: Face) =>
        f.decidedAt !== null && f.attributeModelId !== null && (!fromCamera || f.trackId !== null);
      return faces.every(done) && faces;
    },
    { timeoutMs: 30_000, what: `frame ${frameId} to settle` },
  );
}

function mediaFailed(mediaId: string): Promise<string> {
  return waitFor(
    async () => {
      const m = await r.media.get(tenantId, mediaId);
      return m?.status === 'failed' && (m.error ?? '');
    },
    { timeoutMs: 30_000, what: `media ${mediaId} to fail` },
  );
}

function rawQueue(name: QueueName): Queue {
  const q = new Queue(name, { connection: { url: cfg.redis.url }, prefix: cfg.queue.prefix });
  rawQueues.push(q);
  return q;
}

/** Runs a job again through the queue: the kept job is removed first, as after Redis lost it. */
async function replay<N extends JobName>(name: N, payload: JobOf<N>) {
  const queue = rawQueue(queueOf(name));
  await (await queue.getJob(jobIdOf(name, payload)))?.remove();
  const jobId = await queues.enqueue(name, payload);
  return waitFor(
    async () => {
      const job = await queues.inspect(queueOf(name), jobId);
      return (job?.state === 'completed' || job?.state === 'failed') && job;
    },
    { timeoutMs: 20_000, what: `${jobId} to finish` },
  );
}

const objectExists = async (key: string) => (await store.stat(key)) !== null;

// ---- the scenarios, in order: the gallery built first is used by the ones after ----

const people: Record<'obama' | 'biden', { id: string; mediaId: string; faceId: string }> = {} as never;
let scene: { frame: Frame; faces: Face[] };

describe('face workers, end to end (real Postgres, Redis, S3 and models)', () => {
  it('enrols Obama and Biden through detection, embedding and enrolment: one reference face each', async () => {
    const obama = await r.identities.create(tenantId, { name: 'Barack Obama', category: 'member' });
    const biden = await r.identities.create(tenantId, { name: 'Joe Biden', category: 'watchlist' });
    const submitted = await Promise.all([
      enrol(obama.id, photo('faces/barack_obama/obama.jpg')),
      enrol(biden.id, photo('faces/joe_biden/knn_train_biden2.jpg')),
    ]);
    for (const [i, identity] of [obama, biden].entries()) {
      const { media, frames } = submitted[i]!;
      // enrolment links the face, then records its similarity: wait for both
      const face = await waitFor(
        async () => {
          const faces = await settled(frames[0]!.id);
          expect(faces).toHaveLength(1);
          return faces[0]!.similarity === 1 && faces[0]!;
        },
        { what: `${identity.name} to be enrolled` },
      );
      expect(face).toMatchObject({ identityId: identity.id, similarity: 1, visitorId: null });
      expect(await r.identities.listEnrolledFaceIds(tenantId, identity.id)).toEqual([face.id]);
      expect((await r.embeddings.get(tenantId, face.id))?.modelId).toMatch(/^mobilefacenet/);
      // one object per face holds both model crops
      expect(face.cropKey).toMatch(/^t\/[^/]+\/uploads\/.*\.face-00\.crops$/);
      const crops = await store.get(face.cropKey!);
      // the aligned face for the embedder; the attribute view (crop plus the margin its shifted reads need)
      expect(unpackFaceCrop(crops, 'aligned')).toMatchObject({ width: 112, height: 112 });
      expect(unpackFaceCrop(crops, 'attribute')).toMatchObject({
        width: ATTRIBUTE_VIEW_SIZE,
        height: ATTRIBUTE_VIEW_SIZE,
      });
      expect((await r.media.get(tenantId, media.id))?.status).not.toBe('failed');
      people[i === 0 ? 'obama' : 'biden'] = { id: identity.id, mediaId: media.id, faceId: face.id };
    }
  });

  it('names both men in two_people.jpg left to right, with age, gender and emotion, and alerts once for the watchlisted one', async () => {
    const frame = await analyse('scenes/two_people.jpg');
    const faces = await settled(frame.id);
    scene = { frame, faces };
    expect(faces.map((f) => f.identityId)).toEqual([people.obama.id, people.biden.id]);
    expect(faces[0]!.boxX).toBeLessThan(faces[1]!.boxX);
    for (const f of faces) {
      expect(f.similarity).toBeGreaterThanOrEqual(cfg.decision.threshold);
      expect(f.visitorId).toBeNull();
      expect(f.age).toBeGreaterThan(30);
      expect(f.age).toBeLessThan(85);
      expect(f.gender).toBe('male');
      expect(f.genderConfidence).toBeGreaterThanOrEqual(0.5);
      expect(EMOTIONS).toContain(f.emotion);
      expect(Object.keys(f.emotionScores!).sort()).toEqual([...EMOTIONS].sort());
      expect(f.attributeModelId).toMatch(/^faceapi_age_gender@.+\+faceapi_expression@/);
      expect(f.detectorModelId).toMatch(/^yunet/);
      expect(f.cropKey).toContain(`/s/${storeId}/c/${cameraId}/`);
    }
    const alerts = await r.alerts.list(tenantId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      faceId: faces[1]!.id,
      identityId: people.biden.id,
      cameraId,
      seenAt: frame.capturedAt,
    });
  });

  it('alerts exactly once when the classify job of the watchlisted face runs again', async () => {
    const biden = scene.faces[1]!;
    const payload = { tenantId, faceId: biden.id };
    const classification = app.get(FaceClassificationService);
    expect(await classification.classifyFace(payload, ctx)).toBe('skipped'); // already decided

    // A crash after the alert was written but before the decision: the job runs again for real.
    await app
      .get(DataSource)
      .query(`UPDATE faces SET identity_id = NULL, similarity = NULL, decided_at = NULL WHERE id = $1`, [biden.id]);
    expect(await replay(JobName.ClassifyFace, payload)).toMatchObject({ state: 'completed', returnValue: 'done' });
    expect(await r.faces.get(tenantId, biden.id)).toMatchObject({ identityId: people.biden.id, visitorId: null });
    expect(await r.alerts.list(tenantId)).toHaveLength(1);
  });

  it('replaying detect-faces rewrites the same faces and crops: no duplicates, decisions kept', async () => {
    const { frame, faces } = scene;
    const payload = { tenantId, frameId: frame.id };
    expect(await replay(JobName.DetectFaces, payload)).toMatchObject({ returnValue: 'skipped' }); // frame is done

    // A crash before the frame was marked done: detection runs in full again.
    await r.frames.setStatus(tenantId, frame.id, 'processing');
    expect(await replay(JobName.DetectFaces, payload)).toMatchObject({ state: 'completed', returnValue: 'done' });
    const again = await settled(frame.id);
    expect(again.map((f) => [f.id, f.faceIndex, f.cropKey, f.identityId])).toEqual(
      faces.map((f) => [f.id, f.faceIndex, f.cropKey, f.identityId]),
    );
    for (const f of again) {
      expect(await objectExists(f.cropKey!)).toBe(true);
    }
    expect(await objectExists(faces[1]!.cropKey!.replace('.face-01.', '.face-02.'))).toBe(false);
    expect(await r.alerts.list(tenantId)).toHaveLength(1);
  });

  it('gives an unknown person the same visitorId in two different frames, and another unknown person another one', async () => {
    const [kitFirst] = await settled((await analyse('faces/kit_harington/knn_train_kit_harington_john1.jpeg')).id);
    const [kitAgain] = await settled((await analyse('faces/kit_harington/knn_test_johnsnow_test1.jpg')).id);
    const [alex] = await settled((await analyse('faces/alex_lacamoire/knn_train_alex_lacamoire_img1.jpg')).id);
    for (const f of [kitFirst!, kitAgain!, alex!]) {
      expect(f.identityId).toBeNull();
      expect(f.visitorId).toMatch(UUID);
    }
    // the first sighting starts a visitor whose id is derived from its face (a replay gives the same id) ...
    expect(kitFirst!.visitorId).toBe(newVisitorId(kitFirst!.id));
    // ... the second joins it, and someone else starts their own
    expect(kitAgain!.visitorId).toBe(kitFirst!.visitorId);
    expect(alex!.visitorId).not.toBe(kitFirst!.visitorId);
    expect(await r.alerts.list(tenantId)).toHaveLength(1);
  });

  it('refuses an enrolment photo with two faces, or with none, saying why, and enrols nothing from it', async () => {
    const group = await r.identities.create(tenantId, { name: 'Group photo', category: 'member' });
    const two = await enrol(group.id, photo('scenes/two_people.jpg'));
    const blank = await enrol(group.id, await encodeJpeg(greyImage()));
    expect(await mediaFailed(two.media.id)).toBe('2 faces found; an enrolment photo must show exactly one person');
    expect(await mediaFailed(blank.media.id)).toBe('no face found in the enrolment photo');
    for (const { frames } of [two, blank]) {
      expect((await r.frames.get(tenantId, frames[0]!.id))?.status).toBe('done');
      expect(await r.faces.listByFrame(tenantId, frames[0]!.id)).toEqual([]);
    }
    expect(await r.identities.listEnrolledFaceIds(tenantId, group.id)).toEqual([]);
  });

  it('fails a single analysed image without a face with "no face found in the image"', async () => {
    const { media, frames } = await submit('image', [await encodeJpeg(greyImage())]);
    expect(await mediaFailed(media.id)).toBe('no face found in the image');
    expect((await r.frames.get(tenantId, frames[0]!.id))?.status).toBe('done');
  });

  it('fails an enrolment photo of an identity deleted before it was processed', async () => {
    const gone = await r.identities.create(tenantId, { name: 'Left the company', category: 'staff' });
    await r.identities.softDelete(tenantId, gone.id);
    const { media } = await enrol(gone.id, photo('faces/rose_leslie/knn_train_rose_leslie_img1.jpg'));
    expect(await mediaFailed(media.id)).toBe('identity was deleted');
    expect(await r.identities.listEnrolledFaceIds(tenantId, gone.id)).toEqual([]);
  });

  it('fails a corrupt frame at once with its reason, while the other frames of the video complete', async () => {
    const whole = photo('faces/barack_obama/obama2.jpg'); // cut in the middle of its pixel data
    const { media, frames } = await submit('video', [
      whole.subarray(0, whole.length >> 1),
      photo('faces/rose_leslie/knn_train_rose_leslie_img2.jpg'),
    ]);
    const failed = await waitFor(
      async () => {
        const f = await r.frames.get(tenantId, frames[0]!.id);
        return f?.status === 'failed' && f;
      },
      { what: 'the corrupt frame to fail' },
    );
    expect(failed.error).toMatch(/^frame image cannot be read: corrupt or truncated jpeg image/);
    const job = await queues.inspect(
      QueueName.Detection,
      jobIdOf(JobName.DetectFaces, { tenantId, frameId: failed.id }),
    );
    expect(job).toMatchObject({ state: 'failed', attemptsMade: 1 }); // permanent: not retried
    const [rose] = await settled(frames[1]!.id);
    expect(rose).toMatchObject({ identityId: null, gender: 'female' });
    expect((await r.media.get(tenantId, media.id))?.status).not.toBe('failed'); // one bad frame does not fail a video
  });

  it("skips every job that names another tenant's rows, exactly as an unknown id", async () => {
    const other = (await r.tenants.create('Other chain')).id;
    const face = scene.faces[0]!.id;
    expect(await app.get(FaceDetectionService).detectFaces({ tenantId: other, frameId: scene.frame.id }, ctx)).toBe(
      'skipped',
    );
    expect(await app.get(FaceEmbeddingService).embedFace({ tenantId: other, faceId: face }, ctx)).toBe('skipped');
    expect(await app.get(FaceAttributesService).describeFace({ tenantId: other, faceId: face }, ctx)).toBe('skipped');
    expect(await app.get(FaceClassificationService).classifyFace({ tenantId: other, faceId: face }, ctx)).toBe(
      'skipped',
    );
    const enrolment = app.get(IdentityEnrolmentService);
    expect(
      await enrolment.enrolMedia({ tenantId: other, identityId: people.obama.id, mediaId: people.obama.mediaId }, ctx),
    ).toBe('skipped');
  });

  it('counted and timed every job in /metrics', async () => {
    const metric = await app.get(Metrics).jobSeconds.get();
    const per = (name: string, stat: 'sum' | 'count') =>
      metric.values.find((v) => v.labels.job === name && v.metricName?.endsWith(`_${stat}`))?.value ?? 0;
    const timings = Object.values(JobName)
      // the face workers' jobs: ingest and webhook delivery run in other services
      .filter((name) => name !== JobName.IngestMedia && name !== JobName.DeliverWebhook)
      .map((name) => ({
        name,
        jobs: per(name, 'count'),
        meanMs: Math.round((1000 * per(name, 'sum')) / per(name, 'count')),
      }));
    for (const t of timings) expect(t.jobs).toBeGreaterThan(0);
    process.stderr.write(`job timings: ${JSON.stringify(timings)}\n`);
  });
});

/** A face-less image: a soft grey gradient. */
function greyImage() {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.fill(100 + ((i % width) >> 3), i * 3, i * 3 + 3);
  return { data, width, height };
}
