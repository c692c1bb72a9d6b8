import { randomUUID } from 'node:crypto';
import { openApiDocument, verifySignedPath } from '@storelens/platform';
import { ANALYTICS_OPENAPI } from './openapi';
import { PUBLIC_BASE_URL, startAnalyticsTestApp, type AnalyticsTestApp } from './test-support';

// GET /v1/media and /v1/media/:id against real Postgres and S3, on rows seeded the way the pipeline writes them.

const T0 = new Date('2026-11-28T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const described = { age: 34.4, gender: 'female', emotion: 'happy' } as const;

describe('analytics: media (real Postgres and S3)', () => {
  let t: AnalyticsTestApp;
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };
  let cameraA: string;
  let cameraA2: string;
  let storeA: string;
  let obama: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startAnalyticsTestApp();
    const { seed } = t;
    a = await seed.tenant('Chain A');
    b = await seed.tenant('Chain B');
    const sA = await seed.store(a.tenantId, 'Berlin', ['door', 'floor']);
    storeA = sA.store.id;
    [cameraA, cameraA2] = sA.cameras.map((c) => c.id);
    const sB = await seed.store(b.tenantId, 'Paris', ['door']);
    obama = (await seed.identities.create(a.tenantId, { name: 'Barack Obama', category: 'member' })).id;
    const media = (minutes: number, camera = cameraA) => ({
      cameraId: camera,
      storeId: storeA,
      capturedAt: at(minutes),
    });

    // created in this order, so newest first is the reverse
    ids.queued = (await seed.mediaWith(a.tenantId, media(0))).media.id;
    ids.noFrameCount = (
      await seed.mediaWith(a.tenantId, { ...media(1), status: 'processing' }, [
        { index: 0, status: 'done', faces: [{ attributes: described, decision: { visitorId: randomUUID() } }] },
      ])
    ).media.id;
    ids.pendingFace = (
      await seed.mediaWith(a.tenantId, { ...media(2), status: 'processing', frameCount: 1 }, [
        {
          index: 0,
          status: 'done',
          faces: [{ attributes: described, decision: { visitorId: randomUUID() } }, { attributes: described }],
        },
      ])
    ).media.id;
    ids.undescribedFace = (
      await seed.mediaWith(a.tenantId, { ...media(3), status: 'processing', frameCount: 1 }, [
        { index: 0, status: 'done', faces: [{ decision: { visitorId: randomUUID() } }] },
      ])
    ).media.id;
    ids.frameQueued = (
      await seed.mediaWith(a.tenantId, { ...media(4), status: 'processing', frameCount: 2 }, [
        { index: 0, status: 'done' },
        { index: 1 },
      ])
    ).media.id;
    ids.framesMissing = (
      await seed.mediaWith(a.tenantId, { ...media(5), status: 'processing', frameCount: 3 }, [
        { index: 0, status: 'done' },
        { index: 1, status: 'done' },
      ])
    ).media.id;
    ids.failed = (
      await seed.mediaWith(a.tenantId, {
        ...media(6),
        status: 'failed',
        error: 'corrupt or truncated jpeg image: premature end of data',
      })
    ).media.id;
    // a video: frame 1 inserted before frame 0, frame 2 failed; done because every face is described and decided
    const visitor = randomUUID();
    const done = await seed.mediaWith(a.tenantId, { ...media(7, cameraA2), status: 'processing', frameCount: 3 }, [
      { index: 1, capturedAt: at(7.5), status: 'done' },
      {
        index: 0,
        status: 'done',
        faces: [
          {
            box: [234, 21, 150, 204],
            attributes: { age: 50.7, gender: 'male', emotion: 'happy' },
            decision: { identityId: obama, similarity: 0.61 },
          },
          {
            box: [790, 49, 147, 207],
            attributes: { age: 60.2, gender: 'male', emotion: 'sad' },
            decision: { visitorId: visitor },
          },
        ],
      },
      { index: 2, capturedAt: at(8), status: 'failed', error: 'frame image not found' },
    ]);
    ids.done = done.media.id;
    ids.doneFrame0 = done.frames[1]!.id;
    ids.doneFrame1 = done.frames[0]!.id;
    ids.doneFrame2 = done.frames[2]!.id;
    ids.obamaFace = done.faces[1]![0]!.id;
    ids.visitorFace = done.faces[1]![1]!.id;
    ids.visitor = visitor;
    // a face of an identity deleted since
    const gone = (await seed.identities.create(a.tenantId, { name: 'Former Member', category: 'member' })).id;
    ids.deletedIdentity = (
      await seed.mediaWith(a.tenantId, { ...media(9), status: 'processing', frameCount: 1 }, [
        {
          index: 0,
          status: 'done',
          faces: [{ attributes: described, decision: { identityId: gone, similarity: 0.7 } }],
        },
      ])
    ).media.id;
    await seed.identities.softDelete(a.tenantId, gone);
    // an enrolment photo (no camera)
    ids.enrolment = (
      await seed.mediaWith(
        a.tenantId,
        { cameraId: null, storeId: null, capturedAt: at(10), status: 'processing', frameCount: 1, identityId: obama },
        [
          {
            index: 0,
            status: 'done',
            faces: [{ attributes: described, decision: { identityId: obama, similarity: 1 } }],
          },
        ],
      )
    ).media.id;
    ids.mediaB = (
      await seed.mediaWith(b.tenantId, { cameraId: sB.cameras[0]!.id, storeId: sB.store.id, capturedAt: at(0) })
    ).media.id;
  });

  afterAll(async () => {
    await t?.close();
  });

  const media = async (id: string) => (await t.get(`/v1/media/${id}`, a.apiKey).expect(200)).body;

  describe('status', () => {
    it('is queued until ingest picks the upload up', async () => {
      expect(await media(ids.queued)).toMatchObject({ status: 'queued', error: null, frameCount: null, frames: [] });
    });

    it('is processing while sampling has not finished (frameCount null), even when every frame so far is done', async () => {
      const m = await media(ids.noFrameCount);
      expect(m).toMatchObject({ status: 'processing', frameCount: null });
      expect(m.frames.map((f: any) => f.status)).toEqual(['done']);
    });

    it('is processing while a face waits for its decision, and so is its frame', async () => {
      const m = await media(ids.pendingFace);
      expect(m.status).toBe('processing');
      expect(m.frames[0].status).toBe('processing');
      expect(m.frames[0].faces[1]).toMatchObject({ identity: null, visitorId: null, age: 34.4 });
    });

    it('is processing while a face waits for its attributes', async () => {
      const m = await media(ids.undescribedFace);
      expect(m.status).toBe('processing');
      expect(m.frames[0].faces[0]).toMatchObject({ age: null, gender: null, emotion: null });
    });

    it('is processing while a frame is still queued, or not all sampled frames are stored yet', async () => {
      expect((await media(ids.frameQueued)).status).toBe('processing');
      expect((await media(ids.framesMissing)).status).toBe('processing');
    });

    it('is failed with the reason when the pipeline recorded a permanent failure', async () => {
      expect(await media(ids.failed)).toMatchObject({
        status: 'failed',
        error: 'corrupt or truncated jpeg image: premature end of data',
      });
    });

    it('is done when every frame is done or failed and every face is described and decided', async () => {
      expect(await media(ids.done)).toMatchObject({ status: 'done', error: null, frameCount: 3 });
    });
  });

  it('answers the media with frames by index and faces by position, in the documented shape', async () => {
    const m = await media(ids.done);
    const url = (frameId: string) =>
      expect.stringMatching(
        new RegExp(`^${PUBLIC_BASE_URL}/v1/frames/${frameId}/annotated\\.jpg\\?t=${a.tenantId}&exp=\\d+&sig=[\\w-]+$`),
      );
    const scores = (top: string) => ({
      angry: 0.05,
      disgust: 0.05,
      fear: 0.05,
      happy: top === 'happy' ? 0.7 : 0.05,
      sad: top === 'sad' ? 0.7 : 0.05,
      surprise: 0.05,
      neutral: 0.05,
    });
    expect(m).toEqual({
      id: ids.done,
      kind: 'video',
      purpose: 'analysis',
      status: 'done',
      error: null,
      cameraId: cameraA2,
      identityId: null,
      capturedAt: at(7).toISOString(),
      createdAt: expect.any(String),
      frameCount: 3,
      framesTotal: 3,
      framesOffset: 0,
      framesLimit: 100,
      frames: [
        {
          id: ids.doneFrame0,
          index: 0,
          timeMs: 0,
          capturedAt: at(7).toISOString(),
          status: 'done',
          error: null,
          width: 640,
          height: 480,
          annotatedUrl: url(ids.doneFrame0),
          faces: [
            {
              id: ids.obamaFace,
              box: [234, 21, 150, 204],
              score: 0.9,
              identity: { id: obama, name: 'Barack Obama', category: 'member', similarity: 0.61 },
              visitorId: null,
              trackId: null,
              age: 50.7,
              gender: { label: 'male', confidence: 0.9 },
              emotion: { label: 'happy', scores: scores('happy') },
            },
            {
              id: ids.visitorFace,
              box: [790, 49, 147, 207],
              score: 0.91,
              identity: null,
              visitorId: ids.visitor,
              trackId: null,
              age: 60.2,
              gender: { label: 'male', confidence: 0.9 },
              emotion: { label: 'sad', scores: scores('sad') },
            },
          ],
        },
        {
          id: ids.doneFrame1,
          index: 1,
          timeMs: 500,
          capturedAt: at(7.5).toISOString(),
          status: 'done',
          error: null,
          width: 640,
          height: 480,
          annotatedUrl: url(ids.doneFrame1),
          faces: [],
        },
        {
          id: ids.doneFrame2,
          index: 2,
          timeMs: 1000,
          capturedAt: at(8).toISOString(),
          status: 'failed',
          error: 'frame image not found',
          width: 640,
          height: 480,
          annotatedUrl: url(ids.doneFrame2),
          faces: [],
        },
      ],
    });
    // the link is signed for this frame and tenant, for one hour
    const link = new URL(m.frames[0].annotatedUrl);
    const q = Object.fromEntries(link.searchParams);
    expect(verifySignedPath(t.cfg.service.urlSecret!, link.pathname, q)).toBe(a.tenantId);
    expect(Number(q.exp) * 1000 - Date.now()).toBeGreaterThan(3590_000);
    expect(Number(q.exp) * 1000 - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it('pages the frames: framesOffset and framesLimit pick them, framesTotal counts them all', async () => {
    const page = (await t.get(`/v1/media/${ids.done}?framesOffset=1&framesLimit=1`, a.apiKey).expect(200)).body;
    expect(page).toMatchObject({ framesTotal: 3, framesOffset: 1, framesLimit: 1 });
    expect(page.frames.map((f: { index: number }) => f.index)).toEqual([1]);
    const past = (await t.get(`/v1/media/${ids.done}?framesOffset=3`, a.apiKey).expect(200)).body;
    expect(past).toMatchObject({ framesTotal: 3, frames: [] });
    for (const bad of ['framesLimit=0', 'framesLimit=501', 'framesOffset=-1', 'framesOffset=x', 'frames=2']) {
      const res = await t.get(`/v1/media/${ids.done}?${bad}`, a.apiKey).expect(400);
      expect([bad, res.body.message]).toEqual([bad, expect.stringMatching(/^frames(Limit|Offset)?:|unknown query/)]);
    }
  });

  it('shows a face of a deleted identity without the identity', async () => {
    const m = await media(ids.deletedIdentity);
    expect(m.status).toBe('done');
    expect(m.frames[0].faces[0]).toMatchObject({ identity: null, visitorId: null });
  });

  it('shows an enrolment photo with its identity and no camera', async () => {
    expect(await media(ids.enrolment)).toMatchObject({
      purpose: 'enrolment',
      identityId: obama,
      cameraId: null,
      status: 'done',
    });
  });

  describe('list', () => {
    it('lists the tenant’s media newest first, each with its computed status', async () => {
      const res = await t.get('/v1/media', a.apiKey).expect(200);
      expect(res.body.map((m: any) => m.id)).toEqual(
        [
          ids.queued,
          ids.noFrameCount,
          ids.pendingFace,
          ids.undescribedFace,
          ids.frameQueued,
          ids.framesMissing,
          ids.failed,
          ids.done,
          ids.deletedIdentity,
          ids.enrolment,
        ].reverse(),
      );
      const byId = Object.fromEntries(res.body.map((m: any) => [m.id, m]));
      expect(byId[ids.queued].status).toBe('queued');
      expect(byId[ids.pendingFace].status).toBe('processing');
      expect(byId[ids.failed]).toMatchObject({ status: 'failed', error: expect.stringMatching(/corrupt/) });
      expect(byId[ids.done]).toEqual({
        id: ids.done,
        kind: 'video',
        purpose: 'analysis',
        status: 'done',
        error: null,
        cameraId: cameraA2,
        identityId: null,
        capturedAt: at(7).toISOString(),
        createdAt: expect.any(String),
        frameCount: 3,
      });
    });

    it('filters by camera and limits the count', async () => {
      const byCamera = await t.get(`/v1/media?cameraId=${cameraA2}`, a.apiKey).expect(200);
      expect(byCamera.body.map((m: any) => m.id)).toEqual([ids.done]);
      const limited = await t.get('/v1/media?limit=2', a.apiKey).expect(200);
      expect(limited.body.map((m: any) => m.id)).toEqual([ids.enrolment, ids.deletedIdentity]);
    });

    it('shows another tenant nothing of it', async () => {
      const res = await t.get('/v1/media', b.apiKey).expect(200);
      expect(res.body.map((m: any) => m.id)).toEqual([ids.mediaB]);
      await t.get(`/v1/media?cameraId=${cameraA}`, b.apiKey).expect(200, []);
    });

    it('refuses bad query parameters with the reason', async () => {
      const tooMany = await t.get('/v1/media?limit=201', a.apiKey).expect(400);
      expect(tooMany.body.message).toMatch(/limit: must be at most 200/);
      expect((await t.get('/v1/media?limit=0', a.apiKey).expect(400)).body.message).toMatch(/limit/);
      expect((await t.get('/v1/media?cameraId=door', a.apiKey).expect(400)).body.message).toMatch(/cameraId/);
      expect((await t.get('/v1/media?camera=x', a.apiKey).expect(400)).body.message).toMatch(
        /unknown query parameter camera/,
      );
    });
  });

  describe('access', () => {
    it('needs an API key', async () => {
      await t.get(`/v1/media/${ids.done}`).expect(401);
      await t.get('/v1/media').expect(401);
      await t
        .get(`/v1/media/${ids.done}`, 'slk_000000000000_not-a-real-key-not-a-real-key-not-a-real-keyxx')
        .expect(401);
    });

    it('answers 404 alike for another tenant’s media, an unknown id and a malformed id', async () => {
      const other = await t.get(`/v1/media/${ids.mediaB}`, a.apiKey).expect(404);
      const unknown = await t.get(`/v1/media/${randomUUID()}`, a.apiKey).expect(404);
      const malformed = await t.get('/v1/media/not-a-uuid', a.apiKey).expect(404);
      expect(other.body.message).toBe('media not found');
      expect(unknown.body).toEqual(other.body);
      expect(malformed.body).toEqual(other.body);
      await t.get(`/v1/media/${ids.done}`, b.apiKey).expect(404);
    });
  });

  it('documents every route in OpenAPI: a summary, the 200 response and 401', () => {
    const doc = openApiDocument(t.app, ANALYTICS_OPENAPI);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/alerts',
      '/v1/analytics/conversion',
      '/v1/analytics/demographics',
      '/v1/analytics/faces',
      '/v1/analytics/summary',
      '/v1/analytics/traffic',
      '/v1/analytics/zones',
      '/v1/frames/{frameId}/annotated.jpg',
      '/v1/identities/{identityId}/visits',
      '/v1/media',
      '/v1/media/{id}',
      '/v1/visits',
    ]);
    for (const [path, item] of Object.entries(doc.paths)) {
      const op = item.get!;
      expect({ path, summary: typeof op.summary, ok: Boolean(op.responses['200']) }).toEqual({
        path,
        summary: 'string',
        ok: true,
      });
      expect(op.responses['401']).toBeDefined();
    }
    expect(doc.paths['/v1/media/{id}']!.get!.responses['404']).toBeDefined();
    expect(Object.keys(doc.components!.schemas!)).toEqual(expect.arrayContaining(['MediaDto', 'FrameDto', 'FaceDto']));
  });
});
