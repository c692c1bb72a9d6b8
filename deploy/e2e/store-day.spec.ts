// A generated store day with a known truth, through the shopper pipeline and the analytics API, against the real
// Postgres + pgvector, Redis and S3 endpoint. Faces are seeded as detection, embedding and attributes leave them
// (vectors made up per person, so no model runs); classification decides them in a shuffled order; the analytics
// API must then tell exactly the day that was generated: visits, unique / new / returning, dwell per zone within
// one sampling interval, conversion and demographics counted once per person.
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
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
import { PlatformModule } from '@storelens/platform';
import type { JobContext } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { uniqueTestId } from '@storelens/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { AnalyticsApiModule } from '@storelens/services/analytics';
import { ClassificationWorkerModule, FaceClassificationService } from '@storelens/services/classification';
import { ShoppersController as IngestShoppersController } from '@storelens/services/ingest';

const ctx: JobContext = { jobId: 'direct', attempt: 1, logger: pino({ level: 'silent' }) };
const MODEL = 'test-embedder';
const at = (hhmmss: string) => Date.parse(`2026-11-28T${hhmmss}Z`);

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
const base = (() => {
  const r = rng(4242);
  return Array.from({ length: 8 }, () => Array.from({ length: 128 }, () => r() - 0.5));
})();
function vectorOf(person: number, r: () => number): number[] {
  const v = base[person]!.map((x) => x + (r() - 0.5) * 0.15);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

type Camera = 'door' | 'aisle' | 'promo' | 'till';
/** Who the generated people are: what the attribute model would say about each of their faces. */
const PEOPLE = [
  { name: 'shopper A', gender: 'male', age: 31, emotion: 'happy' },
  { name: 'Ann (member)', gender: 'female', age: 42, emotion: 'neutral' },
  { name: 'shopper C', gender: 'female', age: 24, emotion: 'surprise' },
  { name: 'Sam (staff)', gender: 'male', age: 50, emotion: 'neutral' },
] as const;
const [A, ANN, C, SAM] = [0, 1, 2, 3];
/** The day: who is in view of which camera from when, for how many frames (cameras sample 1 frame a second). */
const SIGHTINGS: { person: number; camera: Camera; from: number; frames: number }[] = [
  { person: SAM, camera: 'door', from: at('09:58:00'), frames: 5 },
  { person: A, camera: 'door', from: at('10:00:00'), frames: 3 },
  { person: A, camera: 'aisle', from: at('10:02:00'), frames: 60 },
  { person: SAM, camera: 'aisle', from: at('10:02:30'), frames: 20 },
  { person: A, camera: 'till', from: at('10:05:00'), frames: 10 },
  { person: ANN, camera: 'door', from: at('10:30:00'), frames: 3 },
  { person: ANN, camera: 'promo', from: at('10:31:00'), frames: 30 },
  { person: C, camera: 'door', from: at('11:10:00'), frames: 3 },
  { person: C, camera: 'aisle', from: at('11:12:00'), frames: 20 },
  { person: C, camera: 'till', from: at('11:15:00'), frames: 5 },
  { person: A, camera: 'door', from: at('14:00:00'), frames: 3 },
];
/** Sales: one while A is at the till, one nobody can be matched to. */
const SALES = [
  { at: '2026-11-28T10:05:05Z', amount: 20, currency: 'EUR', externalRef: 'r-1' },
  { at: '2026-11-28T16:00:00Z', amount: 7.5, currency: 'EUR', externalRef: 'r-2' },
];

let env: TestEnvironment;
let app: INestApplication;
let tenantId: string;
let apiKey: string;
let storeId: string;
let annId: string;

@Module({ controllers: [IngestShoppersController] })
class IngestShoppersModule {}

const api = () => request(app.getHttpServer());
const get = (path: string) => api().get(path).set('Authorization', `Bearer ${apiKey}`).expect(200);
const day = `storeId=${'$STORE'}&from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z`;
const q = (path: string, extra = '') => `${path}?${day.replace('$STORE', storeId)}${extra}`;

beforeAll(async () => {
  env = await createTestEnvironment({ name: 'store-day' });
  const moduleRef = await Test.createTestingModule({
    imports: [
      PlatformModule.forService('store-day', env.config),
      ClassificationWorkerModule,
      AnalyticsApiModule,
      IngestShoppersModule,
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  const r = {
    tenants: app.get(TenantRepository),
    stores: app.get(StoreRepository),
    cameras: app.get(CameraRepository),
    media: app.get(MediaRepository),
    frames: app.get(FrameRepository),
    faces: app.get(FaceRepository),
    identities: app.get(IdentityRepository),
    embeddings: app.get(EmbeddingRepository),
  };
  const tenant = await r.tenants.create('Store day');
  tenantId = tenant.id;
  apiKey = (await r.tenants.issueApiKey(tenantId, 'test')).key;
  storeId = (await r.stores.create(tenantId, { name: 'Mitte', timezone: 'Europe/Berlin' })).id;
  const cameras: Record<Camera, string> = {
    door: (await r.cameras.create(tenantId, { storeId, name: 'door', role: 'entrance', zone: 'entrance' })).id,
    aisle: (await r.cameras.create(tenantId, { storeId, name: 'aisle cam', role: 'floor' })).id,
    promo: (await r.cameras.create(tenantId, { storeId, name: 'promo cam', role: 'floor' })).id,
    till: (await r.cameras.create(tenantId, { storeId, name: 'till', role: 'checkout', zone: 'checkout' })).id,
  };
  // the layout changes after the cameras were made (PATCH /v1/cameras/:id does the same): analytics read it when asked
  await r.cameras.update(tenantId, cameras.aisle, { zone: 'aisle 1' });
  await r.cameras.update(tenantId, cameras.promo, { role: 'promotion', zone: 'winter promo' });
  const noise = rng(11);
  // Ann is a member and Sam staff, each with one enrolled reference face
  for (const [person, category] of [
    [ANN, 'member'],
    [SAM, 'staff'],
  ] as const) {
    const identity = await r.identities.create(tenantId, { name: PEOPLE[person]!.name, category });
    if (person === ANN) annId = identity.id;
    const media = await r.media.create(tenantId, {
      cameraId: null,
      kind: 'image',
      objectKey: `t/${tenantId}/uploads/${uniqueTestId()}.jpg`,
      sha256: 'a'.repeat(64),
      bytes: 1,
      mime: 'image/jpeg',
      capturedAt: new Date(at('08:00:00')),
      purpose: 'enrolment',
      identityId: identity.id,
    });
    const [frame] = await r.frames.upsertMany(tenantId, [
      { mediaId: media.id, index: 0, timeMs: 0, capturedAt: media.capturedAt, objectKey: 'k', width: 640, height: 480 },
    ]);
    const [face] = await r.faces.saveDetections(tenantId, frame!.id, [box(0)], 'yunet');
    await r.embeddings.upsert(tenantId, face!.id, vectorOf(person, noise), MODEL);
    await r.identities.enrolFace(tenantId, identity.id, face!.id);
  }
  // each sighting is one clip of its camera, one face per frame
  const faceIds: string[] = [];
  for (const s of SIGHTINGS) {
    const media = await r.media.create(tenantId, {
      cameraId: cameras[s.camera],
      kind: 'video',
      objectKey: `t/${tenantId}/uploads/${uniqueTestId()}.mp4`,
      sha256: 'b'.repeat(64),
      bytes: 1,
      mime: 'video/mp4',
      capturedAt: new Date(s.from),
    });
    const frames = await r.frames.upsertMany(
      tenantId,
      Array.from({ length: s.frames }, (_, i) => ({
        mediaId: media.id,
        index: i,
        timeMs: i * 1000,
        capturedAt: new Date(s.from + i * 1000),
        objectKey: `k${i}`,
        width: 1280,
        height: 720,
      })),
    );
    const who = PEOPLE[s.person]!;
    for (const frame of frames) {
      const [face] = await r.faces.saveDetections(tenantId, frame.id, [box(s.person)], 'yunet');
      await r.embeddings.upsert(tenantId, face!.id, vectorOf(s.person, noise), MODEL);
      await r.faces.setAttributes(tenantId, face!.id, {
        age: who.age,
        gender: who.gender,
        genderConfidence: 0.9,
        emotion: who.emotion,
        emotionScores: { [who.emotion]: 1 },
        modelId: 'attributes',
      });
      faceIds.push(face!.id);
    }
  }
  // classification decides them in a shuffled order, as parallel workers would finish them
  const service = app.get(FaceClassificationService);
  const shuffle = rng(5);
  for (const { id } of faceIds.map((id) => ({ id, k: shuffle() })).sort((a, b) => a.k - b.k)) {
    await service.classifyFace({ tenantId, faceId: id }, ctx);
  }
  await api()
    .post(`/v1/stores/${storeId}/transactions`)
    .set('Authorization', `Bearer ${apiKey}`)
    .set('Content-Type', 'application/x-ndjson')
    .send(SALES.map((s) => JSON.stringify(s)).join('\n'))
    .expect(201);
}, 300_000);

/** Each person at their own place in the frame. */
function box(person: number) {
  return { box: { x: 60 + person * 250, y: 120, w: 90, h: 90 }, score: 0.95, landmarks: [], cropKey: null };
}

afterAll(async () => {
  const store = app?.get(ObjectStore);
  if (store) await store.removeBucket().catch(() => undefined);
  await app?.close();
  const admin = new Redis(env.config.redis.url);
  const keys = await admin.keys(`${env.config.queue.prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await env?.close();
}, 180_000);

describe('a generated store day, read back through the analytics API', () => {
  it('lists the four visits: A twice (the second returning), Ann once as a member, C once; staff never', async () => {
    const { body } = await get(q('/v1/visits'));
    expect(body.total).toBe(4);
    expect(body.timezone).toBe('Europe/Berlin');
    const [a1, ann, c, a2] = body.items;
    expect(a1).toMatchObject({
      startedAt: '2026-11-28T10:00:00.000Z',
      endedAt: '2026-11-28T10:05:10.000Z',
      durationS: 310,
      returning: false,
      converted: true,
      reachedCheckout: true,
      identity: null,
      gender: { label: 'male', confidence: 1 },
      age: 31,
      emotions: { happy: 73 },
      transactions: [{ amount: 20, currency: 'EUR' }],
    });
    // dwell is the time in view, each frame standing for one sampling interval (1 s)
    expect(a1.zones).toEqual([
      { zone: 'aisle 1', kind: 'floor', dwellS: 60 },
      { zone: 'checkout', kind: 'checkout', dwellS: 10 },
      { zone: 'entrance', kind: 'entrance', dwellS: 3 },
    ]);
    expect(ann).toMatchObject({
      identity: { id: annId, name: 'Ann (member)', category: 'member' },
      visitorId: null,
      converted: false,
      reachedCheckout: false,
      zones: [
        { zone: 'winter promo', kind: 'promotion', dwellS: 30 },
        { zone: 'entrance', kind: 'entrance', dwellS: 3 },
      ],
    });
    expect(c).toMatchObject({ converted: false, reachedCheckout: true, gender: { label: 'female' }, returning: false });
    expect(a2).toMatchObject({ startedAt: '2026-11-28T14:00:00.000Z', returning: true, visitorId: a1.visitorId });
    expect(a1.visitorId).not.toBe(c.visitorId);
  });

  it('counts traffic per hour of the store’s clock and for the day', async () => {
    const { body } = await get(q('/v1/analytics/traffic', '&groupBy=none'));
    expect(body.groups).toEqual([
      {
        period: 'all',
        visits: 4,
        uniqueVisitors: 3,
        newVisitors: 2,
        returningVisitors: 1,
        members: 1,
        anonymous: 2,
        occupancyPeak: 1,
      },
    ]);
    const hourly = (await get(q('/v1/analytics/traffic', '&groupBy=hour'))).body.groups;
    expect(hourly.map((g: any) => [g.period, g.visits])).toEqual([
      ['2026-11-28T11:00', 2],
      ['2026-11-28T12:00', 1],
      ['2026-11-28T15:00', 1],
    ]);
  });

  it('counts demographics once per person, not once per face', async () => {
    const { body } = await get(q('/v1/analytics/demographics'));
    expect(body).toMatchObject({
      counts: 'visitors',
      visitors: 3,
      byGender: { female: 2, male: 1, unknown: 0 },
      byAgeBand: { '20-29': 1, '30-39': 1, '40-49': 1, '50-59': 0 },
    });
    expect(body.matrix.female['20-29']).toBe(1);
  });

  it('ranks the zones by visits, with dwell percentiles and emotions', async () => {
    const { body } = await get(q('/v1/analytics/zones'));
    expect(body.zones.map((z: any) => [z.zone, z.kind, z.visits, z.dwellP50S])).toEqual([
      ['entrance', 'entrance', 4, 3],
      ['aisle 1', 'floor', 2, 40],
      ['checkout', 'checkout', 2, 7.5],
      ['winter promo', 'promotion', 1, 30],
    ]);
    expect(body.zones[3].emotions).toEqual({ neutral: 30 });
  });

  it('reports conversion on matched sales, by segment', async () => {
    const { body } = await get(q('/v1/analytics/conversion'));
    expect(body).toMatchObject({
      basis: 'transactions',
      visits: 4,
      converted: 1,
      rate: 0.25,
      transactions: 2,
      matchedTransactions: 1,
      revenue: 20,
    });
    expect(body.bySegment.membership).toEqual({
      anonymous: { visits: 3, converted: 1, rate: 0.333 },
      member: { visits: 1, converted: 0, rate: 0 },
    });
  });

  it('shows a member’s visits, and refuses another tenant’s store as unknown', async () => {
    const { body } = await get(`/v1/identities/${annId}/visits?from=2026-11-01&to=2026-12-01`);
    expect(body).toMatchObject({ identity: { id: annId }, total: 1, purchases: [] });
    const other = await app.get(TenantRepository).create('Other');
    const otherKey = (await app.get(TenantRepository).issueApiKey(other.id, 'test')).key;
    await api().get(q('/v1/visits')).set('Authorization', `Bearer ${otherKey}`).expect(404);
    await api().get(q('/v1/analytics/traffic')).expect(401);
  });

  it('refuses a bad sale with the reason, and stores a re-sent one once', async () => {
    const post = () => api().post(`/v1/stores/${storeId}/transactions`).set('Authorization', `Bearer ${apiKey}`);
    const bad = await post().send({ at: 'noon', amount: 3 }).expect(400);
    expect(bad.body.message).toMatch(/at must be an ISO 8601 time/);
    const again = await post()
      .set('Content-Type', 'text/csv')
      .send('at,amount,currency,externalRef\n2026-11-28T10:05:05Z,20,EUR,r-1\n')
      .expect(201);
    expect(again.body).toMatchObject({ recorded: 0, duplicates: 1 });
  });
});
