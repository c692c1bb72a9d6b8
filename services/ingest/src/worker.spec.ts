import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import request from 'supertest';
import { JobName, QueueName } from '@storelens/contracts';
import { createDataSource, MediaRepository, type Media } from '@storelens/db';
import { fixtures } from '@storelens/testing';
import { PermanentJobError } from '@storelens/queue';
import { mediaKey, stemOf } from '@storelens/storage';
import { waitFor } from '@storelens/testing';
import { MediaSamplingService } from './worker/media-sampling.service';
import { jobContext, startIngestApp, type IngestTestApp } from './testing/ingest-test-app';

// The ingest worker against real Postgres, Redis, S3 and ffmpeg: uploads become frames in S3 and rows in Postgres
// with a detect-faces job each; replays add nothing; bad files end as failed media with a reason.

const photo = fixtures.file('faces/barack_obama/obama.jpg');
const video = fixtures.file('video/hamilton_clip.mp4');
const CAPTURED_AT = '2026-11-28T13:00:00.000Z';

let t: IngestTestApp;
let http: ReturnType<typeof request>;
let key: string;
let tenantId: string;
let processor: MediaSamplingService;

const auth = () => ({ Authorization: `Bearer ${key}` });

async function camera(fps: number): Promise<{ storeId: string; cameraId: string }> {
  const store = await t.repos.stores.create(tenantId, { name: `store ${randomUUID()}` });
  const cam = await t.repos.cameras.create(tenantId, { storeId: store.id, name: 'door', role: 'entrance', fps });
  return { storeId: store.id, cameraId: cam.id };
}

async function upload(cameraId: string, file: string | Buffer, capturedAt = CAPTURED_AT): Promise<string> {
  const res = await http
    .post(`/v1/cameras/${cameraId}/media`)
    .set(auth())
    .field('capturedAt', capturedAt)
    .attach('file', file, { filename: 'upload' })
    .expect(202);
  return res.body.id;
}

/** Waits until the worker has finished with the media: sampled (frameCount set) or failed. */
async function settled(mediaId: string): Promise<Media> {
  return waitFor(
    async () => {
      const m = await t.repos.media.get(tenantId, mediaId);
      return m && (m.frameCount !== null || m.status === 'failed') ? m : undefined;
    },
    { timeoutMs: 60_000, what: `media ${mediaId} to be sampled` },
  );
}

/** A stored upload with its row, but no job: for driving the handler by hand, as a replay does. */
async function storedMedia(ids: { storeId: string; cameraId: string }, file: string, kind: 'image' | 'video') {
  const id = randomUUID();
  const capturedAt = new Date(CAPTURED_AT);
  const objectKey = mediaKey({
    tenantId,
    ...ids,
    mediaId: id,
    capturedAt,
    extension: kind === 'image' ? 'jpg' : 'mp4',
  });
  await t.objects.put(objectKey, readFileSync(file), kind === 'image' ? 'image/jpeg' : 'video/mp4');
  return t.repos.media.create(tenantId, {
    id,
    cameraId: ids.cameraId,
    kind,
    objectKey,
    sha256: 'b'.repeat(64),
    bytes: 1,
    mime: kind === 'image' ? 'image/jpeg' : 'video/mp4',
    capturedAt,
  });
}

const detectJob = (frameId: string) => t.queues.inspect(QueueName.Detection, `detect-faces.${tenantId}.${frameId}`);

beforeAll(async () => {
  t = await startIngestApp();
  http = request(t.app.getHttpServer());
  ({ tenantId, apiKey: key } = await t.tenant());
  processor = t.app.get(MediaSamplingService);
});

afterAll(async () => {
  await t?.dispose();
});

