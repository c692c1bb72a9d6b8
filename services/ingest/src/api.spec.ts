import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { fixtures } from '@storelens/testing';
import { openApiDocument } from '@storelens/platform';
import { annotatedFrameStem, faceCropKeys, frameKey } from '@storelens/storage';
import { waitFor, writeBadInputs, type BadInputs, type OversizedInput } from '@storelens/testing';
import { UploadReceiver } from './media/upload-receiver';
import { INGEST_OPENAPI } from './openapi';
import { startIngestApp, storelensCli, type IngestTestApp } from './testing/ingest-test-app';

// The HTTP API against real Postgres, Redis and S3: authentication and tenant isolation, stores, cameras,
// identities, and every way an upload is refused. Processing of accepted uploads is in worker.spec.ts.

const MAX_UPLOAD_BYTES = 4 * 2 ** 20;
const photo = fixtures.file('faces/barack_obama/obama.jpg');
const video = fixtures.file('video/hamilton_clip.mp4');

let t: IngestTestApp;
let http: ReturnType<typeof request>;
let key: string;
let tenantId: string;
const work = mkdtempSync(path.join(tmpdir(), 'ingest-api-'));
let bad: BadInputs & OversizedInput;
/** a JPEG signature and then noise: sniffed as JPEG, unreadable as one */
const headerless = path.join(work, 'headerless.jpg');

const as = (apiKey: string) => ({ Authorization: `Bearer ${apiKey}` });

async function newStore(apiKey = key, name = 'Berlin Mitte'): Promise<string> {
  return (await http.post('/v1/stores').set(as(apiKey)).send({ name }).expect(201)).body.id;
}
async function newCamera(storeId: string, body: object = { name: 'door' }, apiKey = key): Promise<string> {
  return (await http.post(`/v1/stores/${storeId}/cameras`).set(as(apiKey)).send(body).expect(201)).body.id;
}
async function newIdentity(body: object, apiKey = key): Promise<string> {
  return (await http.post('/v1/identities').set(as(apiKey)).send(body).expect(201)).body.id;
}

beforeAll(async () => {
  t = await startIngestApp({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), MAX_FRAMES_PER_MEDIA: '100' });
  http = request(t.app.getHttpServer());
  ({ tenantId, apiKey: key } = await t.tenant('Acme Retail'));

  bad = await writeBadInputs(work, { maxUploadBytes: MAX_UPLOAD_BYTES });
  writeFileSync(headerless, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]));
});

afterAll(async () => {
  await t?.dispose();
});

describe('authentication and tenant isolation', () => {
  let storeId: string;
  let cameraId: string;
  let identityId: string;
  let other: string;

  beforeAll(async () => {
    storeId = await newStore();
    cameraId = await newCamera(storeId);
    identityId = await newIdentity({ name: 'Jane Doe', category: 'member' });
    // the other tenant is made with the CLI, as an operator does, and its key is used over HTTP
    const cli = storelensCli(['tenant', 'create', 'Other Chain'], t.cfg);
    expect(cli.code).toBe(0);
    const lines = cli.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const created = JSON.parse(lines[0] as string);
    expect(Object.keys(created).sort()).toEqual(['apiKey', 'tenant']);
    expect(created.tenant).not.toBe(tenantId);
    other = created.apiKey;
  });

  it('refuses a request without a key or with a wrong one', async () => {
    const res = await http.get('/v1/stores').expect(401);
    expect(res.body.message).toMatch(/missing API key/);
    await http.get('/v1/stores').set(as('slk_000000000000_nope')).expect(401);
    // a refused upload is read to its end before the answer, so the client sees the 401, not a broken pipe
    await http.post(`/v1/cameras/${cameraId}/media`).attach('file', bad.huge).expect(401);
  });

  it('answers 404 for another tenant’s store, camera and identity, exactly as for unknown ids', async () => {
    expect((await http.get('/v1/stores').set(as(other)).expect(200)).body).toEqual([]);
    for (const id of [storeId, randomUUID()]) {
      await http.get(`/v1/stores/${id}`).set(as(other)).expect(404);
      await http.get(`/v1/stores/${id}/cameras`).set(as(other)).expect(404);
      await http.post(`/v1/stores/${id}/cameras`).set(as(other)).send({ name: 'x' }).expect(404);
    }
    for (const id of [cameraId, randomUUID()]) {
      const res = await http.post(`/v1/cameras/${id}/media`).set(as(other)).attach('file', bad.huge).expect(404);
      expect(res.body.message).toBe('camera not found');
    }
    for (const id of [identityId, randomUUID()]) {
      await http.get(`/v1/identities/${id}`).set(as(other)).expect(404);
      await http.delete(`/v1/identities/${id}`).set(as(other)).expect(404);
      await http.post(`/v1/identities/${id}/faces`).set(as(other)).attach('file', bad.huge).expect(404);
    }
    expect((await http.get('/v1/identities').set(as(other)).expect(200)).body).toEqual([]);
    // and nothing of the first tenant was touched
    await http.get(`/v1/identities/${identityId}`).set(as(key)).expect(200);
  });

  it('answers 404 for an id that is not a UUID', async () => {
    await http.get('/v1/stores/not-a-uuid').set(as(key)).expect(404);
    await http.get('/v1/identities/123').set(as(key)).expect(404);
    await http.post('/v1/cameras/abc/media').set(as(key)).attach('file', bad.huge).expect(404);
  });
});

