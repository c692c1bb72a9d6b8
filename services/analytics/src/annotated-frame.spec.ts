import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { fixtures } from '@storelens/testing';
import { signPath } from '@storelens/platform';
import { annotatedFrameKey } from '@storelens/storage';
import { pathOf, startAnalyticsTestApp, type AnalyticsTestApp } from './test-support';

// GET /v1/frames/:frameId/annotated.jpg: signed links, rendering from S3 + Postgres, and the rendering cache.

const OBAMA_BOX: [number, number, number, number] = [234, 21, 150, 204];
const BIDEN_BOX: [number, number, number, number] = [790, 49, 147, 207];
const CAPTURED = new Date('2026-11-28T13:05:00Z');

/** The colour of the image at (x, y): the box outlines are green for a named face, red for an unknown one. */
async function colourAt(jpeg: Buffer, x: number, y: number): Promise<'green' | 'red' | 'other'> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
  if (g > 150 && r < 100 && b < 140) return 'green';
  if (r > 180 && g < 110 && b < 110) return 'red';
  return 'other';
}
/** A point on the left edge of a box, half-way down. */
const leftEdge = ([x, y, , h]: number[]) => [Math.round(x!), Math.round(y! + h! / 2)] as const;

describe('analytics: annotated frames (real Postgres and S3)', () => {
  let t: AnalyticsTestApp;
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };
  let storeId: string;
  let cameraId: string;
  let mediaId: string;
  let frameId: string;
  let frameIndex: number;
  let bidenFaceId: string;
  let obama: string;
  let biden: string;
  let missingImageFrameId: string;
  let jpeg: Buffer;

  beforeAll(async () => {
    t = await startAnalyticsTestApp();
    const { seed } = t;
    a = await seed.tenant('Chain A');
    b = await seed.tenant('Chain B');
    const s = await seed.store(a.tenantId, 'Berlin', ['door']);
    storeId = s.store.id;
    cameraId = s.cameras[0]!.id;
    obama = (await seed.identities.create(a.tenantId, { name: 'Barack Obama', category: 'member' })).id;
    biden = (await seed.identities.create(a.tenantId, { name: 'Joe Biden', category: 'member' })).id;
    jpeg = await readFile(fixtures.file('scenes/two_people.jpg'));
    // Obama named; Biden described but not decided yet (still drawn as unknown)
    const seeded = await seed.mediaWith(
      a.tenantId,
      { cameraId, storeId, capturedAt: CAPTURED, status: 'processing', frameCount: 1 },
      [
        {
          index: 0,
          status: 'done',
          jpeg: { bytes: jpeg, width: 1126, height: 661 },
          faces: [
            {
              box: OBAMA_BOX,
              landmarks: [
                [288.8, 92.5],
                [356.3, 98.3],
                [329.2, 133.1],
                [286.8, 164.7],
                [345.2, 169.4],
              ],
              attributes: { age: 50.7, gender: 'male', emotion: 'happy' },
              decision: { identityId: obama, similarity: 0.63 },
            },
            {
              box: BIDEN_BOX,
              landmarks: [
                [840.5, 125.9],
                [907.8, 131.5],
                [880.2, 170.7],
                [838.1, 197.9],
                [896.3, 203.8],
              ],
              attributes: { age: 60.7, gender: 'male', emotion: 'sad' },
            },
          ],
        },
      ],
    );
    mediaId = seeded.media.id;
    frameId = seeded.frames[0]!.id;
    frameIndex = seeded.frames[0]!.index;
    bidenFaceId = seeded.faces[0]![1]!.id;
    // a frame whose image is not in the object store (removed by retention, say)
    missingImageFrameId = (
      await seed.mediaWith(a.tenantId, { cameraId, storeId, capturedAt: CAPTURED }, [{ index: 0, status: 'done' }])
    ).frames[0]!.id;
  });

  afterAll(async () => {
    await t?.close();
  });

  const annotatedUrl = async () => {
    const m = (await t.get(`/v1/media/${mediaId}`, a.apiKey).expect(200)).body;
    return m.frames[0].annotatedUrl as string;
  };
  const image = async (res: { body: unknown }) => {
    const body = res.body as Buffer;
    const meta = await sharp(body).metadata();
    return { body, format: meta.format, width: meta.width, height: meta.height };
  };
  const cacheKey = (version: string) =>
    annotatedFrameKey({ tenantId: a.tenantId, storeId, cameraId, mediaId, capturedAt: CAPTURED, frameIndex }, version);

  it('serves the frame with its faces drawn through the signed link of the media response, without an API key', async () => {
    const res = await t.get(pathOf(await annotatedUrl())).expect(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const img = await image(res);
    expect([img.format, img.width, img.height]).toEqual(['jpeg', 1126, 661]);
    expect(await colourAt(img.body, ...leftEdge(OBAMA_BOX))).toBe('green');
    expect(await colourAt(img.body, ...leftEdge(BIDEN_BOX))).toBe('red');
    // away from the faces it is the frame itself
    expect(await colourAt(jpeg, 50, 600)).toBe(await colourAt(img.body, 50, 600));
  });

  it('serves it with the API key and no signature, and refuses a request with neither (401)', async () => {
    const withKey = await t.get(`/v1/frames/${frameId}/annotated.jpg`, a.apiKey).expect(200);
    expect((await image(withKey)).width).toBe(1126);
    const none = await t.get(`/v1/frames/${frameId}/annotated.jpg`).expect(401);
    expect(none.body.message).toMatch(/signed annotatedUrl, or send an API key/);
    await t.get(`/v1/frames/${frameId}/annotated.jpg`, 'slk_nope_nope').expect(401);
  });

  it('refuses a tampered, expired, incomplete or borrowed signature with 403 and the reason', async () => {
    const url = new URL(await annotatedUrl());
    const q = Object.fromEntries(url.searchParams) as { t: string; exp: string; sig: string };
    const get = (query: Record<string, string>, id = frameId) =>
      t.get(`/v1/frames/${id}/annotated.jpg?${new URLSearchParams(query)}`).expect(403);

    const flipped = q.sig.startsWith('A') ? `B${q.sig.slice(1)}` : `A${q.sig.slice(1)}`;
    expect((await get({ ...q, sig: flipped })).body.message).toMatch(/invalid signature/);
    expect((await get({ ...q, t: b.tenantId })).body.message).toMatch(/invalid signature/);
    expect((await get({ ...q, exp: String(Number(q.exp) + 3600) })).body.message).toMatch(/invalid signature/);
    expect((await get(q, missingImageFrameId)).body.message).toMatch(/invalid signature/); // another frame's link
    expect((await get({ t: q.t, exp: q.exp })).body.message).toMatch(/incomplete signed link/);
    expect((await get({ ...q, exp: 'soon' })).body.message).toMatch(/malformed/);

    const path = `/v1/frames/${frameId}/annotated.jpg`;
    const expired = signPath(t.cfg.service.urlSecret!, path, a.tenantId, 3600, Date.now() - 3601_000);
    expect((await get({ t: a.tenantId, exp: String(expired.exp), sig: expired.sig })).body.message).toMatch(/expired/);
    const otherSecret = signPath('some-other-secret-of-enough-length', path, a.tenantId);
    expect((await get({ t: a.tenantId, exp: String(otherSecret.exp), sig: otherSecret.sig })).body.message).toMatch(
      /invalid signature/,
    );
  });

  it('answers 404 for another tenant’s frame, an unknown or malformed id, and a frame whose image is gone', async () => {
    await t.get(`/v1/frames/${frameId}/annotated.jpg`, b.apiKey).expect(404);
    await t.get(`/v1/frames/${randomUUID()}/annotated.jpg`, a.apiKey).expect(404);
    await t.get('/v1/frames/frame-1/annotated.jpg', a.apiKey).expect(404);
    // tenant B's own valid link cannot name A's frame either
    const borrowed = signPath(t.cfg.service.urlSecret!, `/v1/frames/${frameId}/annotated.jpg`, b.tenantId);
    await t.get(`/v1/frames/${frameId}/annotated.jpg?${borrowed.query}`).expect(404);
    const gone = await t.get(`/v1/frames/${missingImageFrameId}/annotated.jpg`, a.apiKey).expect(404);
    expect(gone.body.message).toMatch(/no longer stored/);
  });

  it('caches the rendering beside the frame and draws it again once a decision changes', async () => {
    const first = await t.get(`/v1/frames/${frameId}/annotated.jpg`, a.apiKey).expect(200);
    const v1 = String(first.headers.etag).replace(/"/g, '');
    expect(v1).toMatch(/^[0-9a-f]{16}$/);
    expect(cacheKey(v1)).toMatch(
      new RegExp(
        `^t/${a.tenantId}/s/${storeId}/c/${cameraId}/2026/11/28/13/${mediaId}-000000\\.annotated\\.${v1}\\.jpg$`,
      ),
    );
    expect(await t.store.stat(cacheKey(v1))).toMatchObject({ contentType: 'image/jpeg' });

    // served from the cache while nothing changed: a marker put in its place comes back
    const marker = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    await t.store.put(cacheKey(v1), marker, 'image/jpeg');
    const cached = await t.get(`/v1/frames/${frameId}/annotated.jpg`, a.apiKey).expect(200);
    expect(cached.headers.etag).toBe(`"${v1}"`);
    expect(Buffer.compare(cached.body as Buffer, marker)).toBe(0);

    // classification names Biden: a new version, drawn afresh, his box now green
    await t.seed.decide(a.tenantId, bidenFaceId, { identityId: biden, similarity: 0.58 });
    const redrawn = await t.get(`/v1/frames/${frameId}/annotated.jpg`, a.apiKey).expect(200);
    const v2 = String(redrawn.headers.etag).replace(/"/g, '');
    expect(v2).not.toBe(v1);
    const img = await image(redrawn);
    expect([img.width, img.height]).toEqual([1126, 661]);
    expect(await colourAt(img.body, ...leftEdge(BIDEN_BOX))).toBe('green');
    expect(await t.store.stat(cacheKey(v2))).not.toBeNull();
    expect(await t.store.stat(cacheKey(v1))).toBeNull(); // the superseded rendering is gone

    // deleting an identity un-names its faces in the drawing too
    await t.seed.identities.softDelete(a.tenantId, obama);
    const afterDelete = await image(await t.get(`/v1/frames/${frameId}/annotated.jpg`, a.apiKey).expect(200));
    expect(await colourAt(afterDelete.body, ...leftEdge(OBAMA_BOX))).toBe('red');
  });
});
