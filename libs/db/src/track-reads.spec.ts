import type { NewTrack } from './repositories/shopper.repository';
import {
  detection,
  migratedTestDatabase,
  randomUUID,
  randomVector,
  repositories,
  seedTenant,
  type MigratedDatabase,
  type Repositories,
} from './test-support';
import { preparedRows } from './prepared';
import { sumsOf } from '@storelens/tracking';
import type { EntityManager } from 'typeorm';

let t: MigratedDatabase;
let r: Repositories;
beforeAll(async () => {
  t = await migratedTestDatabase();
  r = repositories(t.dataSource);
});
afterAll(async () => {
  await t?.close();
});

const STEP_MS = 500;

/**
 * A camera clip of 12 frames, 500 ms apart, one decided and embedded face in each (two in frame 6), all on track A:
 * the faces' vectors and matches as given.
 */
async function clip() {
  const s = await seedTenant(r);
  const frames = [];
  for (let index = 0; index < 12; index++) {
    frames.push(
      await r.frames.upsert(s.tenant.id, {
        mediaId: s.media.id,
        index,
        timeMs: index * STEP_MS,
        capturedAt: new Date(s.media.capturedAt.getTime() + index * STEP_MS),
        objectKey: `k/${index}`,
        width: 640,
        height: 480,
      }),
    );
  }
  const faces: { id: string; frameIndex: number; faceIndex: number; at: Date; vector: number[] }[] = [];
  for (const fr of frames) {
    const saved = await r.faces.saveDetections(
      s.tenant.id,
      fr.id,
      fr.index === 6 ? [detection(0), detection(1)] : [detection(0)],
      'yunet',
    );
    for (const f of saved) {
      const vector = randomVector();
      await r.embeddings.upsert(s.tenant.id, f.id, vector, 'mfn');
      faces.push({ id: f.id, frameIndex: fr.index, faceIndex: f.faceIndex, at: fr.capturedAt, vector });
    }
  }
  const track = (id: string, first: (typeof faces)[number]): NewTrack => ({
    id,
    storeId: s.store.id,
    cameraId: s.camera.id,
    firstFaceId: first.id,
    startedAt: first.at,
    endedAt: first.at,
    intervalMs: STEP_MS,
    faceCount: 1,
    centroid: first.vector,
    modelId: 'mfn',
    identityId: null,
    similarity: null,
  });
  const a = randomUUID();
  await r.shoppers.upsertTracks(s.tenant.id, [track(a, faces[0]!)]);
  await r.shoppers.assignFaces(s.tenant.id, new Map(faces.map((f) => [f.id, a])));
  return { ...s, faces, a };
}

const decide = (tenantId: string, faceId: string, matches: { identityId: string; similarity: number }[] | null) =>
  r.faces.recordDecision(tenantId, faceId, {
    identityId: null,
    similarity: null,
    visitorId: null,
    matches: matches ?? undefined,
  });