describe('stores and cameras', () => {
  it('creates, lists and reads stores', async () => {
    const b = (
      await http.post('/v1/stores').set(as(key)).send({ name: 'Zürich HB', timezone: 'Europe/Zurich' }).expect(201)
    ).body;
    expect(Object.keys(b)).toEqual(['id']);
    const a = await newStore(key, 'Aachen');
    const store = (await http.get(`/v1/stores/${a}`).set(as(key)).expect(200)).body;
    expect(store).toEqual({ id: a, name: 'Aachen', timezone: 'UTC', createdAt: expect.any(String) });
    const names = (await http.get('/v1/stores').set(as(key)).expect(200)).body.map((s: any) => s.name);
    expect(names.indexOf('Aachen')).toBeLessThan(names.indexOf('Zürich HB'));
  });

  it('refuses a store without a name or with an unknown time zone', async () => {
    expect((await http.post('/v1/stores').set(as(key)).send({}).expect(400)).body.message).toMatch(/name/);
    const res = await http.post('/v1/stores').set(as(key)).send({ name: 'X', timezone: 'Mars/Olympus' }).expect(400);
    expect(res.body.message).toMatch(/timezone: not an IANA time zone/);
  });

  it('adds cameras with defaults and lists them', async () => {
    const storeId = await newStore();
    const door = await newCamera(storeId, { name: 'door' });
    await newCamera(storeId, { name: 'checkout 1', role: 'checkout', fps: 2.5, zone: 'front' });
    const cameras = (await http.get(`/v1/stores/${storeId}/cameras`).set(as(key)).expect(200)).body;
    expect(cameras).toEqual([
      {
        id: expect.any(String),
        storeId,
        name: 'checkout 1',
        role: 'checkout',
        fps: 2.5,
        zone: 'front',
        streamUrl: null,
        streamTransport: 'auto',
        liveEnabled: false,
        createdAt: expect.any(String),
      },
      {
        id: door,
        storeId,
        name: 'door',
        role: 'other',
        fps: 1,
        zone: null,
        streamUrl: null,
        streamTransport: 'auto',
        liveEnabled: false,
        createdAt: expect.any(String),
      },
    ]);
  });

  it('refuses a camera with fps outside (0, 30] or an unknown role', async () => {
    const storeId = await newStore();
    for (const body of [
      { name: 'c', fps: 0 },
      { name: 'c', fps: 31 },
      { name: 'c', fps: '2' },
      { name: 'c', role: 'roof' },
    ]) {
      const res = await http.post(`/v1/stores/${storeId}/cameras`).set(as(key)).send(body).expect(400);
      expect(res.body.message).toMatch(/^(fps|role):/);
    }
  });
});

