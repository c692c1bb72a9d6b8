// Helpers for this library's specs (not exported from the barrel): a migrated database of their own, and a
// tenant -> store -> camera -> media -> frame chain to hang faces on.
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '@storelens/testing';
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from './data-source';
import type { Frame, Media } from './entities';
import {
  CameraRepository,
  EmbeddingRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  ShopperRepository,
  StoreRepository,
  TenantRepository,
  AlertRepository,
} from './repositories';

export interface MigratedDatabase {
  db: TestDatabase;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function migratedTestDatabase(): Promise<MigratedDatabase> {
  const db = await createTestDatabase();
  const dataSource = createDataSource(db.url, { poolSize: 4 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return {
    db,
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await dropTestDatabase(db);
    },
  };
}

export function repositories(dataSource: DataSource) {
  return {
    tenants: new TenantRepository(dataSource),
    stores: new StoreRepository(dataSource),
    cameras: new CameraRepository(dataSource),
    media: new MediaRepository(dataSource),
    frames: new FrameRepository(dataSource),
    faces: new FaceRepository(dataSource),
    identities: new IdentityRepository(dataSource),
    embeddings: new EmbeddingRepository(dataSource),
    alerts: new AlertRepository(dataSource),
    shoppers: new ShopperRepository(dataSource),
  };
}
export type Repositories = ReturnType<typeof repositories>;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A tenant with one store, camera, media item and frame. */
export async function seedTenant(r: Repositories, name = 'Acme Retail') {
  const tenant = await r.tenants.create(name);
  const store = await r.stores.create(tenant.id, { name: 'Berlin Mitte', timezone: 'Europe/Berlin' });
  const camera = await r.cameras.create(tenant.id, { storeId: store.id, name: 'door', role: 'entrance', fps: 2 });
  const media: Media = await r.media.create(tenant.id, {
    id: randomUUID(),
    cameraId: camera.id,
    kind: 'video',
    objectKey: `t/${tenant.id}/video.mp4`,
    sha256: sha256(randomUUID()),
    bytes: 5_000_000_000,
    mime: 'video/mp4',
    capturedAt: new Date('2026-11-28T13:00:00Z'),
  });
  const frame: Frame = await r.frames.upsert(tenant.id, {
    mediaId: media.id,
    index: 0,
    timeMs: 0,
    capturedAt: media.capturedAt,
    objectKey: `t/${tenant.id}/frame-0.jpg`,
    width: 640,
    height: 480,
  });
  return { tenant, store, camera, media, frame };
}

export const detection = (i: number, cropKey: string | null = null) => ({
  box: { x: 10 * i, y: 20, w: 50, h: 60 },
  score: 0.9,
  landmarks: [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
  ] as [number, number][],
  cropKey,
});

/** A random unit vector of the embedding's size. */
export function randomVector(dims = 128): number[] {
  const v = Array.from({ length: dims }, () => Math.random() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** `base` nudged by noise of the given size, renormalised: the same person on another day. */
export function near(base: number[], noise: number): number[] {
  const v = base.map((x) => x + (Math.random() * 2 - 1) * noise);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return 1 - dot / (Math.hypot(...a) * Math.hypot(...b));
}

export { randomUUID };