describe('ingest worker', () => {
  it('turns a photo into one JPEG frame in S3, one frame row and a waiting detect-faces job', async () => {
    const { cameraId } = await camera(1);
    const mediaId = await upload(cameraId, photo);
    const media = await settled(mediaId);
    expect(media).toMatchObject({ status: 'processing', frameCount: 1, error: null });

    const frames = await t.repos.frames.listByMedia(tenantId, mediaId);
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    const original = await sharp(photo).metadata();
    expect(frame).toMatchObject({
      index: 0,
      timeMs: 0,
      capturedAt: new Date(CAPTURED_AT),
      width: original.width,
      height: original.height,
      status: 'queued',
    });
    expect(frame!.objectKey).toBe(media.objectKey.replace(/\.jpg$/, '-000000.jpg'));
    expect(await t.objects.stat(frame!.objectKey)).toMatchObject({ contentType: 'image/jpeg' });
    const stored = await sharp(await t.objects.get(frame!.objectKey)).metadata();
    expect(stored).toMatchObject({ format: 'jpeg', width: original.width, height: original.height });
    expect(await detectJob(frame!.id)).toMatchObject({ name: JobName.DetectFaces, state: 'waiting' });
  });

  it('stamps a video sent without capturedAt as recorded before its upload: no frame lies in the future', async () => {
    const { cameraId } = await camera(2);
    const res = await http.post(`/v1/cameras/${cameraId}/media`).set(auth()).attach('file', video).expect(202);
    const received = Date.now();
    const media = await settled(res.body.id);
    const frames = await t.repos.frames.listByMedia(tenantId, media.id);
    expect(media.durationMs).toBeGreaterThan(9_900);
    // the container has no creation time: it ended when it was received
    expect(media.capturedAt.getTime()).toBeLessThanOrEqual(received - media.durationMs!);
    expect(media.capturedAt.getTime()).toBeGreaterThan(received - media.durationMs! - 60_000);
    expect(Math.max(...frames.map((f) => f.capturedAt.getTime()))).toBeLessThanOrEqual(received);
  });

  it('samples a video at its camera’s fps: ~20 frames over 10 s, each a JPEG with its time', async () => {
    const { cameraId } = await camera(2);
    const mediaId = await upload(cameraId, video);
    const media = await settled(mediaId);
    const frames = await t.repos.frames.listByMedia(tenantId, mediaId);
    expect(frames.length).toBeGreaterThanOrEqual(19);
    expect(frames.length).toBeLessThanOrEqual(21);
    expect(media).toMatchObject({ status: 'processing', frameCount: frames.length });
    expect(media.durationMs).toBeGreaterThan(9_900);
    frames.forEach((f, i) => {
      expect(f.index).toBe(i);
      expect(f.timeMs).toBe(i * 500);
      expect(f.capturedAt.getTime()).toBe(Date.parse(CAPTURED_AT) + i * 500);
      expect([f.width, f.height]).toEqual([640, 360]);
    });
    for (const f of [frames[0]!, frames[frames.length - 1]!]) {
      expect((await sharp(await t.objects.get(f.objectKey)).metadata()).format).toBe('jpeg');
    }
    const jobs = await Promise.all(frames.map((f) => detectJob(f.id)));
    expect(jobs.every((j) => j?.state === 'waiting')).toBe(true);

    // a replay of the finished job: nothing to do, nothing added
    expect(await processor.ingestMedia({ tenantId, mediaId }, jobContext())).toBe('skipped');
    // and enqueueing it again is deduplicated by its job id
    const jobId = await t.queues.enqueue(JobName.IngestMedia, { tenantId, mediaId });
    expect(jobId).toBe(`ingest-media.${tenantId}.${mediaId}`);
    expect((await t.repos.frames.listByMedia(tenantId, mediaId)).map((f) => f.id)).toEqual(frames.map((f) => f.id));
  });

  it('a replay after a crash in the middle of a video finishes it without duplicate frames, objects or jobs', async () => {
    const ids = await camera(5);
    const media = await storedMedia(ids, video, 'video');
    const before = await t.queues.jobCounts(QueueName.Detection);

    // the object store fails on the 30th frame: the first batch of 25 is saved and queued, 4 more are in S3
    const realPut = t.objects.put.bind(t.objects);
    let calls = 0;
    const put = jest.spyOn(t.objects, 'put').mockImplementation(async (...args) => {
      if (++calls === 30) throw new Error('S3 connection reset');
      return realPut(...args);
    });
    await expect(processor.ingestMedia({ tenantId, mediaId: media.id }, jobContext())).rejects.toThrow(
      'S3 connection reset',
    );
    put.mockRestore();
    const partial = await t.repos.frames.listByMedia(tenantId, media.id);
    expect(partial).toHaveLength(25);
    expect((await t.repos.media.get(tenantId, media.id))!.frameCount).toBeNull();

    expect(await processor.ingestMedia({ tenantId, mediaId: media.id }, jobContext())).toBe('done');
    const frames = await t.repos.frames.listByMedia(tenantId, media.id);
    expect(frames.length).toBeGreaterThanOrEqual(49);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    // the frames saved before the crash kept their ids (and so their detect-faces jobs)
    expect(frames.slice(0, 25).map((f) => f.id)).toEqual(partial.map((f) => f.id));
    expect((await t.repos.media.get(tenantId, media.id))!.frameCount).toBe(frames.length);
    const after = await t.queues.jobCounts(QueueName.Detection);
    expect(after.waiting! - before.waiting!).toBe(frames.length);
    // exactly the upload and one object per frame under the media's stem
    expect(await t.objects.removeStem(stemOf(media.objectKey))).toBe(1 + frames.length);
  });

  it('marks a truncated JPEG failed with the decoder’s reason once the worker gives up', async () => {
    const { cameraId } = await camera(1);
    const jpeg = readFileSync(photo);
    const mediaId = await upload(cameraId, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    const media = await settled(mediaId);
    expect(media.status).toBe('failed');
    expect(media.error).toMatch(/^corrupt or truncated jpeg image/);
    expect(await t.repos.frames.listByMedia(tenantId, mediaId)).toEqual([]);
    // a failed media is not processed again
    expect(await processor.ingestMedia({ tenantId, mediaId }, jobContext())).toBe('skipped');
  });

  it('fails permanently when the uploaded object is gone, and skips media that no longer exists', async () => {
    const ids = await camera(1);
    const media = await storedMedia(ids, photo, 'image');
    await t.objects.remove(media.objectKey);
    const run = processor.ingestMedia({ tenantId, mediaId: media.id }, jobContext());
    await expect(run).rejects.toBeInstanceOf(PermanentJobError);
    await expect(run).rejects.toThrow(/uploaded file is missing/);
    expect(await processor.ingestMedia({ tenantId, mediaId: randomUUID() }, jobContext())).toBe('skipped');
  });

  it('records why a job failed for good, also when its transient attempts ran out', async () => {
    const ids = await camera(1);
    const media = await storedMedia(ids, photo, 'image');
    await processor.recordFailure({
      queue: QueueName.Ingest,
      jobId: 'x',
      name: JobName.IngestMedia,
      data: { tenantId, mediaId: media.id },
      error: new Error('connect ECONNREFUSED 127.0.0.1:9000'),
      attemptsMade: 5,
      permanent: false,
    });
    expect(await t.repos.media.get(tenantId, media.id)).toMatchObject({
      status: 'failed',
      error: 'connect ECONNREFUSED 127.0.0.1:9000 (gave up after 5 attempts)',
    });
  });

  it('on shutdown finishes the job it is running before it closes', async () => {
    const { cameraId } = await camera(10);
    const mediaId = await upload(cameraId, video);
    await waitFor(async () => (await t.repos.media.get(tenantId, mediaId))?.status === 'processing', {
      intervalMs: 5,
      what: 'the worker to start on the video',
    });
    await t.close();
    const ds = createDataSource(t.db.url, { poolSize: 1 });
    await ds.initialize();
    try {
      const media = await new MediaRepository(ds).get(tenantId, mediaId);
      expect(media!.frameCount).toBeGreaterThanOrEqual(99);
    } finally {
      await ds.destroy();
    }
  });
});