describe('what the tracker reads of a track (real Postgres)', () => {
  it('reads of a track only its latest faces before a place, however long it is, and only for the tenant', async () => {
    const c = await clip();
    for (const f of c.faces) await decide(c.tenant.id, f.id, null);
    // resuming at frame 8: the latest five faces before it are those of frames 4 to 7, frame 6's two counting as two
    const place = c.faces.find((f) => f.frameIndex === 8)!;
    const at = { faceId: place.id, at: place.at, mediaId: c.media.id, frameIndex: 8, faceIndex: 0 };
    const tail = await r.shoppers.trackTails(c.tenant.id, [c.a], at, 5);
    expect(tail.map((f) => [f.frameIndex, f.faceIndex])).toEqual([
      [4, 0],
      [5, 0],
      [6, 0],
      [6, 1],
      [7, 0],
    ]);
    expect(tail[0]).toMatchObject({ trackId: c.a, modelId: 'mfn', box: { x: 0, y: 20, w: 50, h: 60 } });
    tail[0]!.embedding.forEach((x, i) => expect(x).toBeCloseTo(c.faces[4]!.vector[i]!, 6));
    // within one frame the face index places a face: resuming at frame 6's second face leaves its first before it
    const second = c.faces.find((f) => f.frameIndex === 6 && f.faceIndex === 1)!;
    const within = await r.shoppers.trackTails(
      c.tenant.id,
      [c.a],
      { ...at, faceId: second.id, at: second.at, frameIndex: 6, faceIndex: 1 },
      2,
    );
    expect(within.map((f) => [f.frameIndex, f.faceIndex])).toEqual([
      [5, 0],
      [6, 0],
    ]);
    // undecided faces are not the tracker's
    await t.dataSource.query(`UPDATE faces SET decided_at = NULL WHERE id = $1`, [c.faces[7]!.id]); // frame 6, face 1
    expect((await r.shoppers.trackTails(c.tenant.id, [c.a], at, 5)).map((f) => f.frameIndex)).toEqual([3, 4, 5, 6, 7]);
    const other = await seedTenant(r, 'Other');
    expect(await r.shoppers.trackTails(other.tenant.id, [c.a], at, 5)).toEqual([]);
  });

  it("reads a long track's latest faces by its time index, walking as many faces at 400 as at 10, and a face's time follows its frame's", async () => {
    const walked = async (n: number) => {
      const c = await framesAt(Array.from({ length: n }, (_, i) => i * 100));
      const [{ track_id: track }] = await t.dataSource.query(`SELECT track_id FROM faces WHERE id = $1`, [
        c.faces[0]!.id,
      ]);
      const at = (i: number) => ({
        faceId: c.faces[i]!.id,
        at: new Date(c.media.capturedAt.getTime() + i * 100),
        mediaId: c.media.id,
        frameIndex: i,
        faceIndex: 0,
      });
      const place = at(n - 3);
      return r.shoppers.locked(['tails'], async (tx) => {
        const tail = await tx.trackTails(c.tenant.id, [track], place, 5);
        expect(tail.map((f) => f.frameIndex)).toEqual([n - 8, n - 7, n - 6, n - 5, n - 4]);
        const m = (tx as unknown as { db: EntityManager }).db;
        const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] = await m.query(
          // EXECUTE takes no bind parameters: the values written out (ids and times of this spec's own making)
          `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE storelens_tracker_track_tails(${[c.tenant.id, `{${track}}`, place.at.toISOString(), c.media.id].map((v) => `'${v}'`).join(', ')}, ${n - 3}, 0, '${place.faceId}', 5)`,
        );
        const nodes = (x: PlanNode): PlanNode[] => [x, ...(x.Plans ?? []).flatMap(nodes)];
        // the rows read from faces (by the track's index), all nodes together
        return nodes(plan[0].Plan)
          .filter((x) => x['Relation Name'] === 'faces')
          .reduce((sum, x) => sum + x['Actual Rows'] * x['Actual Loops'], 0);
      });
    };
    const short = await walked(10);
    expect(await walked(400)).toBe(short);
    expect(short).toBeLessThan(20);

    // a face carries its frame's recording time, whatever writes either
    const c = await clip();
    const face = c.faces[3]!;
    const timeOf = async () =>
      (
        (await t.dataSource.query(`SELECT captured_at FROM faces WHERE id = $1`, [face.id])) as { captured_at: Date }[]
      )[0]!.captured_at;
    expect(await timeOf()).toEqual(face.at);
    const later = new Date(face.at.getTime() + 3_600_000);
    await t.dataSource.query(
      `UPDATE frames SET captured_at = $2 WHERE tenant_id = $1 AND media_id = $3 AND "index" = 3`,
      [c.tenant.id, later, c.media.id],
    );
    expect(await timeOf()).toEqual(later);
    await t.dataSource.query(`UPDATE faces SET captured_at = 'epoch' WHERE id = $1`, [face.id]);
    expect(await timeOf()).toEqual(later);
  });

  it("reads a track's faces whole and its kept sums, and forgets the sums when anything but tracking changes its faces", async () => {
    const c = await clip();
    const matches = [{ identityId: randomUUID(), similarity: 0.6 }];
    for (const f of c.faces) await decide(c.tenant.id, f.id, matches);
    // every decided, embedded face of the track, whole; none for another tenant
    const faces = await r.shoppers.trackFaces(c.tenant.id, [c.a]);
    expect(faces.map((f) => f.faceId).sort()).toEqual(c.faces.map((f) => f.id).sort());
    expect(faces[0]).toMatchObject({ trackId: c.a, modelId: 'mfn', matches });
    const other = await seedTenant(r, 'Other');
    expect(await r.shoppers.trackFaces(other.tenant.id, [c.a])).toEqual([]);
    expect((await r.shoppers.trackSums(other.tenant.id, [c.a])).size).toBe(0);

    // the clip's track was written without sums (and its faces decided since, each a change): none kept, 13 faces
    const kept = async () => (await r.shoppers.trackSums(c.tenant.id, [c.a])).get(c.a)!;
    const start = await kept();
    expect(start).toEqual({ sums: null, version: expect.any(Number), faces: 13 });
    const [row] = await r.shoppers.tracks(c.tenant.id, [c.a]);
    const sums = sumsOf(faces);
    const write = async (version: number | null) =>
      r.shoppers.upsertTracks(c.tenant.id, [{ ...row!, centroid: row!.centroid!, sums, sumsVersion: version }]);
    await write(start.version);
    expect(await kept()).toEqual({ sums, version: start.version + 1, faces: 13 });
    // sums read at an earlier version (something forgot them since) are not written back
    await write(start.version);
    expect(await kept()).toMatchObject({ sums: null, version: start.version + 2 });
    const reset = async () => write((await kept()).version);

    // what forgets them: a face decided again with other matches (the same matches do not) ...
    await reset();
    await decide(c.tenant.id, c.faces[3]!.id, matches);
    expect((await kept()).sums).toEqual(sums);
    await decide(c.tenant.id, c.faces[3]!.id, [{ identityId: randomUUID(), similarity: 0.7 }]);
    expect((await kept()).sums).toBeNull();
    // ... a face's vector replaced (the same vector does not) or deleted ...
    await reset();
    await r.embeddings.upsert(c.tenant.id, c.faces[4]!.id, c.faces[4]!.vector, 'mfn');
    expect((await kept()).sums).not.toBeNull();
    await r.embeddings.upsert(c.tenant.id, c.faces[4]!.id, randomVector(), 'mfn');
    expect((await kept()).sums).toBeNull();
    await reset();
    await t.dataSource.query(`DELETE FROM face_embeddings WHERE tenant_id = $1 AND face_id = $2`, [
      c.tenant.id,
      c.faces[5]!.id,
    ]);
    expect((await kept()).sums).toBeNull();
    // ... and faces deleted (here with their media, as retention and erasure delete them)
    await reset();
    expect((await kept()).sums).not.toBeNull();
    await t.dataSource.query(`DELETE FROM media WHERE tenant_id = $1 AND id = $2`, [c.tenant.id, c.media.id]);
    expect((await kept()).sums).toBeNull();
  });
});