describe('identities', () => {
  it('creates, reads and lists identities, by category', async () => {
    const staff = await newIdentity({ name: 'Sam Staff', category: 'staff', externalRef: 'EMP-1' });
    await newIdentity({ name: 'Wanda Watch', category: 'watchlist' });
    const got = (await http.get(`/v1/identities/${staff}`).set(as(key)).expect(200)).body;
    expect(got).toEqual({
      id: staff,
      name: 'Sam Staff',
      category: 'staff',
      externalRef: 'EMP-1',
      faces: 0,
      createdAt: expect.any(String),
    });
    const listed = (await http.get('/v1/identities?category=staff').set(as(key)).expect(200)).body;
    expect(listed.map((i: any) => i.name)).toEqual(['Sam Staff']);
    await http.get('/v1/identities?category=vip').set(as(key)).expect(400);
  });

  it('refuses a second live identity with the same externalRef (409), and frees it once deleted', async () => {
    const first = await newIdentity({ name: 'A', category: 'member', externalRef: 'CRM-7' });
    const res = await http
      .post('/v1/identities')
      .set(as(key))
      .send({ name: 'B', category: 'member', externalRef: 'CRM-7' })
      .expect(409);
    expect(res.body.message).toMatch(/CRM-7/);
    await http.delete(`/v1/identities/${first}`).set(as(key)).expect(204);
    await newIdentity({ name: 'B', category: 'member', externalRef: 'CRM-7' });
  });

  it('refuses an identity without a valid category', async () => {
    const res = await http.post('/v1/identities').set(as(key)).send({ name: 'X', category: 'vip' }).expect(400);
    expect(res.body.message).toMatch(/^category:/);
  });
});

describe('hostile input', () => {
  it.each([
    ['a NUL byte', 'a\u0000b'],
    ['CR/LF', 'Berlin\r\nINFO forged'],
    ['an ANSI escape', '\u001b[31mBerlin'],
  ])('refuses %s in any name field with 400 naming the field', async (_what, value) => {
    const store = await http.post('/v1/stores').set(as(key)).send({ name: value }).expect(400);
    expect(store.body.message).toMatch(/^name: must not contain control characters/);
    const storeId = await newStore();
    const zone = await http
      .post(`/v1/stores/${storeId}/cameras`)
      .set(as(key))
      .send({ name: 'door', zone: value })
      .expect(400);
    expect(zone.body.message).toMatch(/^zone: must not contain control characters/);
    const identity = await http
      .post('/v1/identities')
      .set(as(key))
      .send({ name: value, category: 'member' })
      .expect(400);
    expect(identity.body.message).toMatch(/^name: must not contain control characters/);
  });

  it('refuses a camera fps below the floor (one frame every 10 s)', async () => {
    const res = await http
      .post(`/v1/stores/${await newStore()}/cameras`)
      .set(as(key))
      .send({ name: 'slow', fps: 0.0001 })
      .expect(400);
    expect(res.body.message).toMatch(/^fps: must be at least 0.1/);
  });

  it('refuses a capturedAt before 2000 or more than a day ahead', async () => {
    const cameraId = await newCamera(await newStore());
    for (const at of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T00:00:00Z',
      new Date(Date.now() + 2 * 86_400_000).toISOString(),
    ]) {
      const res = await http
        .post(`/v1/cameras/${cameraId}/media`)
        .set(as(key))
        .field('capturedAt', at)
        .attach('file', photo)
        .expect(400);
      expect(res.body.message).toMatch(/^capturedAt: must lie between 2000-01-01/);
    }
    expect(await t.repos.media.list(tenantId, { cameraId })).toEqual([]);
  });

  it('refuses a video over MAX_FRAMES_PER_MEDIA at its camera’s fps with 422 naming the limit', async () => {
    const cameraId = await newCamera(await newStore(), { name: 'fast', fps: 30 });
    const res = await http.post(`/v1/cameras/${cameraId}/media`).set(as(key)).attach('file', video).expect(422);
    expect(res.body.message).toMatch(
      /would become \d+ frames .* over the limit of 100 frames per media \(MAX_FRAMES_PER_MEDIA\)/,
    );
    expect(await t.repos.media.list(tenantId, { cameraId })).toEqual([]);
  });

  it('refuses a truncated MP4 without showing a server path', async () => {
    const truncated = path.join(work, 'truncated.mp4');
    writeFileSync(truncated, readFileSync(video).subarray(0, 40_000));
    const cameraId = await newCamera(await newStore());
    const res = await http.post(`/v1/cameras/${cameraId}/media`).set(as(key)).attach('file', truncated).expect(422);
    expect(res.body.message).not.toMatch(/\/(tmp|work|root|home)\//);
    expect(res.body.message).toMatch(/the file/);
  });
});

