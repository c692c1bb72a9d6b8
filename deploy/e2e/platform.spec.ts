/**
 * End to end through the public API, against the real stack: six service processes plus the gateway on their
 * own ports, with a fresh database, queue prefix and bucket, on the real Redis, Postgres + pgvector and S3 endpoint.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { TenantRepository } from '@storelens/db';
import { fixtures } from '@storelens/testing';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { uniqueTestId, waitFor, writeBadInputs } from '@storelens/testing';
import { ManagedStack } from '@storelens/stack';
import { repoRoot } from '@storelens/config';
import { build } from '../build/build';
import { ApiError, StoreLensClient } from '@storelens/api-client';
import { readStoreDay, runStoreDay, SAMPLE_S, STORE_DAY_TRUTH } from '@storelens/cli';

// the stack compiles and loads its models at start: minutes on a busy machine (see START_TIMEOUT_MS)
jest.setTimeout(1_200_000);

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

describe('StoreLens platform end to end', () => {
  let env: TestEnvironment;
  let stack: ManagedStack;
  let a: StoreLensClient;
  let b: StoreLensClient;
  let anon: StoreLensClient;
  let dbQuery: (sql: string, params?: unknown[]) => Promise<any[]>;
  const work = mkdtempSync(path.join(tmpdir(), 'e2e-'));
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // STORELENS_COMPILED=1: the same suite against the compiled services (node dist/...), as the image runs them
    if (process.env.STORELENS_COMPILED === '1') build(repoRoot());
    env = await createTestEnvironment({
      name: 'e2e',
      env: { WORKER_LOCK_MS: '4000', MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
    });
    const ds = env.dataSource;
    const tenants = new TenantRepository(ds);
    const tA = await tenants.create('Chain A');
    const tB = await tenants.create('Chain B');
    const keyA = (await tenants.issueApiKey(tA.id, 'e2e')).key;
    const keyB = (await tenants.issueApiKey(tB.id, 'e2e')).key;
    dbQuery = (sql, params) => ds.query(sql, params);
    stack = new ManagedStack(
      { basePort: Number(process.env.E2E_BASE_PORT ?? 18080), env: env.env },
      path.join(work, 'logs'),
    );
    await stack.start();
    anon = new StoreLensClient(stack.baseUrl);
    a = anon.withKey(keyA);
    b = anon.withKey(keyB);
    ids.storeA = (await a.createStore('Berlin Mitte')).id;
    ids.entrance = (await a.createCamera(ids.storeA, { name: 'Entrance', role: 'entrance', fps: 2 })).id;
    ids.floor = (await a.createCamera(ids.storeA, { name: 'Floor', role: 'floor', fps: 2 })).id;
    ids.storeB = (await b.createStore('Paris')).id;
    ids.cameraB = (await b.createCamera(ids.storeB, { name: 'Door', role: 'entrance', fps: 1 })).id;
  });

  afterAll(async () => {
    await stack?.stop();
    await env?.close();
  });

  const enrol = async (
    client: StoreLensClient,
    name: string,
    category: 'member' | 'staff' | 'watchlist',
    files: string[],
  ) => {
    const { id } = await client.createIdentity({ name, category });
    for (const f of files) {
      const media = await client.waitForMedia((await client.enrolFace(id, fixtures.file(f))).id);
      expect({ file: f, status: media.status, error: media.error }).toEqual({ file: f, status: 'done', error: null });
    }
    return id;
  };

  it('names Obama and Biden in two_people.jpg with gender, age and emotion, and serves the annotated frame', async () => {
    ids.obama = await enrol(a, 'Barack Obama', 'member', ['faces/barack_obama/obama.jpg']);
    ids.biden = await enrol(a, 'Joe Biden', 'member', ['faces/joe_biden/knn_train_biden2.jpg']);
    const media = await a.waitForMedia((await a.uploadMedia(ids.entrance, fixtures.file('scenes/two_people.jpg'))).id);
    expect(media.status).toBe('done');
    expect(media.frames).toHaveLength(1);
    const faces = media.frames[0].faces;
    expect(faces.map((f) => f.identity?.name)).toEqual(['Barack Obama', 'Joe Biden']);
    for (const f of faces) {
      expect(f.identity!.similarity).toBeGreaterThan(0.42);
      expect(f.gender?.label).toBe('male');
      expect(f.age).toBeGreaterThan(30);
      expect(Object.keys(f.emotion!.scores)).toHaveLength(7);
    }
    const res = await fetch(media.frames[0].annotatedUrl); // a signed link: no API key needed
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1126, 661]);
  });

  it("runs every service with the image's allocator setting (two malloc arenas), as deployed", () => {
    for (const p of stack.processes) {
      const environ = readFileSync(`/proc/${p.child!.pid}/environ`, 'latin1').split('\0');
      expect({ process: p.spec.service, arenas: environ.filter((v) => v.startsWith('MALLOC_ARENA_MAX=')) }).toEqual({
        process: p.spec.service,
        arenas: ['MALLOC_ARENA_MAX=2'],
      });
    }
  });

  it('names Lin-Manuel Miranda in the frames of the video once he is enrolled', async () => {
    await enrol(a, 'Lin-Manuel Miranda', 'member', ['faces/lin_manuel_miranda/lin-manuel-miranda.png']);
    const media = await a.waitForMedia((await a.uploadMedia(ids.floor, fixtures.file('video/hamilton_clip.mp4'))).id);
    expect(media.status).toBe('done');
    expect(media.frames.length).toBeGreaterThanOrEqual(19);
    expect(media.frames.map((f) => f.timeMs).slice(0, 3)).toEqual([0, 500, 1000]);
    const named = media.frames.filter((f) => f.faces.some((x) => x.identity?.name === 'Lin-Manuel Miranda'));
    expect(named.length).toBeGreaterThanOrEqual(5);
  });

  it('keeps tenants apart: B cannot read, list, enrol into or delete from A; no key is 401', async () => {
    const [mediaA] = await dbQuery(`SELECT id FROM media WHERE purpose = 'analysis' LIMIT 1`);
    const expect404 = async (p: Promise<unknown>) => {
      await expect(p).rejects.toBeInstanceOf(ApiError);
      await expect(p).rejects.toMatchObject({ status: 404 });
    };
    await expect404(b.media(mediaA.id));
    await expect404(b.identity(ids.obama));
    await expect404(b.enrolFace(ids.obama, fixtures.file('faces/joe_biden/biden.jpg')));
    await expect404(b.deleteIdentity(ids.obama));
    await expect404(b.uploadMedia(ids.entrance, fixtures.file('faces/joe_biden/biden.jpg')));
    await expect404(b.createCamera(ids.storeA, { name: 'sneaky' }));
    const listed = await b.identities();
    expect(listed).toEqual([]);
    await expect(anon.identities()).rejects.toMatchObject({ status: 401 });
    await expect(anon.media(mediaA.id)).rejects.toMatchObject({ status: 401 });
    // A still sees its own
    expect((await a.identity(ids.obama)).name).toBe('Barack Obama');
  });

  it('answers bad uploads with a clear 4xx or a failed status, and other media keep flowing', async () => {
    const {
      empty,
      text,
      huge,
      oversized: big,
      audio,
      truncated,
      faceless: wall,
    } = await writeBadInputs(path.join(work, 'bad'), { maxUploadBytes: MAX_UPLOAD_BYTES });

    const status = async (f: string) =>
      a.uploadMedia(ids.entrance, f).then(
        () => 202,
        (e: ApiError) => e.status,
      );
    expect(await status(empty)).toBe(400);
    expect(await status(text)).toBe(415);
    expect(await status(huge)).toBe(422);
    expect(await status(big)).toBe(413);
    expect(await status(audio)).toBe(422);

    const good = (await a.uploadMedia(ids.entrance, fixtures.file('scenes/knn_test_kit_with_rose.jpg'))).id;
    const bad = (await a.uploadMedia(ids.entrance, truncated)).id;
    const faceless = (await a.uploadMedia(ids.entrance, wall)).id;
    const failed = await a.waitForMedia(bad);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/corrupt|truncated/);
    const none = await a.waitForMedia(faceless);
    expect(none.status).toBe('failed');
    expect(none.error).toMatch(/no face/);
    const ok = await a.waitForMedia(good);
    expect(ok.status).toBe('done');
    expect(ok.frames[0].faces).toHaveLength(2);
  });

  it('refuses an enrolment photo with no face or several faces, with the reason', async () => {
    const { id } = await a.createIdentity({ name: 'Nobody', category: 'member' });
    const several = await a.waitForMedia((await a.enrolFace(id, fixtures.file('scenes/two_people.jpg'))).id);
    expect(several.status).toBe('failed');
    expect(several.error).toMatch(/2 faces/);
  });

  it('loses nothing when a worker is killed with SIGKILL mid-job: the job completes after restart, no duplicates', async () => {
    const detection = stack.process('detection');
    // a copy with other bytes, so that it is new media rather than a repeat of the earlier upload
    const copy = path.join(work, 'clip-copy.mp4');
    writeFileSync(
      copy,
      Buffer.concat([readFileSync(fixtures.file('video/hamilton_clip.mp4')), Buffer.from(uniqueTestId())]),
    );
    const upload = (await a.uploadMedia(ids.floor, copy)).id;
    // wait until detection is working through this video's frames, then kill it mid-way
    await waitFor(
      async () => {
        const [r] = await dbQuery(
          `SELECT count(*) FILTER (WHERE status = 'done')::int AS done, count(*)::int AS n FROM frames WHERE media_id = $1`,
          [upload],
        );
        return r.done >= 2 && r.done < r.n;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await detection.kill('SIGKILL');
    const [before] = await dbQuery(
      `SELECT count(*) FILTER (WHERE status = 'done')::int AS done FROM frames WHERE media_id = $1`,
      [upload],
    );
    await detection.start();
    const media = await a.waitForMedia(upload, 300_000);
    expect(media.status).toBe('done');
    const [after] = await dbQuery(
      `SELECT count(*)::int AS frames, count(DISTINCT index)::int AS distinct_frames,
              count(*) FILTER (WHERE status = 'done')::int AS done
       FROM frames WHERE media_id = $1`,
      [upload],
    );
    expect(after.frames).toBe(after.distinct_frames);
    expect(after.done).toBe(after.frames);
    expect(after.done).toBeGreaterThan(before.done);
    const [faces] = await dbQuery(
      `SELECT count(*)::int AS n, count(DISTINCT (f.frame_id, f.face_index))::int AS distinct_faces,
              count(e.face_id)::int AS embedded, count(f.decided_at)::int AS decided
       FROM faces f JOIN frames fr ON fr.id = f.frame_id LEFT JOIN face_embeddings e ON e.face_id = f.id
       WHERE fr.media_id = $1`,
      [upload],
    );
    expect(faces.n).toBe(faces.distinct_faces);
    expect(faces.embedded).toBe(faces.n);
    expect(faces.decided).toBe(faces.n);
    expect(faces.n).toBeGreaterThan(5);
  });

  // the pipeline itself is the same compiled or not; the store day runs once, from the sources
  if (process.env.STORELENS_COMPILED !== '1') {
    it('reads a store day built from the fixture photos back as its truth: visits, visitors, dwell, conversion, demographics', async () => {
      const tenants = new TenantRepository(env.dataSource);
      const tenant = await tenants.create('Chain C');
      const c = anon.withKey((await tenants.issueApiKey(tenant.id, 'e2e')).key);
      const run = await runStoreDay(c, fixtures.dir());
      expect(run.failed).toEqual([]);
      const r = await readStoreDay(c, run);
      const t = STORE_DAY_TRUTH;
      expect(r.traffic).toMatchObject({
        visits: t.visits,
        uniqueVisitors: t.uniqueVisitors,
        newVisitors: t.newVisitors,
        returningVisitors: t.returningVisitors,
        members: t.members,
        anonymous: t.anonymous,
      });
      expect(r.visits).toHaveLength(t.visits);
      t.byVisit.forEach((truth, i) => {
        const v = r.visits[i];
        expect({ i, converted: v.converted, reachedCheckout: v.reachedCheckout }).toEqual({
          i,
          converted: truth.converted,
          reachedCheckout: truth.reachedCheckout,
        });
        // dwell per zone within one sampling interval of the truth
        const dwell = Object.fromEntries(v.zones.map((z) => [z.zone, z.dwellS]));
        expect(Object.keys(dwell).sort()).toEqual(Object.keys(truth.zones).sort());
        for (const [zone, s] of Object.entries(truth.zones))
          expect(Math.abs(dwell[zone] - s)).toBeLessThanOrEqual(SAMPLE_S);
      });
      // the member is named; Kit comes back as the same anonymous visitor; staff are never a visit
      expect(r.visits[1].identity?.id).toBe(run.identities.rose);
      expect(r.visits[3]).toMatchObject({ returning: true, visitorId: r.visits[0].visitorId });
      expect(r.visits[0].visitorId).not.toBe(r.visits[2].visitorId);
      expect(r.conversion).toMatchObject(t.conversion);
      expect(r.demographics.visitors).toBe(t.uniqueVisitors);
      expect(r.demographics.byGender).toMatchObject(t.byGender);
    });
  }

  it('deletes an identity with its faces and vectors', async () => {
    const id = await enrol(a, 'Rose Leslie', 'watchlist', ['faces/rose_leslie/knn_train_rose_leslie_img1.jpg']);
    const [{ n: before }] = await dbQuery(`SELECT count(*)::int AS n FROM faces WHERE identity_id = $1`, [id]);
    expect(before).toBeGreaterThan(0);
    await a.deleteIdentity(id);
    await expect(a.identity(id)).rejects.toMatchObject({ status: 404 });
    const [{ n: after }] = await dbQuery(
      `SELECT count(*)::int AS n FROM faces f LEFT JOIN identity_faces i ON i.face_id = f.id WHERE f.identity_id = $1 OR i.identity_id = $1`,
      [id],
    );
    expect(after).toBe(0);
  });
});