/** Frames of the seeded camera at these offsets (ms), each with `perFrame` decided, embedded faces. */
async function framesAt(offsets: number[], perFrame = (_i: number) => 1) {
  const s = await seedTenant(r);
  const faces: { id: string; frameId: string; frameIndex: number; faceIndex: number }[] = [];
  for (const [index, ms] of offsets.entries()) {
    const fr = await r.frames.upsert(s.tenant.id, {
      mediaId: s.media.id,
      index,
      timeMs: ms,
      capturedAt: new Date(s.media.capturedAt.getTime() + ms),
      objectKey: `k/${index}`,
      width: 640,
      height: 480,
    });
    const dets = Array.from({ length: perFrame(index) }, (_, i) => detection(i));
    for (const f of await r.faces.saveDetections(s.tenant.id, fr.id, dets, 'yunet')) {
      await r.embeddings.upsert(s.tenant.id, f.id, randomVector(), 'mfn');
      await decide(s.tenant.id, f.id, null);
      faces.push({ id: f.id, frameId: fr.id, frameIndex: index, faceIndex: f.faceIndex });
    }
  }
  // every face on one track, as if tracked already
  const track: NewTrack = {
    id: randomUUID(),
    storeId: s.store.id,
    cameraId: s.camera.id,
    firstFaceId: faces[0]!.id,
    startedAt: s.media.capturedAt,
    endedAt: s.media.capturedAt,
    intervalMs: 500,
    faceCount: faces.length,
    centroid: randomVector(),
    modelId: 'mfn',
    identityId: null,
    similarity: null,
  };
  await r.shoppers.upsertTracks(s.tenant.id, [track]);
  await r.shoppers.assignFaces(s.tenant.id, new Map(faces.map((f) => [f.id, track.id])));
  const window = (from: number, to: number) => ({
    from: new Date(s.media.capturedAt.getTime() + from),
    to: new Date(s.media.capturedAt.getTime() + to),
  });
  return { ...s, faces, window };
}