describe('uploads that are refused', () => {
  let cameraId: string;
  let identityId: string;
  let receiver: UploadReceiver;

  beforeAll(async () => {
    cameraId = await newCamera(await newStore());
    identityId = await newIdentity({ name: 'Enrollee', category: 'member' });
    receiver = t.app.get(UploadReceiver);
  });

  afterEach(() => {
    // whatever happened to the upload, its temporary file is gone
    expect(readdirSync(receiver.dir)).toEqual([]);
  });

  const upload = (file: string, field = 'file') =>
    http.post(`/v1/cameras/${cameraId}/media`).set(as(key)).attach(field, file);

  it.each([
    ['an empty file', () => bad.empty, 400, /^empty file$/],
    ['a text file named .jpg', () => bad.text, 415, /^unsupported media type: unknown$/],
    ['a file over MAX_UPLOAD_BYTES', () => bad.oversized, 413, /larger than the 4 MiB limit/],
    ['a 20000x20000 PNG', () => bad.huge, 422, /^image is 20000x20000, over the 50 MP limit$/],
    ['an audio-only MP4', () => bad.audio, 422, /no video stream/],
    ['a JPEG without a readable header', () => headerless, 422, /not a readable image\/jpeg image/],
  ])('refuses %s', async (_what, file, status, reason) => {
    const res = await upload(file()).expect(status);
    expect(res.body.message).toMatch(reason);
  });

  it('refuses a request without the file field, or with the file in another field', async () => {
    const none = await http
      .post(`/v1/cameras/${cameraId}/media`)
      .set(as(key))
      .field('capturedAt', new Date().toISOString());
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/missing file/);
    const json = await http.post(`/v1/cameras/${cameraId}/media`).set(as(key)).send({ file: 'x' }).expect(400);
    expect(json.body.message).toMatch(/missing file/);
    const wrong = await upload(photo, 'image').expect(400);
    expect(wrong.body.message).toMatch(/field "file"/);
  });

  it('refuses a capturedAt that is not an ISO time', async () => {
    const res = await http
      .post(`/v1/cameras/${cameraId}/media`)
      .set(as(key))
      .field('capturedAt', 'yesterday')
      .attach('file', photo)
      .expect(400);
    expect(res.body.message).toMatch(/capturedAt must be an ISO 8601 time/);
  });

  it('takes only photos for enrolment', async () => {
    const res = await http.post(`/v1/identities/${identityId}/faces`).set(as(key)).attach('file', video).expect(415);
    expect(res.body.message).toMatch(/^unsupported media type: video\/mp4 \(an enrolment needs a photo\)$/);
    await http.post(`/v1/identities/${identityId}/faces`).set(as(key)).attach('file', bad.text).expect(415);
  });

  it('stores nothing for a refused upload', async () => {
    expect(await t.repos.media.list(tenantId, { cameraId })).toEqual([]);
  });
});

