import {
  CameraRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  RetentionRepository,
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

  it('deletes expired camera media with its frames, faces and objects, and keeps the rest', async () => {
    const tenant = await new TenantRepository(ds).create('Acme');
    const s = await new StoreRepository(ds).create(tenant.id, { name: 'Berlin' });
    const camera = await new CameraRepository(ds).create(tenant.id, {
      storeId: s.id,
      name: 'door',
      role: 'entrance',
      fps: 1,
    });
    const media = new MediaRepository(ds);
    const frames = new FrameRepository(ds);
    const now = new Date('2026-11-28T12:00:00Z');
    const make = async (name: string, expiresAt: Date, extra: object = {}) => {
      const m = await media.create(tenant.id, {
        cameraId: (extra as { identityId?: string }).identityId ? null : camera.id,
        kind: 'image',
        objectKey: `t/${tenant.id}/${name}.jpg`,
        sha256: 'a'.repeat(64),
        bytes: 3,
        mime: 'image/jpeg',
        capturedAt: now,
        expiresAt,
        ...extra,
      });
      const frameKey = `t/${tenant.id}/${name}-000000.jpg`;
      const frame = await frames.upsert(tenant.id, {
        mediaId: m.id,
        index: 0,
        timeMs: 0,
        capturedAt: now,
        objectKey: frameKey,
        width: 10,
        height: 10,
      });
      await new FaceRepository(ds).saveDetections(
        tenant.id,
        frame.id,
        [{ box: { x: 1, y: 1, w: 5, h: 5 }, score: 0.9, landmarks: [], cropKey: null }],
        'yunet',
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

    expect(await sweepExpired(new RetentionRepository(ds), store, now)).toEqual({ media: 1, objects: 4 });
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
    expect(await sweepExpired(new RetentionRepository(ds), store, now)).toEqual({ media: 0, objects: 0 });
  });
});