describe("a track's person (real Postgres)", () => {
  it('is written to the faces it changes only: a face joining the track, not the faces already on its visitor', async () => {
    const c = await clip();
    const ada = await r.identities.create(c.tenant.id, { name: 'Ada', category: 'member' });
    await t.dataSource.query(`UPDATE faces SET identity_id = $2 WHERE id = $1`, [c.faces[0]!.id, ada.id]);
    const v = randomUUID();
    await r.shoppers.createVisitor(c.tenant.id, v, randomVector(), 'mfn');
    const faces = async () =>
      new Map(
        (
          (await t.dataSource.query(`SELECT id, visitor_id, xmin::text AS version FROM faces WHERE track_id = $1`, [
            c.a,
          ])) as { id: string; visitor_id: string | null; version: string }[]
        ).map((f) => [f.id, f]),
      );
    await r.shoppers.setTrackPerson(c.tenant.id, c.a, { visitorId: v, personKey: `visitor:${v}` });
    const first = await faces();
    // the identified face counts for its identity, not the visitor; every other face of the track for the visitor
    expect([...first.values()].filter((f) => f.visitor_id === v)).toHaveLength(c.faces.length - 1);
    expect(first.get(c.faces[0]!.id)!.visitor_id).toBeNull();
    // a face joins the track without its visitor: only that face is written again
    const joined = c.faces[5]!.id;
    await t.dataSource.query(`UPDATE faces SET visitor_id = NULL WHERE id = $1`, [joined]);
    const before = await faces();
    await r.shoppers.setTrackPerson(c.tenant.id, c.a, { visitorId: v, personKey: `visitor:${v}` });
    const after = await faces();
    expect(after.get(joined)!.visitor_id).toBe(v);
    const rewritten = [...after.values()].filter((f) => f.version !== before.get(f.id)!.version).map((f) => f.id);
    expect(rewritten).toEqual([joined]);
    // another visitor for the track: every face without an identity moves to it
    const w = randomUUID();
    await r.shoppers.createVisitor(c.tenant.id, w, randomVector(), 'mfn');
    await r.shoppers.setTrackPerson(c.tenant.id, c.a, { visitorId: w, personKey: `visitor:${w}` });
    expect([...(await faces()).values()].map((f) => f.visitor_id).sort()).toEqual(
      [...Array(c.faces.length - 1).fill(w), null].sort(),
    );
    // told which faces can lack it (the track's visitor unchanged), it looks at those only
    const [x, y] = [c.faces[6]!.id, c.faces[7]!.id];
    await t.dataSource.query(`UPDATE faces SET visitor_id = NULL WHERE id = ANY($1)`, [[x, y]]);
    await r.shoppers.setTrackPerson(c.tenant.id, c.a, { visitorId: w, personKey: `visitor:${w}` }, [x]);
    const only = await faces();
    expect([only.get(x)!.visitor_id, only.get(y)!.visitor_id]).toEqual([w, null]);
  });
});