describe('accepted uploads', () => {
  it('answers 202 with the media id, stores the file under its media key and queues ingest-media', async () => {
    const storeId = await newStore();
    const cameraId = await newCamera(storeId);
    const capturedAt = '2026-11-28T13:45:10.250Z';
    const res = await http
      .post(`/v1/cameras/${cameraId}/media`)
      .set(as(key))
      .field('capturedAt', '2026-11-28T14:45:10.250+01:00')
      .attach('file', photo, { filename: 'whatever.bin', contentType: 'application/octet-stream' })
      .expect(202);
    expect(Object.keys(res.body)).toEqual(['id']);
    const media = await t.repos.media.get(tenantId, res.body.id);
    expect(media).toMatchObject({
      cameraId,
      kind: 'image',
      mime: 'image/jpeg',
      purpose: 'analysis',
      identityId: null,
      bytes: readFileSync(photo).length,
      objectKey: `t/${tenantId}/s/${storeId}/c/${cameraId}/2026/11/28/13/${res.body.id}.jpg`,
      capturedAt: new Date(capturedAt),
    });
    expect(media!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const retentionMs = media!.expiresAt!.getTime() - media!.createdAt.getTime();
    expect(Math.abs(retentionMs - t.cfg.retention.days * 86_400_000)).toBeLessThan(60_000);
    expect((await t.objects.get(media!.objectKey)).equals(readFileSync(photo))).toBe(true);
    expect(await t.queues.inspect('ingest', `ingest-media.${tenantId}.${media!.id}`)).not.toBeNull();
  });

  it('accepts a video on a camera, with its duration', async () => {
    const cameraId = await newCamera(await newStore(), { name: 'aisle', fps: 2 });
    const res = await http.post(`/v1/cameras/${cameraId}/media`).set(as(key)).attach('file', video).expect(202);
    const media = await t.repos.media.get(tenantId, res.body.id);
    expect(media).toMatchObject({ kind: 'video', mime: 'video/mp4' });
    expect(media!.durationMs).toBeGreaterThan(9_900);
  });
});

describe('DELETE /v1/identities/:id', () => {
  it('erases the identity, its enrolment photos, frames, faces, vectors, crops and annotated renderings', async () => {
    const identityId = await newIdentity({ name: 'Barack Obama', category: 'member', externalRef: 'POTUS-44' });
    const enrolment = (
      await http.post(`/v1/identities/${identityId}/faces`).set(as(key)).attach('file', photo).expect(202)
    ).body.id;
    // the ingest worker of this app samples the photo into its one frame
    const [frame] = await waitFor(async () => {
      const frames = await t.repos.frames.listByMedia(tenantId, enrolment);
      return frames.length > 0 && frames;
    });
    const media = await t.repos.media.get(tenantId, enrolment);
    expect(media).toMatchObject({ purpose: 'enrolment', identityId, cameraId: null });
    expect(media!.objectKey).toMatch(new RegExp(`^t/${tenantId}/uploads/`));

    // What detection, embedding and classification would add: the enrolled face with its crops and vector,
    // and a camera sighting attributed to the identity.
    const enrolRef = { tenantId, storeId: null, cameraId: null, mediaId: enrolment, capturedAt: frame!.capturedAt };
    const enrolCrop = faceCropKeys({ ...enrolRef, frameIndex: 0, faceIndex: 0 }).aligned;
    const [enrolFace] = await t.repos.faces.saveDetections(tenantId, frame!.id, [detection(enrolCrop)], 'yunet');
    await t.repos.identities.enrolFace(tenantId, identityId, enrolFace!.id);
    await t.repos.embeddings.upsert(tenantId, enrolFace!.id, unitVector(), 'mobilefacenet');

    const storeId = await newStore();
    const cameraId = await newCamera(storeId);
    const sightingMedia = await t.repos.media.create(tenantId, {
      cameraId,
      kind: 'image',
      objectKey: `t/${tenantId}/elsewhere.jpg`,
      sha256: 'a'.repeat(64),
      bytes: 1,
      mime: 'image/jpeg',
      capturedAt: new Date('2026-11-28T10:00:00Z'),
    });
    const camRef = { tenantId, storeId, cameraId, mediaId: sightingMedia.id, capturedAt: sightingMedia.capturedAt };
    const camFrameKey = frameKey({ ...camRef, frameIndex: 0 });
    const camFrame = await t.repos.frames.upsert(tenantId, {
      mediaId: sightingMedia.id,
      index: 0,
      timeMs: 0,
      capturedAt: sightingMedia.capturedAt,
      objectKey: camFrameKey,
      width: 640,
      height: 480,
    });
    const camCrop = faceCropKeys({ ...camRef, frameIndex: 0, faceIndex: 1 }).aligned;
    const unrelatedCrop = faceCropKeys({ ...camRef, frameIndex: 0, faceIndex: 0 }).aligned;
    const faces = await t.repos.faces.saveDetections(
      tenantId,
      camFrame.id,
      [detection(unrelatedCrop), detection(camCrop)],
      'yunet',
    );
    await t.repos.faces.recordDecision(tenantId, faces[1]!.id, { identityId, similarity: 0.8, visitorId: null });
    const derived = (k: string) => k.replace(/\.aligned\.png$/, '.attribute.png');
    for (const k of [enrolCrop, derived(enrolCrop), camCrop, derived(camCrop), unrelatedCrop, camFrameKey]) {
      await t.objects.put(k, Buffer.from('x'), 'image/jpeg');
    }
    // the cached annotated rendering of the camera frame, with the person's name drawn on it (as analytics caches it)
    const rendering = `${annotatedFrameStem({ ...camRef, frameIndex: 0 })}0123456789abcdef.jpg`;
    await t.objects.put(rendering, Buffer.from('drawn: Barack Obama'), 'image/jpeg');

    await http.delete(`/v1/identities/${identityId}`).set(as(key)).expect(204);

    await http.get(`/v1/identities/${identityId}`).set(as(key)).expect(404);
    expect(await t.repos.identities.listEnrolledFaceIds(tenantId, identityId)).toEqual([]);
    expect(await t.repos.media.get(tenantId, enrolment)).toBeNull();
    expect(await t.repos.frames.get(tenantId, frame!.id)).toBeNull();
    expect(await t.repos.faces.get(tenantId, enrolFace!.id)).toBeNull();
    expect(await t.repos.embeddings.get(tenantId, enrolFace!.id)).toBeNull();
    expect(await t.repos.faces.get(tenantId, faces[1]!.id)).toBeNull();
    // the annotated cache of every frame the person was seen in goes too
    expect(await t.objects.stat(rendering)).toBeNull();
    for (const k of [media!.objectKey, frame!.objectKey, enrolCrop, derived(enrolCrop), camCrop, derived(camCrop)]) {
      expect([k, await t.objects.stat(k)]).toEqual([k, null]);
    }
    // the camera's frame and another person's face in it stay
    expect(await t.repos.faces.get(tenantId, faces[0]!.id)).not.toBeNull();
    expect(await t.objects.stat(unrelatedCrop)).not.toBeNull();
    expect(await t.objects.stat(camFrameKey)).not.toBeNull();
    // the externalRef is free again
    await newIdentity({ name: 'Barack Obama', category: 'member', externalRef: 'POTUS-44' });
  });
});

describe('OpenAPI', () => {
  it('documents every route with a summary and its responses, behind the bearer key', () => {
    const doc = openApiDocument(t.app, INGEST_OPENAPI);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops as Record<string, any>).map(([method, op]) => ({ route: `${method} ${p}`, op })),
    );
    expect(routes.map((r) => r.route).sort()).toEqual(
      [
        'delete /v1/identities/{identityId}',
        'get /v1/cameras/{cameraId}/status',
        'patch /v1/cameras/{cameraId}',
        'post /v1/cameras/{cameraId}/start',
        'post /v1/cameras/{cameraId}/stop',
        'post /v1/stores/{storeId}/transactions',
        'get /v1/identities',
        'get /v1/identities/{identityId}',
        'get /v1/stores',
        'get /v1/stores/{storeId}',
        'get /v1/stores/{storeId}/cameras',
        'post /v1/cameras/{cameraId}/media',
        'post /v1/identities',
        'post /v1/identities/{identityId}/faces',
        'post /v1/stores',
        'post /v1/stores/{storeId}/cameras',
      ].sort(),
    );
    for (const { route, op } of routes) {
      expect([route, typeof op.summary]).toEqual([route, 'string']);
      expect([route, Object.keys(op.responses)]).toEqual([route, expect.arrayContaining(['401'])]);
    }
    const upload = (doc.paths['/v1/cameras/{cameraId}/media'] as any).post;
    expect(Object.keys(upload.responses).sort()).toEqual(['202', '400', '401', '404', '413', '415', '422', '503']);
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
  });
});

function detection(cropKey: string) {
  return {
    box: { x: 10, y: 20, w: 50, h: 60 },
    score: 0.95,
    landmarks: [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ] as [number, number][],
    cropKey,
  };
}

function unitVector(dims = 128): number[] {
  const v = Array.from({ length: dims }, (_, i) => Math.sin(i + 1));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
