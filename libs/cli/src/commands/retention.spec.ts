import {
  CameraRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  RetentionRepository,
  ShopperRepository,
  StoreRepository,
  TenantRepository,
} from '@storelens/db';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import type { DataSource } from 'typeorm';
import { sweepExpired } from './retention';

describe('retention sweep (real Postgres and S3 endpoint)', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let store: ObjectStore;

  beforeAll(async () => {
    env = await createTestEnvironment({ name: 'retention' });
    ds = env.dataSource;
    store = new ObjectStore(env.config.s3);
    await store.ensureBucket();
  });

  afterAll(async () => {
    await store?.removeBucket().catch(() => undefined);
    store?.close();
    await env?.close();
  });

  const now = new Date('2026-11-28T12:00:00Z');

  /** A tenant with a store and an entrance camera. */
  const shop = async (name: string) => {
    const tenant = await new TenantRepository(ds).create(name);
    const s = await new StoreRepository(ds).create(tenant.id, { name: `${name} store` });
    const camera = await new CameraRepository(ds).create(tenant.id, {
      storeId: s.id,
      name: 'door',
      role: 'entrance',
      fps: 1,
    });
    return { tenant, store: s, camera };
  };

  /** A media (camera upload unless `extra` says otherwise) with one frame and one detected face. */
  const mediaWithFace = async (
    tenantId: string,
    cameraId: string | null,
    name: string,
    expiresAt: Date,
    extra: object = {},
  ) => {
    const m = await new MediaRepository(ds).create(tenantId, {
      cameraId,
      kind: 'image',
      objectKey: `t/${tenantId}/${name}.jpg`,
      sha256: 'a'.repeat(64),
      bytes: 3,
      mime: 'image/jpeg',
      capturedAt: now,
      expiresAt,
      ...extra,
    });
    const frameKey = `t/${tenantId}/${name}-000000.jpg`;
    const frame = await new FrameRepository(ds).upsert(tenantId, {
      mediaId: m.id,
      index: 0,
      timeMs: 0,
      capturedAt: now,
      objectKey: frameKey,
      width: 10,
      height: 10,
    });
    const [face] = await new FaceRepository(ds).saveDetections(
      tenantId,
      frame.id,
      [{ box: { x: 1, y: 1, w: 5, h: 5 }, score: 0.9, landmarks: [], cropKey: null }],
      'yunet',
    );
    return { media: m, frameKey, faceId: face.id };
  };

  it('forgets the track and visitor vectors of swept faces, and keeps the rows and the vectors still backed', async () => {
    const { tenant, store: s, camera } = await shop('Shoppers');
    const shoppers = new ShopperRepository(ds);
    const vector = (i: number) => Array.from({ length: 128 }, (_, k) => (k === i ? 1 : 0));
    // one person seen in an old (expiring) video and again in a fresh one: two tracks, one visitor
    const faceIn = async (name: string, expiresAt: Date) =>
      (await mediaWithFace(tenant.id, camera.id, name, expiresAt)).faceId;
    const oldFace = await faceIn('old-visit', new Date('2026-11-01T00:00:00Z'));
    const newFace = await faceIn('new-visit', new Date('2026-12-20T00:00:00Z'));
    const track = (id: string, faceId: string, i: number) => ({
      id,
      storeId: s.id,
      cameraId: camera.id,
      firstFaceId: faceId,
      startedAt: now,
      endedAt: now,
      intervalMs: 1000,
      faceCount: 1,
      centroid: vector(i),
      modelId: 'mfn',
      identityId: null,
      similarity: null,
    });
    const [oldTrack, newTrack, lonely] = ['0000', '1111', '2222'].map((x) => `${x}0000-0000-4000-8000-000000000000`);
    const [visitor, lonelyVisitor] = ['3333', '4444'].map((x) => `${x}0000-0000-4000-8000-000000000000`);
    const lonelyFace = await faceIn('lonely', new Date('2026-11-01T00:00:00Z'));
    await shoppers.upsertTracks(tenant.id, [
      track(oldTrack, oldFace, 0),
      track(newTrack, newFace, 1),
      track(lonely, lonelyFace, 2),
    ]);
    await shoppers.assignFaces(
      tenant.id,
      new Map([
        [oldFace, oldTrack],
        [newFace, newTrack],
        [lonelyFace, lonely],
      ]),
    );
    await shoppers.createVisitor(tenant.id, visitor, vector(0), 'mfn');
    await shoppers.createVisitor(tenant.id, lonelyVisitor, vector(2), 'mfn');
    for (const [t, v] of [
      [oldTrack, visitor],
      [newTrack, visitor],
      [lonely, lonelyVisitor],
    ])
      await shoppers.setTrackPerson(tenant.id, t, { visitorId: v, personKey: `visitor:${v}` });

    const result = await sweepExpired(new RetentionRepository(ds), store, now);
    expect(result).toMatchObject({ media: 2, tracks: 2, visitors: 1 });
    const rows: { id: string; has: boolean }[] = await ds.query(
      `SELECT id, centroid IS NOT NULL AS has FROM tracks WHERE tenant_id = $1 UNION ALL
       SELECT id, centroid IS NOT NULL AS has FROM visitors WHERE tenant_id = $1`,
      [tenant.id],
    );
    const has = Object.fromEntries(rows.map((r) => [r.id, r.has]));
    // the rows stay (visits and dwell stay countable); only vectors no remaining face backs are gone
    expect(has).toEqual({
      [oldTrack]: false,
      [lonely]: false,
      [newTrack]: true,
      [visitor]: true,
      [lonelyVisitor]: false,
    });
    // a forgotten visitor can no longer be recognised
    expect(await shoppers.unlinkedVisitorsNear(tenant.id, vector(2), 'mfn', 0.9)).toEqual([]);
    expect((await shoppers.nearestVisitor(tenant.id, vector(2), 'mfn'))?.visitorId).toBe(visitor);
    expect((await shoppers.tracks(tenant.id, [oldTrack]))[0].centroid).toBeNull();
    // once the fresh media expires too, the visitor's vector goes with its last track's
    const later = new Date('2026-12-21T00:00:00Z');
    expect(await sweepExpired(new RetentionRepository(ds), store, later)).toMatchObject({
      media: 1,
      tracks: 1,
      visitors: 1,
    });
    expect(await shoppers.nearestVisitor(tenant.id, vector(1), 'mfn')).toBeNull();
  });

  it('deletes expired camera media with its frames, faces and objects, and keeps the rest', async () => {
    const { tenant, camera } = await shop('Acme');
    const media = new MediaRepository(ds);
    const make = async (name: string, expiresAt: Date, extra: object = {}) => {
      const { media: m, frameKey } = await mediaWithFace(
        tenant.id,
        (extra as { identityId?: string }).identityId ? null : camera.id,
        name,
        expiresAt,
        extra,
      );
      for (const key of [
        m.objectKey,
        frameKey,
        frameKey.replace('.jpg', '.face-00.aligned.png'),
        frameKey.replace('.jpg', '.annotated.jpg'),
      ])
        await store.put(key, Buffer.from('x'), 'image/jpeg');
      return m;
    };
    const old = await make('old', new Date('2026-11-01T00:00:00Z'));
    const fresh = await make('fresh', new Date('2026-12-20T00:00:00Z'));
    const ada = await new IdentityRepository(ds).create(tenant.id, { name: 'Ada', category: 'member' });
    const enrolment = await make('enrol', new Date('2026-11-01T00:00:00Z'), {
      purpose: 'enrolment',
      identityId: ada.id,
    });

    expect(await sweepExpired(new RetentionRepository(ds), store, now)).toMatchObject({ media: 1, objects: 4 });
    expect(await media.get(tenant.id, old.id)).toBeNull();
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM faces f JOIN frames fr ON fr.id = f.frame_id WHERE fr.media_id = $1`,
      [old.id],
    );
    expect(n).toBe(0);
    expect(await store.stat(`t/${tenant.id}/old-000000.face-00.aligned.png`)).toBeNull();
    expect(await store.stat(old.objectKey)).toBeNull();
    // not yet expired, and the gallery photo, stay with their objects
    expect(await media.get(tenant.id, fresh.id)).not.toBeNull();
    expect(await media.get(tenant.id, enrolment.id)).not.toBeNull();
    expect(await store.stat(`t/${tenant.id}/fresh-000000.annotated.jpg`)).not.toBeNull();
    // a second sweep has nothing left to do
    expect(await sweepExpired(new RetentionRepository(ds), store, now)).toEqual({
      media: 0,
      objects: 0,
      tracks: 0,
      visitors: 0,
    });
  });
});
