import { randomUUID } from 'node:crypto';
import { pathOf, startAnalyticsTestApp, type AnalyticsTestApp, type FaceSpec } from './test-support';

// GET /v1/analytics/summary and /v1/alerts on a small hand-counted data set (real Postgres).
//
// Tenant A, 2026-11-28, range [10:00Z, 12:00Z):
//   10:05Z  Berlin / door    Alice (member) 34 F happy · Bob (staff) 45 M neutral · visitor V1 8.6 M happy
//   10:30Z  Berlin / floor   V1 9.6 M surprise · V2 62 F sad             (captured at 11:30+01:00: bucketed in UTC)
//   11:10Z  Hamburg / door   Alice 35 F neutral · Eve (watchlist) 27 F angry · pending 50 M neutral · Bob 46 M happy
// outside it: a sighting at exactly 12:00Z (the end is exclusive), an enrolment photo of Alice at 10:15Z, an Eve
// alert the day before, and tenant B's sighting at 10:10Z.
//
// Staff (Bob) count in faces and identified, and apart under staff; not in visitors, gender, age bands or emotions.
// Ages are banded as the labels round them: 8.6 -> 9 (0-9), 9.6 -> 10 (10-19).

const RANGE = 'from=2026-11-28T10:00:00Z&to=2026-11-28T12:00:00Z';
const bands = (b: Partial<Record<string, number>>) => ({
  '0-9': 0,
  '10-19': 0,
  '20-29': 0,
  '30-39': 0,
  '40-49': 0,
  '50-59': 0,
  '60+': 0,
  ...b,
});

