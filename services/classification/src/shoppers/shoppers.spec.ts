// Faces become shoppers against the real Postgres + pgvector, Redis and S3 endpoint: a known day of decided-to-be
// faces (vectors made up per person, so no model is needed) goes through two classification replicas at once and,
// for a second tenant, through one replica in a shuffled order; tracks, visitors and visits must match the truth
// and each other.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JobName } from '@storelens/contracts';
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
} from '@storelens/db';
import { PlatformModule } from '@storelens/platform';
import { QueueService, type JobContext } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { uniqueTestId, waitFor } from '@storelens/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RECENT_FACES, sumsOf } from '@storelens/tracking';
import { ClassificationWorkerModule } from '../classification.module';
import { FaceClassificationService } from '../face-classification.service';
import { ShopperTrackingService } from './shopper-tracking.service';

const ctx: JobContext = { jobId: 'direct', attempt: 1, logger: pino({ level: 'silent' }) };
const MODEL = 'test-embedder';
const T0 = Date.parse('2026-11-28T09:00:00Z');

let env: TestEnvironment;
let replicas: INestApplication[] = [];
let r: {
  tenants: TenantRepository;
  stores: StoreRepository;
  cameras: CameraRepository;
  media: MediaRepository;
  frames: FrameRepository;
  faces: FaceRepository;
  identities: IdentityRepository;
  embeddings: EmbeddingRepository;
};

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
const base = (() => {
  const r = rng(42);
  return Array.from({ length: 6 }, () => Array.from({ length: 128 }, () => r() - 0.5));
})();
/** A face vector of person p: their direction plus a little noise (same person ~0.9, others ~0). */
function vectorOf(person: number, r: () => number): number[] {
  const v = base[person]!.map((x) => x + (r() - 0.5) * 0.15);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const STAFF = 4;
/**
 * The truth. Cameras sample at 2 fps. Person 0 walks door -> aisle -> till; person 1 passes the door twice, two hours
 * apart (two visits); person 2 is only in the aisle; person 4 is staff, in the aisle.
 */
const clips = [
  {
    camera: 'door',
    at: T0,
    frames: 10,
    people: [
      { p: 0, from: 0, to: 6 },
      { p: 1, from: 3, to: 10 },
    ],
  },
  {
    camera: 'aisle',
    at: T0 + 120_000,
    frames: 10,
    people: [
      { p: 0, from: 0, to: 8 },
      { p: 2, from: 0, to: 8 },
      { p: STAFF, from: 2, to: 7 },
    ],
  },
  { camera: 'till', at: T0 + 300_000, frames: 4, people: [{ p: 0, from: 0, to: 4 }] },
  { camera: 'door', at: T0 + 7_200_000, frames: 5, people: [{ p: 1, from: 0, to: 5 }] },
] as const;

interface Seeded {
  tenantId: string;
  storeId: string;
  staffId: string;
  /** face id -> which person it is and which clip */
  truth: Map<string, { person: number; clip: number }>;
}

async function seedTenant(name: string): Promise<Seeded> {
  const tenantId = (await r.tenants.create(name)).id;
  const storeId = (await r.stores.create(tenantId, { name: 'Mitte', timezone: 'Europe/Berlin' })).id;
  const cameras = {
    door: (await r.cameras.create(tenantId, { storeId, name: 'door', role: 'entrance', fps: 2 })).id,
    aisle: (await r.cameras.create(tenantId, { storeId, name: 'aisle', role: 'floor', fps: 2, zone: 'aisle 1' })).id,
    till: (await r.cameras.create(tenantId, { storeId, name: 'till', role: 'checkout', fps: 2 })).id,
  };
  const noise = rng(7);
  // staff: one enrolled reference face
  const staff = await r.identities.create(tenantId, { name: 'Alex (staff)', category: 'staff' });
  const enrolment = await r.media.create(tenantId, {
    cameraId: null,
    kind: 'image',
    objectKey: `t/${tenantId}/uploads/${uniqueTestId()}.jpg`,
    sha256: 'a'.repeat(64),
    bytes: 1,
    mime: 'image/jpeg',
    capturedAt: new Date(T0 - 86_400_000),
    purpose: 'enrolment',
    identityId: staff.id,
  });
  const [refFrame] = await r.frames.upsertMany(tenantId, [
    {
      mediaId: enrolment.id,
      index: 0,
      timeMs: 0,
      capturedAt: enrolment.capturedAt,
      objectKey: 'k',
      width: 640,
      height: 480,
    },
  ]);
  const [ref] = await r.faces.saveDetections(tenantId, refFrame!.id, [detection(0, 0)], 'yunet');
  await r.embeddings.upsert(tenantId, ref!.id, vectorOf(STAFF, noise), MODEL);
  await r.identities.enrolFace(tenantId, staff.id, ref!.id);

  const truth = new Map<string, { person: number; clip: number }>();
  for (const [c, clip] of clips.entries()) {
    const media = await r.media.create(tenantId, {
      cameraId: cameras[clip.camera],
      kind: 'video',
      objectKey: `t/${tenantId}/uploads/${uniqueTestId()}.mp4`,
      sha256: 'b'.repeat(64),
      bytes: 1,
      mime: 'video/mp4',
      capturedAt: new Date(clip.at),
    });
    const frames = await r.frames.upsertMany(
      tenantId,
      Array.from({ length: clip.frames }, (_, i) => ({
        mediaId: media.id,
        index: i,
        timeMs: i * 500,
        capturedAt: new Date(clip.at + i * 500),
        objectKey: `k${i}`,
        width: 1280,
        height: 720,
      })),
    );
    for (const frame of frames) {
      const here = clip.people.filter((p) => frame.index >= p.from && frame.index < p.to);
      const faces = await r.faces.saveDetections(
        tenantId,
        frame.id,
        here.map((p) => detection(p.p, frame.index)),
        'yunet',
      );
      for (const [k, face] of faces.entries()) {
        await r.embeddings.upsert(tenantId, face.id, vectorOf(here[k]!.p, noise), MODEL);
        truth.set(face.id, { person: here[k]!.p, clip: c });
      }
    }
  }
  return { tenantId, storeId, staffId: staff.id, truth };
}

/** Person p stands in their own column of the frame and drifts right a little each frame. */
function detection(p: number, frame: number) {
  return {
    box: { x: 40 + p * 200 + frame * 6, y: 100, w: 80, h: 80 },
    score: 0.95,
    landmarks: [] as [number, number][],
    cropKey: null,
  };
}

async function replica(name: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forService(name, env.config), ClassificationWorkerModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

interface Outcome {
  tracks: { trackId: string; personKey: string | null; faces: string[] }[];
  faceTrack: Map<string, string | null>;
  faceVisitor: Map<string, string | null>;
  visits: {
    id: string;
    personKey: string;
    identityId: string | null;
    startedAt: Date;
    endedAt: Date;
    trackCount: number;
  }[];
}

async function outcome(tenantId: string): Promise<Outcome> {
  const ds = env.dataSource;
  const faces: { id: string; trackId: string | null; visitorId: string | null }[] = await ds.query(
    `SELECT id, track_id AS "trackId", visitor_id AS "visitorId" FROM faces WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  );
  const tracks: { id: string; personKey: string | null }[] = await ds.query(
    `SELECT id, person_key AS "personKey" FROM tracks WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  );
  const visits = await ds.query(
    `SELECT id, person_key AS "personKey", identity_id AS "identityId", started_at AS "startedAt",
            ended_at AS "endedAt", track_count AS "trackCount"
     FROM visits WHERE tenant_id = $1 ORDER BY started_at, person_key`,
    [tenantId],
  );
  return {
    tracks: tracks.map((t) => ({
      trackId: t.id,
      personKey: t.personKey,
      faces: faces.filter((f) => f.trackId === t.id).map((f) => f.id),
    })),
    faceTrack: new Map(faces.map((f) => [f.id, f.trackId])),
    faceVisitor: new Map(faces.map((f) => [f.id, f.visitorId])),
    visits,
  };
}

/** A partition of the truth's faces, written with the truth's labels so two tenants can be compared. */
function partition(seeded: Seeded, groupOf: Map<string, string | null>): string[] {
  const groups = new Map<string, string[]>();
  for (const [faceId, t] of seeded.truth) {
    const g = groupOf.get(faceId) ?? 'none';
    groups.set(g, [...(groups.get(g) ?? []), `${t.clip}/${t.person}`]);
  }
  return [...groups.values()].map((labels) => [...new Set(labels)].sort().join(',')).sort();
}

let two: Seeded;
let one: Seeded;

beforeAll(async () => {
  env = await createTestEnvironment({ name: 'shoppers', env: { WORKER_CONCURRENCY: '2' } });
  replicas = [await replica('classification-a'), await replica('classification-b')];
  const app = replicas[0]!;
  r = {
    tenants: app.get(TenantRepository),
    stores: app.get(StoreRepository),
    cameras: app.get(CameraRepository),
    media: app.get(MediaRepository),
    frames: app.get(FrameRepository),
    faces: app.get(FaceRepository),
    identities: app.get(IdentityRepository),
    embeddings: app.get(EmbeddingRepository),
  };
  two = await seedTenant('Two replicas');
  one = await seedTenant('One replica');
}, 180_000);

afterAll(async () => {
  const store = replicas[0]?.get(ObjectStore);
  if (store) await store.removeBucket().catch(() => undefined);
  for (const app of replicas) await app.close();
  const admin = new Redis(env.config.redis.url);
  const keys = await admin.keys(`${env.config.queue.prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await env?.close();
}, 60_000);

describe('shoppers from decided faces (real Postgres, Redis, S3)', () => {
  it('two classification replicas on the same stream give the truth: one track per person on screen, one visitor per person', async () => {
    const faceIds = [...two.truth.keys()];
    // all at once, in a scrambled order: the two replicas take them as they come
    const scrambled = [...faceIds].sort((a, b) => (a < b ? -1 : 1));
    await replicas[0]!.get(QueueService).enqueueMany(
      JobName.ClassifyFace,
      scrambled.map((faceId) => ({ tenantId: two.tenantId, faceId })),
    );
    await waitFor(
      async () => {
        const rows: { n: string }[] = await env.dataSource.query(
          `SELECT count(*) AS n FROM faces f JOIN frames fr ON fr.id = f.frame_id JOIN media m ON m.id = fr.media_id
           WHERE f.tenant_id = $1 AND m.purpose = 'analysis' AND f.track_id IS NULL`,
          [two.tenantId],
        );
        return Number(rows[0]!.n) === 0;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: 'every face to be tracked' },
    );
    const got = await outcome(two.tenantId);
    // 7 tracks: door (0, 1), aisle (0, 2, staff), till (0), door again (1)
    expect(partition(two, got.faceTrack)).toEqual(['0/0', '0/1', '1/0', '1/2', `1/${STAFF}`, '2/0', '3/1'].sort());
    // three anonymous visitors (the staff member is named, not a visitor); person 1 is one visitor both times
    expect(partition(two, got.faceVisitor)).toEqual(['0/0,1/0,2/0', '0/1,3/1', '1/2', `1/${STAFF}`].sort());
    const staffTrack = got.tracks.find((t) => t.faces.some((f) => two.truth.get(f)!.person === STAFF))!;
    expect(staffTrack.personKey).toBeNull();
    // visits: person 0 once (door, aisle, till), person 1 twice (two hours apart), person 2 once; staff never
    expect(got.visits).toHaveLength(4);
    const byPerson = (p: number) =>
      got.visits.filter((v) =>
        got.tracks.some((t) => t.personKey === v.personKey && t.faces.some((f) => two.truth.get(f)!.person === p)),
      );
    expect(byPerson(0)).toHaveLength(1);
    expect(byPerson(0)[0]).toMatchObject({
      trackCount: 3,
      startedAt: new Date(T0),
      endedAt: new Date(T0 + 300_000 + 3 * 500 + 500),
    });
    expect(byPerson(1)).toHaveLength(2);
    expect(byPerson(2)).toHaveLength(1);
  }, 200_000);

  it('one replica taking the faces one by one, in another order, gives the same tracks, visitors and visits', async () => {
    const service = replicas[0]!.get(FaceClassificationService);
    const r2 = rng(99);
    const order = [...one.truth.keys()].map((id) => ({ id, k: r2() })).sort((a, b) => a.k - b.k);
    // each decision updates the sums of the tracks it changes by the faces it moves: none sums a track up again
    const resummed = jest.spyOn(ShopperRepository.prototype, 'trackFaces');
    try {
      for (const { id } of order) {
        expect(await service.classifyFace({ tenantId: one.tenantId, faceId: id }, ctx)).toBe('done');
      }
      expect(resummed).not.toHaveBeenCalled();
    } finally {
      resummed.mockRestore();
    }
    const a = await outcome(two.tenantId);
    const b = await outcome(one.tenantId);
    expect(partition(one, b.faceTrack)).toEqual(partition(two, a.faceTrack));
    expect(partition(one, b.faceVisitor)).toEqual(partition(two, a.faceVisitor));
    expect(b.visits.map((v) => [v.startedAt, v.endedAt, v.trackCount])).toEqual(
      a.visits.map((v) => [v.startedAt, v.endedAt, v.trackCount]),
    );
  }, 200_000);

  it('replaying a classify job changes nothing', async () => {
    const before = await outcome(one.tenantId);
    const service = replicas[1]!.get(FaceClassificationService);
    const faceId = [...one.truth.keys()][5]!;
    expect(await service.classifyFace({ tenantId: one.tenantId, faceId }, ctx)).toBe('skipped');
    // a decided face without a track (an attempt stopped between the two) is tracked on the replay
    await env.dataSource.query(`UPDATE faces SET track_id = NULL WHERE id = $1`, [faceId]);
    const versions = async (table: 'tracks' | 'visits') =>
      new Map(
        (
          (await env.dataSource.query(`SELECT id, xmin::text AS v FROM ${table} WHERE tenant_id = $1`, [
            one.tenantId,
          ])) as { id: string; v: string }[]
        ).map((x) => [x.id, x.v]),
      );
    const [tracksBefore, visitsBefore] = [await versions('tracks'), await versions('visits')];
    expect(await service.classifyFace({ tenantId: one.tenantId, faceId }, ctx)).toBe('done');
    expect(await outcome(one.tenantId)).toEqual(before);
    // only the face's own track is written again: the other tracks of its stretch and every visit stay as stored
    const own = before.tracks.find((t) => t.faces.includes(faceId))!.trackId;
    const tracksAfter = await versions('tracks');
    const rewritten = [...tracksAfter].filter(([id, v]) => tracksBefore.get(id) !== v).map(([id]) => id);
    expect(rewritten).toEqual([own]);
    expect(await versions('visits')).toEqual(visitsBefore);
  });

  it('a decision reads whole (vectors, boxes) only the faces it links again, not its whole window', async () => {
    const before = await outcome(one.tenantId);
    const service = replicas[1]!.get(FaceClassificationService);
    // the door clip's sixth face: person 0 in frame 4, as a face decided by an attempt that stopped before tracking
    const faceId = [...one.truth.keys()][5]!;
    await env.dataSource.query(`UPDATE faces SET track_id = NULL WHERE id = $1`, [faceId]);
    const runs = jest.spyOn(ShopperRepository.prototype, 'cameraRun');
    const whole = jest.spyOn(ShopperRepository.prototype, 'facesById');
    const tails = jest.spyOn(ShopperRepository.prototype, 'trackTails');
    try {
      expect(await service.classifyFace({ tenantId: one.tenantId, faceId }, ctx)).toBe('done');
      // of the clip's 13 faces, the run read comes back from where tracking resumes, at the face's frame: the faces of
      // frames 4 to 9 (8), after those before it within the gap, whose tracks may go on
      expect(runs).toHaveBeenCalledTimes(1);
      const run = (await runs.mock.results[0]!.value) as {
        faces: { faceId: string; frameIndex: number; at: Date }[];
        resume: number;
      };
      const from = run.faces.slice(run.resume);
      expect(from.map((f) => f.frameIndex)).toEqual([...from.map((f) => f.frameIndex)].sort((x, y) => x - y));
      expect(from[0]!.frameIndex).toBe(4);
      expect(from).toHaveLength(8);
      const gap = runs.mock.calls[0]![4];
      // no face before it awaits its tracking: the run is read from the gap before the face, not a minute back
      expect(runs.mock.calls[0]![3].from.getTime()).toBe(from[0]!.at.getTime() - gap - 1);
      for (const f of run.faces.slice(0, run.resume)) {
        expect(f.frameIndex).toBeLessThan(4);
        expect(from[0]!.at.getTime() - f.at.getTime()).toBeLessThanOrEqual(gap);
      }
      // those 8 are linked again and read whole, and the 5 before them are not
      expect(whole).toHaveBeenCalledTimes(1);
      const read = whole.mock.calls[0]![1];
      expect([...read].sort()).toEqual(from.map((f) => f.faceId).sort());
      // the tracks open at frame 4 are continued from their latest faces before it (at most RECENT_FACES each; the
      // clip's tracks are short, so here all 5), never from their whole length
      expect(tails).toHaveBeenCalledTimes(1);
      expect(tails.mock.calls[0]![3]).toBe(RECENT_FACES);
      const tail = (await tails.mock.results[0]!.value) as { faceId: string }[];
      expect(tail.map((f) => f.faceId).sort()).toEqual([...one.truth.keys()].slice(0, 5).sort());
    } finally {
      runs.mockRestore();
      whole.mockRestore();
      tails.mockRestore();
    }
    expect(await outcome(one.tenantId)).toEqual(before);

    // an earlier face (frame 1) decided and not yet tracked: the decision reads its run from the gap before that face,
    // and tracking resumes there, so the same tracks come out
    const earlier = [...one.truth.keys()][1]!;
    await env.dataSource.query(`UPDATE faces SET track_id = NULL WHERE id = ANY($1)`, [[faceId, earlier]]);
    const again = jest.spyOn(ShopperRepository.prototype, 'cameraRun');
    try {
      expect(await service.classifyFace({ tenantId: one.tenantId, faceId }, ctx)).toBe('done');
      const run = (await again.mock.results[0]!.value) as {
        faces: { faceId: string; at: Date }[];
        resume: number;
      };
      expect(run.faces[run.resume]!.faceId).toBe(earlier);
      const gap = again.mock.calls[0]![4];
      expect(again.mock.calls[0]![3].from.getTime()).toBe(run.faces[run.resume]!.at.getTime() - gap - 1);
    } finally {
      again.mockRestore();
    }
    expect(await outcome(one.tenantId)).toEqual(before);
  });

  it('every track keeps the exact sums of its faces, however its decisions came (in parallel, out of order, replayed), and sums one up again once they are forgotten', async () => {
    const shoppers = new ShopperRepository(env.dataSource);
    const exact = async (tenantId: string) => {
      const tracks: { id: string; sums: unknown }[] = await env.dataSource.query(
        `SELECT id, sums FROM tracks WHERE tenant_id = $1`,
        [tenantId],
      );
      expect(tracks.length).toBeGreaterThan(0);
      for (const t of tracks) expect(t.sums).toEqual(sumsOf(await shoppers.trackFaces(tenantId, [t.id])));
    };
    await exact(two.tenantId);
    await exact(one.tenantId);
    // forgotten (as a deletion forgets them), a track's sums are summed up again by its next change
    const before = await outcome(one.tenantId);
    const faceId = [...one.truth.keys()][7]!;
    const own = before.tracks.find((t) => t.faces.includes(faceId))!.trackId;
    await env.dataSource.query(`UPDATE tracks SET sums = NULL WHERE tenant_id = $1 AND id = $2`, [one.tenantId, own]);
    await env.dataSource.query(`UPDATE faces SET track_id = NULL WHERE id = $1`, [faceId]);
    const resummed = jest.spyOn(ShopperRepository.prototype, 'trackFaces');
    try {
      expect(
        await replicas[0]!.get(FaceClassificationService).classifyFace({ tenantId: one.tenantId, faceId }, ctx),
      ).toBe('done');
      expect(resummed).toHaveBeenCalledTimes(1);
    } finally {
      resummed.mockRestore();
    }
    expect(await outcome(one.tenantId)).toEqual(before);
    await exact(one.tenantId);
  });

  it('an anonymous visitor enrolled later as a member brings their earlier visits along', async () => {
    const member = await r.identities.create(one.tenantId, { name: 'Person Zero', category: 'member' });
    const noise = rng(1234);
    const joined = await replicas[0]!
      .get(ShopperTrackingService)
      .identityEnrolled(one.tenantId, member, vectorOf(0, noise), MODEL);
    expect(joined).toBe(1);
    const got = await outcome(one.tenantId);
    const memberVisits = got.visits.filter((v) => v.identityId === member.id);
    expect(memberVisits).toHaveLength(1);
    expect(memberVisits[0]).toMatchObject({ personKey: `identity:${member.id}`, trackCount: 3 });
    expect(got.visits).toHaveLength(4);
    // someone else enrolled joins nobody
    const stranger = await r.identities.create(one.tenantId, { name: 'Stranger', category: 'member' });
    expect(
      await replicas[0]!
        .get(ShopperTrackingService)
        .identityEnrolled(one.tenantId, stranger, vectorOf(5, noise), MODEL),
    ).toBe(0);
  });
});