describe("a decided face's run, as the tracker continues it (real Postgres)", () => {
  it('returns the run from the resume point, after the faces within the gap before it, and nothing of other runs', async () => {
    const c = await framesAt([0, 400, 5_000, 5_300, 5_700, 20_000]);
    const ids = (run: Awaited<ReturnType<typeof r.shoppers.cameraRun>>) => run && run.faces.map((f) => f.faceId);
    const f = c.faces.map((x) => x.id);
    const run = await r.shoppers.cameraRun(c.tenant.id, c.camera.id, f[3]!, c.window(-60_000, 60_000), 1_000);
    // the run is 5.0-5.7 s; tracking resumes at the decided face, and 5.0 s is within the gap before it
    expect(ids(run)).toEqual([f[2], f[3], f[4]]);
    expect(run).toMatchObject({ resume: 1, atEnd: false });
    expect(run!.faces[1]).toMatchObject({
      frameId: c.faces[3]!.frameId,
      mediaId: c.media.id,
      frameIndex: 3,
      faceIndex: 0,
    });
    // an earlier face of the run still without a track moves the resume point back to it; one of another run does not
    await t.dataSource.query(`UPDATE faces SET track_id = NULL WHERE id = ANY($1)`, [[f[0], f[2]]]);
    expect(await r.shoppers.cameraRun(c.tenant.id, c.camera.id, f[3]!, c.window(-60_000, 60_000), 1_000)).toMatchObject(
      { resume: 0, faces: [{ faceId: f[2] }, { faceId: f[3] }, { faceId: f[4] }] },
    );
    // a larger gap joins the first two faces to the run: the untracked first face is now where tracking resumes
    const wide = await r.shoppers.cameraRun(c.tenant.id, c.camera.id, f[3]!, c.window(-60_000, 60_000), 5_000);
    expect(ids(wide)).toEqual([f[0], f[1], f[2], f[3], f[4]]);
    expect(wide!.resume).toBe(0);
    // an undecided face is not the tracker's: it neither breaks nor joins a run
    await t.dataSource.query(`UPDATE faces SET decided_at = NULL WHERE id = $1`, [f[4]]);
    expect(ids(await r.shoppers.cameraRun(c.tenant.id, c.camera.id, f[3]!, c.window(-60_000, 60_000), 1_000))).toEqual([
      f[2],
      f[3],
    ]);
    // a face outside the window (erased meanwhile), another tenant, another camera: nothing
    expect(await r.shoppers.cameraRun(c.tenant.id, c.camera.id, f[5]!, c.window(-60_000, 10_000), 1_000)).toBeNull();
    const other = await seedTenant(r, 'Other');
    expect(
      await r.shoppers.cameraRun(other.tenant.id, c.camera.id, f[3]!, c.window(-60_000, 60_000), 1_000),
    ).toBeNull();
    expect(
      await r.shoppers.cameraRun(c.tenant.id, other.camera.id, f[3]!, c.window(-60_000, 60_000), 1_000),
    ).toBeNull();
  });

  it('resumes at the first face of the frame, and says when the run may go on past the window', async () => {
    // frames 500 ms apart, two faces in frame 2
    const c = await framesAt([0, 500, 1_000, 1_500], (i) => (i === 2 ? 2 : 1));
    const second = c.faces.find((x) => x.frameIndex === 2 && x.faceIndex === 1)!;
    const run = await r.shoppers.cameraRun(c.tenant.id, c.camera.id, second.id, c.window(-60_000, 60_000), 800);
    // the frame's first face is linked again with it; frame 1 is within the gap before, frame 0 is not
    expect(run!.faces.map((x) => [x.frameIndex, x.faceIndex])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
      [3, 0],
    ]);
    expect(run!.resume).toBe(1);
    expect(run!.faces.map((x) => x.at.getTime() - c.media.capturedAt.getTime())).toEqual([500, 1_000, 1_000, 1_500]);
    // the run's last face is the window's last: a face just past the window could go on with it, if within the gap
    expect(
      await r.shoppers.cameraRun(c.tenant.id, c.camera.id, second.id, c.window(-60_000, 2_300), 800),
    ).toMatchObject({
      atEnd: true,
    });
    expect(
      await r.shoppers.cameraRun(c.tenant.id, c.camera.id, second.id, c.window(-60_000, 2_400), 800),
    ).toMatchObject({
      atEnd: false,
    });
    // cut by the window's end, the run is what the window holds
    const cut = await r.shoppers.cameraRun(c.tenant.id, c.camera.id, second.id, c.window(-60_000, 1_200), 800);
    expect(cut).toMatchObject({ atEnd: true, resume: 1 });
    expect(cut!.faces.map((x) => x.frameIndex)).toEqual([1, 2, 2]);
  });

  it('is a prepared statement whose plan without the values finds the resume point once, not once per face', async () => {
    const c = await framesAt(Array.from({ length: 12 }, (_, i) => i * 500));
    const face = c.faces[6]!.id;
    const w = c.window(-60_000, 60_000);
    await r.shoppers.locked(['plan'], async (tx) => {
      // the plan a connection keeps after its first five runs: the one without the values
      const m = (tx as unknown as { db: EntityManager }).db;
      await m.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      const run = await tx.cameraRun(c.tenant.id, c.camera.id, face, w, 1_000);
      // resumed at frame 6, after frames 4 and 5 within the gap before it
      expect(run!.faces.map((f) => f.frameIndex)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
      const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] = await m.query(
        // EXECUTE takes no bind parameters: the values written out (ids and times of this spec's own making)
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE storelens_tracker_camera_run(${[c.tenant.id, c.camera.id, w.from.toISOString(), w.to.toISOString(), face].map((v) => `'${v}'`).join(', ')}, 1000)`,
      );
      const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
      const all = nodes(plan[0].Plan);
      // each node runs once: the resume point (an aggregate over the run) is not computed again for each face
      expect(all.filter((n) => n['Node Type'] === 'Aggregate').map((n) => n['Actual Loops'])).toEqual([1]);
    });
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

describe('prepared statements (real Postgres)', () => {
  it('run on the connection of the transaction they are given, and on the pool otherwise', async () => {
    const s = await seedTenant(r);
    const named = `SELECT name FROM pg_prepared_statements WHERE name = $1`;
    // a statement is prepared on the connection it runs on: it sees itself there
    expect(await preparedRows(t.dataSource, 'storelens_spec_self', named, ['storelens_spec_self'])).toEqual([
      { name: 'storelens_spec_self' },
    ]);
    await t.dataSource.transaction(async (m) => {
      await m.query(`UPDATE media SET error = 'in the transaction' WHERE id = $1`, [s.media.id]);
      const sql = `SELECT error FROM media WHERE tenant_id = $1 AND id = $2`;
      // the transaction's own write is seen: the statement ran on its connection, not on another of the pool
      expect(await preparedRows(m, 'storelens_spec_media_error', sql, [s.tenant.id, s.media.id])).toEqual([
        { error: 'in the transaction' },
      ]);
      expect(await preparedRows(t.dataSource, 'storelens_spec_media_error', sql, [s.tenant.id, s.media.id])).toEqual([
        { error: null },
      ]);
    });
  });
});