describe('analytics: summary and alerts (real Postgres)', () => {
  let t: AnalyticsTestApp;
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startAnalyticsTestApp();
    const { seed } = t;
    a = await seed.tenant('Chain A');
    b = await seed.tenant('Chain B');
    const berlin = await seed.store(a.tenantId, 'Berlin', ['door', 'floor']);
    const hamburg = await seed.store(a.tenantId, 'Hamburg', ['door']);
    ids.berlin = berlin.store.id;
    ids.hamburg = hamburg.store.id;
    [ids.berlinDoor, ids.berlinFloor] = berlin.cameras.map((c) => c.id);
    ids.hamburgDoor = hamburg.cameras[0]!.id;
    const person = (name: string, category: 'member' | 'staff' | 'watchlist') =>
      seed.identities.create(a.tenantId, { name, category }).then((i) => i.id);
    ids.alice = await person('Alice', 'member');
    ids.bob = await person('Bob', 'staff');
    ids.eve = await person('Eve', 'watchlist');
    const [v1, v2, v3] = [randomUUID(), randomUUID(), randomUUID()];

    const named = (identityId: string, age: number, gender: 'female' | 'male', emotion: string): FaceSpec => ({
      attributes: { age, gender, emotion },
      decision: { identityId, similarity: 0.6 },
    });
    const visitor = (visitorId: string, age: number, gender: 'female' | 'male', emotion: string): FaceSpec => ({
      attributes: { age, gender, emotion },
      decision: { visitorId },
    });
    const sighting = async (tenantId: string, storeId: string, cameraId: string, at: string, faces: FaceSpec[]) => {
      const capturedAt = new Date(at);
      const seeded = await seed.mediaWith(
        tenantId,
        { cameraId, storeId, capturedAt, status: 'processing', frameCount: 1 },
        [{ index: 0, status: 'done', faces }],
      );
      return { frameId: seeded.frames[0]!.id, mediaId: seeded.media.id, faces: seeded.faces[0]!, capturedAt };
    };

    await sighting(a.tenantId, ids.berlin, ids.berlinDoor, '2026-11-28T10:05:00Z', [
      named(ids.alice, 34, 'female', 'happy'),
      named(ids.bob, 45, 'male', 'neutral'),
      visitor(v1, 8.6, 'male', 'happy'),
    ]);
    await sighting(a.tenantId, ids.berlin, ids.berlinFloor, '2026-11-28T11:30:00+01:00', [
      visitor(v1, 9.6, 'male', 'surprise'),
      visitor(v2, 62, 'female', 'sad'),
    ]);
    const hamburgSighting = await sighting(a.tenantId, ids.hamburg, ids.hamburgDoor, '2026-11-28T11:10:00Z', [
      named(ids.alice, 35, 'female', 'neutral'),
      named(ids.eve, 27, 'female', 'angry'),
      { attributes: { age: 50, gender: 'male', emotion: 'neutral' } },
      named(ids.bob, 46, 'male', 'happy'),
    ]);
    await sighting(a.tenantId, ids.berlin, ids.berlinDoor, '2026-11-28T12:00:00Z', [visitor(v3, 30, 'male', 'happy')]);
    await seed.mediaWith(
      a.tenantId,
      { cameraId: null, storeId: null, capturedAt: new Date('2026-11-28T10:15:00Z'), identityId: ids.alice },
      [{ index: 0, status: 'done', faces: [named(ids.alice, 33, 'female', 'neutral')] }],
    );
    const dayBefore = await sighting(a.tenantId, ids.berlin, ids.berlinDoor, '2026-11-27T18:00:00Z', [
      named(ids.eve, 27, 'female', 'neutral'),
    ]);
    // watchlist alerts, as classification records them
    ids.alert = randomUUID();
    await seed.alerts.record(a.tenantId, {
      faceId: hamburgSighting.faces[1]!.id,
      identityId: ids.eve,
      cameraId: ids.hamburgDoor,
      similarity: 0.71,
      seenAt: hamburgSighting.capturedAt,
    });
    await seed.alerts.record(a.tenantId, {
      faceId: dayBefore.faces[0]!.id,
      identityId: ids.eve,
      cameraId: ids.berlinDoor,
      similarity: 0.64,
      seenAt: dayBefore.capturedAt,
    });
    ids.hamburgFrame = hamburgSighting.frameId;
    ids.hamburgMedia = hamburgSighting.mediaId;
    ids.eveFace = hamburgSighting.faces[1]!.id;

    const storeB = await seed.store(b.tenantId, 'Paris', ['door']);
    const mallory = (await seed.identities.create(b.tenantId, { name: 'Mallory', category: 'watchlist' })).id;
    const bSighting = await sighting(b.tenantId, storeB.store.id, storeB.cameras[0]!.id, '2026-11-28T10:10:00Z', [
      { attributes: { age: 40, gender: 'male', emotion: 'happy' }, decision: { identityId: mallory, similarity: 0.8 } },
    ]);
    await seed.alerts.record(b.tenantId, {
      faceId: bSighting.faces[0]!.id,
      identityId: mallory,
      cameraId: storeB.cameras[0]!.id,
      similarity: 0.8,
      seenAt: bSighting.capturedAt,
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const summary = async (query: string) => (await t.get(`/v1/analytics/summary?${query}`, a.apiKey).expect(200)).body;

  // the counts of each hour, as worked out by hand above
  const tenOClock = {
    faces: 5,
    identified: 2,
    unknown: 3,
    pending: 0,
    visitors: { unique: 3, identified: 1, anonymous: 2 },
    staff: { faces: 1, people: 1 },
    gender: { female: 2, male: 2 },
    ageBands: bands({ '0-9': 1, '10-19': 1, '30-39': 1, '60+': 1 }),
    ageByGender: { female: bands({ '30-39': 1, '60+': 1 }), male: bands({ '0-9': 1, '10-19': 1 }) },
    emotions: { happy: 2, sad: 1, surprise: 1 },
  };
  const elevenOClock = {
    faces: 4,
    identified: 3,
    unknown: 0,
    pending: 1,
    visitors: { unique: 2, identified: 2, anonymous: 0 },
    staff: { faces: 1, people: 1 },
    gender: { female: 2, male: 1 },
    ageBands: bands({ '20-29': 1, '30-39': 1, '50-59': 1 }),
    ageByGender: { female: bands({ '20-29': 1, '30-39': 1 }), male: bands({ '50-59': 1 }) },
    emotions: { angry: 1, neutral: 2 },
  };

  it('sums the range in one group: staff apart, visitors counted once however often they were seen', async () => {
    expect(await summary(RANGE)).toEqual({
      counts: 'faces',
      from: '2026-11-28T10:00:00.000Z',
      to: '2026-11-28T12:00:00.000Z',
      groupBy: 'none',
      storeId: null,
      cameraId: null,
      groups: [
        {
          faces: 9,
          identified: 5,
          unknown: 3,
          pending: 1,
          // Alice and Eve; V1 and V2 (V1 seen twice, Alice in two hours): fewer than the hours' 3 + 2
          visitors: { unique: 4, identified: 2, anonymous: 2 },
          staff: { faces: 2, people: 1 },
          gender: { female: 4, male: 3 },
          ageBands: bands({ '0-9': 1, '10-19': 1, '20-29': 1, '30-39': 2, '50-59': 1, '60+': 1 }),
          ageByGender: {
            female: bands({ '20-29': 1, '30-39': 2, '60+': 1 }),
            male: bands({ '0-9': 1, '10-19': 1, '50-59': 1 }),
          },
          emotions: { angry: 1, happy: 2, neutral: 2, sad: 1, surprise: 1 },
        },
      ],
    });
  });

  it('groups by UTC hour', async () => {
    const res = await summary(`${RANGE}&groupBy=hour`);
    expect(res.groups).toEqual([
      { hour: '2026-11-28T10:00:00.000Z', ...tenOClock },
      { hour: '2026-11-28T11:00:00.000Z', ...elevenOClock },
    ]);
  });

  it('groups by camera and by store, with their names', async () => {
    const byCamera = await summary(`${RANGE}&groupBy=camera`);
    expect(
      byCamera.groups.map((g: any) => [g.storeName, g.cameraName, g.faces, g.visitors.unique, g.staff.faces]),
    ).toEqual([
      ['Berlin', 'door', 3, 2, 1],
      ['Berlin', 'floor', 2, 2, 0],
      ['Hamburg', 'door', 4, 2, 1],
    ]);
    expect(byCamera.groups[0]).toMatchObject({ cameraId: ids.berlinDoor, storeId: ids.berlin });

    const byStore = await summary(`${RANGE}&groupBy=store`);
    expect(byStore.groups).toEqual([
      { storeId: ids.berlin, storeName: 'Berlin', ...tenOClock },
      { storeId: ids.hamburg, storeName: 'Hamburg', ...elevenOClock },
    ]);
  });

  it('filters by store and camera', async () => {
    const hamburg = await summary(`${RANGE}&storeId=${ids.hamburg}`);
    expect(hamburg.groups).toEqual([elevenOClock]);
    expect(hamburg.storeId).toBe(ids.hamburg);
    const floor = await summary(`${RANGE}&cameraId=${ids.berlinFloor}`);
    expect(floor.groups[0]).toMatchObject({ faces: 2, visitors: { unique: 2, identified: 0, anonymous: 2 } });
    // a camera of another store than the one asked for: nothing
    expect((await summary(`${RANGE}&storeId=${ids.hamburg}&cameraId=${ids.berlinFloor}`)).groups[0].faces).toBe(0);
  });

  it('includes the start of the range and excludes its end', async () => {
    const lastHour = await summary('from=2026-11-28T11:10:00Z&to=2026-11-28T12:00:00.001Z&groupBy=hour');
    expect(lastHour.groups.map((g: any) => [g.hour, g.faces])).toEqual([
      ['2026-11-28T11:00:00.000Z', 4],
      ['2026-11-28T12:00:00.000Z', 1],
    ]);
  });

  it('answers one group of zeros where nothing was seen, nothing of another tenant, 404 for its store or camera', async () => {
    const empty = await summary('from=2026-01-01&to=2026-01-02');
    expect(empty.groups).toEqual([
      {
        faces: 0,
        identified: 0,
        unknown: 0,
        pending: 0,
        visitors: { unique: 0, identified: 0, anonymous: 0 },
        staff: { faces: 0, people: 0 },
        gender: { female: 0, male: 0 },
        ageBands: bands({}),
        ageByGender: { female: bands({}), male: bands({}) },
        emotions: {},
      },
    ]);
    expect((await summary(`${RANGE}&groupBy=hour`)).groups.map((g: any) => g.faces)).toEqual([5, 4]);
    // another tenant's store or camera is 404, as for an unknown id (never a summary of zeros)
    const asB = await t.get(`/v1/analytics/summary?${RANGE}&storeId=${ids.berlin}`, b.apiKey).expect(404);
    expect(asB.body.message).toBe('store not found');
    await t.get(`/v1/analytics/summary?${RANGE}&cameraId=${ids.berlinDoor}`, b.apiKey).expect(404);
    await t.get(`/v1/analytics/summary?${RANGE}&storeId=${ids.berlin}`, a.apiKey).expect(200);
    const bAll = await t.get(`/v1/analytics/summary?${RANGE}`, b.apiKey).expect(200);
    expect(bAll.body.groups[0]).toMatchObject({ faces: 1, visitors: { unique: 1 } });
  });

  it('defaults to the 24 hours up to now', async () => {
    const res = await summary('');
    expect(new Date(res.to).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(new Date(res.to).getTime() - new Date(res.from).getTime()).toBe(24 * 3600_000);
  });

  it('refuses bad query parameters with 400 and the reason', async () => {
    const reason = async (query: string) =>
      (await t.get(`/v1/analytics/summary?${query}`, a.apiKey).expect(400)).body.message as string;
    expect(await reason('from=yesterday')).toMatch(/^from: "yesterday" is not an ISO 8601 date-time/);
    expect(await reason('from=2026-11-28T10:00:00')).toMatch(/from: .* with a zone/);
    expect(await reason('to=2026-13-01')).toMatch(/^to: /);
    expect(await reason('from=2026-11-29&to=2026-11-28')).toBe('from: must not be after to');
    expect(await reason('from=2024-01-01&to=2026-01-01')).toMatch(/to: must be at most 366 days after from/);
    expect(await reason('groupBy=week')).toMatch(/^groupBy: /);
    expect(await reason('storeId=berlin')).toMatch(/storeId: must be a store id/);
    expect(await reason('cameraId=1')).toMatch(/cameraId: must be a camera id/);
    expect(await reason('group=hour')).toMatch(/unknown query parameter group/);
    expect(await reason('from=2026-11-28&from=2026-11-29')).toMatch(/^from: /);
    await t.get(`/v1/analytics/summary?${RANGE}`).expect(401);
  });

  describe('alerts', () => {
    it('lists watchlist sightings newest first with identity, camera, store, time and similarity', async () => {
      const res = await t.get('/v1/alerts', a.apiKey).expect(200);
      expect(res.body).toHaveLength(2);
      expect(res.body[0]).toEqual({
        id: expect.any(String),
        seenAt: '2026-11-28T11:10:00.000Z',
        similarity: 0.71,
        identity: { id: ids.eve, name: 'Eve', category: 'watchlist' },
        camera: { id: ids.hamburgDoor, name: 'door' },
        store: { id: ids.hamburg, name: 'Hamburg' },
        mediaId: ids.hamburgMedia,
        frameId: ids.hamburgFrame,
        faceId: ids.eveFace,
        annotatedUrl: expect.stringContaining(`/v1/frames/${ids.hamburgFrame}/annotated.jpg?t=${a.tenantId}&`),
      });
      expect(res.body[1]).toMatchObject({ seenAt: '2026-11-27T18:00:00.000Z', store: { name: 'Berlin' } });
    });

    it('filters by since and limit, and shows another tenant only its own', async () => {
      const since = await t.get('/v1/alerts?since=2026-11-28', a.apiKey).expect(200);
      expect(since.body.map((x: any) => x.seenAt)).toEqual(['2026-11-28T11:10:00.000Z']);
      const limited = await t.get('/v1/alerts?limit=1', a.apiKey).expect(200);
      expect(limited.body).toHaveLength(1);
      const asB = await t.get('/v1/alerts', b.apiKey).expect(200);
      expect(asB.body.map((x: any) => x.identity.name)).toEqual(['Mallory']);
    });

    it('refuses bad parameters and a missing key', async () => {
      const bad = await t.get('/v1/alerts?since=last-week', a.apiKey).expect(400);
      expect(bad.body.message).toMatch(/^since: /);
      await t.get('/v1/alerts?limit=501', a.apiKey).expect(400);
      await t.get('/v1/alerts').expect(401);
    });

    it('links to the annotated frame of the sighting', async () => {
      const [alert] = (await t.get('/v1/alerts', a.apiKey).expect(200)).body;
      // the frame has no image in this data set: the link is accepted and the answer is that the image is gone
      const res = await t.get(pathOf(alert.annotatedUrl)).expect(404);
      expect(res.body.message).toMatch(/no longer stored/);
    });
  });
});
