import { randomUUID } from 'node:crypto';
import { AggregatesService } from './aggregates/aggregates.service';
import { FacesQuery } from './query-params';
import { startAnalyticsTestApp, type AnalyticsTestApp, type FaceSpec } from './test-support';

// CSV exports of the analytics endpoints (real Postgres): the CSV, parsed back, says exactly what the JSON says, with
// the same filters; sightings are read page by page.

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      records.push(record);
      record = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  const [head, ...rows] = records;
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

const num = (v: string) => (v === '' ? null : Number(v));

describe('analytics: CSV exports (real Postgres)', () => {
  let t: AnalyticsTestApp;
  let key: string;
  let otherKey: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startAnalyticsTestApp();
    const { seed } = t;
    const a = await seed.tenant('Chain A');
    key = a.apiKey;
    otherKey = (await seed.tenant('Chain B')).apiKey;
    const berlin = await seed.store(a.tenantId, 'Berlin, Mitte "Flagship"', ['door', 'floor']);
    ids.store = berlin.store.id;
    [ids.door, ids.floor] = berlin.cameras.map((c) => c.id);
    const eve = (await seed.identities.create(a.tenantId, { name: 'Eve, "E"', category: 'watchlist' })).id;
    const ages = [8, 23, 35, 47, 52, 66, 31];
    const emotions = ['happy', 'neutral', 'sad', 'surprise'];
    for (let h = 0; h < 6; h++) {
      const faces: FaceSpec[] = ages.slice(0, 2 + (h % 5)).map((age, i) => ({
        attributes: { age, gender: i % 2 ? 'male' : 'female', emotion: emotions[(h + i) % emotions.length]! },
        decision: i === 0 && h % 2 ? { identityId: eve, similarity: 0.7 } : { visitorId: randomUUID() },
      }));
      const cameraId = h % 2 ? ids.door! : ids.floor!;
      const seeded = await seed.mediaWith(
        a.tenantId,
        { cameraId, storeId: ids.store!, capturedAt: new Date(Date.UTC(2026, 10, 28, 8 + h, 7 * h)), frameCount: 1 },
        [{ index: 0, status: 'done', faces }],
      );
      if (h % 2)
        await seed.alerts.record(a.tenantId, {
          faceId: seeded.faces[0]![0]!.id,
          identityId: eve,
          cameraId,
          similarity: 0.7,
          seenAt: seeded.media.capturedAt,
        });
      // the shopper side: each hour's faces are one track of one visit (two people come back), and a sale
      const person = `v:person-${h % 4}`;
      const visitId = randomUUID();
      const trackId = randomUUID();
      const at = seeded.media.capturedAt;
      await t.dataSource.query(
        `INSERT INTO visits (id, tenant_id, store_id, person_key, visitor_id, identity_id, started_at, ended_at,
                             track_count)
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $6::timestamptz + interval '95 seconds', 1)`,
        [visitId, a.tenantId, ids.store, person, h === 1 ? eve : null, at],
      );
      await t.dataSource.query(
        `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                             face_count, centroid, model_id, person_key, visit_id)
         VALUES ($1, $2, $3, $4, $5, $6, $6::timestamptz + interval '95 seconds', 1000, $7,
                 array_fill(0.1, ARRAY[128])::vector, 'test', $8, $9)`,
        [trackId, a.tenantId, ids.store, cameraId, seeded.faces[0]![0]!.id, at, faces.length, person, visitId],
      );
      await t.dataSource.query(`UPDATE faces SET track_id = $2 WHERE tenant_id = $1 AND id = ANY($3)`, [
        a.tenantId,
        trackId,
        seeded.faces[0]!.map((x) => x.id),
      ]);
      if (h === 2)
        await t.dataSource.query(
          `INSERT INTO transactions (tenant_id, store_id, at, amount, currency) VALUES ($1, $2, $3, 19.99, 'EUR')`,
          [a.tenantId, ids.store, new Date(at.getTime() + 60_000)],
        );
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  const both = async (path: string) => {
    const json = (await t.get(path, key).expect(200)).body;
    const csvRes = await t.get(`${path}${path.includes('?') ? '&' : '?'}format=csv`, key).expect(200);
    expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
    return { json, csv: parseCsv(csvRes.text) };
  };

  it.each(['none', 'hour', 'day', 'camera', 'store'])('summary groupBy=%s: CSV equals JSON', async (groupBy) => {
    const { json, csv } = await both(
      `/v1/analytics/summary?from=2026-11-28T07:30:00Z&to=2026-11-28T13:00:00Z&groupBy=${groupBy}`,
    );
    expect(json.groups.length).toBeGreaterThan(0);
    expect(csv).toHaveLength(json.groups.length);
    json.groups.forEach((g: any, i: number) => {
      const c = csv[i]!;
      if (groupBy === 'hour') expect(c.hour).toBe(g.hour);
      if (groupBy === 'day') expect(c.day).toBe(g.day);
      if (groupBy === 'camera')
        expect([c.cameraId, c.cameraName, c.storeName]).toEqual([g.cameraId, g.cameraName, g.storeName]);
      if (groupBy === 'store') expect([c.storeId, c.storeName]).toEqual([g.storeId, g.storeName]);
      expect({
        faces: num(c.faces!),
        identified: num(c.identified!),
        unknown: num(c.unknown!),
        pending: num(c.pending!),
        visitors: {
          unique: num(c.visitorsUnique!),
          identified: num(c.visitorsIdentified!),
          anonymous: num(c.visitorsAnonymous!),
        },
        staff: { faces: num(c.staffFaces!), people: num(c.staffPeople!) },
        gender: { female: num(c.female!), male: num(c.male!) },
        ageBands: Object.fromEntries(Object.keys(g.ageBands).map((b) => [b, num(c[`age ${b}`]!)])),
        emotions: Object.fromEntries(Object.keys(g.emotions).map((e) => [e, num(c[`emotion ${e}`]!)])),
      }).toEqual({
        faces: g.faces,
        identified: g.identified,
        unknown: g.unknown,
        pending: g.pending,
        visitors: g.visitors,
        staff: g.staff,
        gender: g.gender,
        ageBands: g.ageBands,
        emotions: g.emotions,
      });
    });
  });

  it('the same filters apply (store, camera, zone-less range edges) and Accept: text/csv chooses CSV', async () => {
    const path = `/v1/analytics/summary?from=2026-11-28T08:30:00Z&to=2026-11-28T11:30:00Z&cameraId=${ids.door}`;
    const json = (await t.get(path, key).expect(200)).body;
    const res = await t.get(path, key).set('Accept', 'text/csv').expect(200);
    const [row] = parseCsv(res.text);
    expect(num(row!.faces!)).toBe(json.groups[0].faces);
    expect(json.groups[0].faces).toBeGreaterThan(0);
    // another tenant asking for this tenant's camera gets 404, in CSV as in JSON, never a summary of zeros
    const other = await t.get(`${path}&format=csv`, otherKey).expect(404);
    expect(other.body.message).toBe('camera not found');
    const faces = `/v1/analytics/faces?from=2026-11-28T08:30:00Z&to=2026-11-28T11:30:00Z&cameraId=${ids.door}`;
    expect((await t.get(`${faces}&format=csv`, otherKey).expect(404)).body.message).toBe('camera not found');
  });

  it('alerts: CSV equals JSON, with quoting of names that hold commas and quotes', async () => {
    const { json, csv } = await both('/v1/alerts');
    expect(json).toHaveLength(3);
    // the signed links are made per request (their expiry moves with the clock): compare the frame they point to
    const frame = (url: string) => new URL(url).pathname;
    expect(
      csv.map((r) => [r.id, r.seenAt, r.identityName, r.storeName, num(r.similarity!), frame(r.annotatedUrl!)]),
    ).toEqual(
      json.map((a: any) => [a.id, a.seenAt, a.identity.name, a.store.name, a.similarity, frame(a.annotatedUrl)]),
    );
    expect(csv[0]!.identityName).toBe('Eve, "E"');
  });

  it('media list: CSV equals JSON', async () => {
    const { json, csv } = await both(`/v1/media?cameraId=${ids.floor}`);
    expect(json).toHaveLength(3);
    expect(csv.map((r) => [r.id, r.status, r.capturedAt, r.cameraId])).toEqual(
      json.map((m: any) => [m.id, m.status, m.capturedAt, m.cameraId]),
    );
  });

  it('faces: CSV equals JSON with the same filters; the export reads page by page', async () => {
    const range = 'from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z';
    const { json, csv } = await both(`/v1/analytics/faces?${range}&storeId=${ids.store}`);
    expect(json).toHaveLength(2 + 3 + 4 + 5 + 6 + 2);
    expect(csv.map((r) => [r.id, r.seenAt, r.status, r.identityId || null, num(r.age!), r.gender, r.emotion])).toEqual(
      json.map((f: any) => [f.id, f.seenAt, f.status, f.identityId, f.age, f.gender, f.emotion]),
    );
    const limited = await both(`/v1/analytics/faces?${range}&cameraId=${ids.door}&limit=4`);
    expect(limited.json).toHaveLength(4);
    expect(limited.csv.map((r) => r.id)).toEqual(limited.json.map((f: any) => f.id));
    // pages of 5 rows give the same rows as one page
    const service = t.app.get(AggregatesService);
    const tenantId =
      json[0] && (await t.dataSource.query(`SELECT tenant_id FROM faces WHERE id = $1`, [json[0].id]))[0].tenant_id;
    const q = FacesQuery.parse({ from: '2026-11-28T00:00:00Z', to: '2026-11-29T00:00:00Z' });
    const paged = [];
    for await (const row of service.faces(tenantId, q, 5)) paged.push(row.id);
    expect(paged).toEqual(json.map((f: any) => f.id));
    await t.get(`/v1/analytics/faces?${range}&limit=20000`, key).expect(400);
    await t.get(`/v1/analytics/faces?${range}&limit=20000&format=csv`, key).expect(200);
  });

  describe('shopper answers: CSV equals JSON', () => {
    const range = () => `from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z&storeId=${ids.store}`;

    it('visits: one row per visit', async () => {
      const { json, csv } = await both(`/v1/visits?${range()}`);
      expect(json.items).toHaveLength(6);
      expect(
        csv.map((r) => [r.id, r.startedAt, num(r.durationS!), r.returning, r.identityName || null, r.zones, r.gender]),
      ).toEqual(
        json.items.map((v: any) => [
          v.id,
          v.startedAt,
          v.durationS,
          String(v.returning),
          v.identity?.name ?? null,
          v.zones.map((z: any) => `${z.zone}:${z.dwellS}`).join('; '),
          v.gender?.label ?? '',
        ]),
      );
      expect(csv.filter((r) => r.returning === 'true')).toHaveLength(2);
    });

    it.each(['hour', 'day', 'none'])('traffic groupBy=%s', async (groupBy) => {
      const { json, csv } = await both(`/v1/analytics/traffic?${range()}&groupBy=${groupBy}`);
      expect(json.groups.length).toBeGreaterThan(0);
      expect(
        csv.map((r) => ({
          period: r.period,
          visits: num(r.visits!),
          uniqueVisitors: num(r.uniqueVisitors!),
          newVisitors: num(r.newVisitors!),
          returningVisitors: num(r.returningVisitors!),
          members: num(r.members!),
          anonymous: num(r.anonymous!),
          occupancyPeak: num(r.occupancyPeak!),
        })),
      ).toEqual(json.groups);
      expect(csv.every((r) => r.timezone === json.timezone)).toBe(true);
    });

    it('demographics: the gender x age band matrix', async () => {
      const { json, csv } = await both(`/v1/analytics/demographics?${range()}`);
      expect(json.visitors).toBe(4);
      const matrix: Record<string, Record<string, number>> = {};
      for (const r of csv) (matrix[r.gender!] ??= {})[r.ageBand!] = num(r.visitors!)!;
      expect(matrix).toEqual(json.matrix);
    });

    it('zones: one row per zone, emotions as columns', async () => {
      const { json, csv } = await both(`/v1/analytics/zones?${range()}`);
      expect(json.zones.length).toBe(2);
      expect(
        csv.map((r) => ({
          zone: r.zone,
          kind: r.kind,
          visits: num(r.visits!),
          shareOfVisits: num(r.shareOfVisits!),
          dwellP50S: num(r.dwellP50S!),
          dwellP90S: num(r.dwellP90S!),
          emotions: Object.fromEntries(
            Object.entries(r)
              .filter(([k, v]) => k.startsWith('emotion_') && v !== '0')
              .map(([k, v]) => [k.slice('emotion_'.length), num(v)]),
          ),
        })),
      ).toEqual(json.zones);
    });

    it('conversion: the overall rate, then every segment', async () => {
      const { json, csv } = await both(`/v1/analytics/conversion?${range()}`);
      expect(json.basis).toBe('transactions');
      expect(json.transactions).toBe(1);
      const rate = (r: Record<string, string>) => ({
        visits: num(r.visits!),
        converted: num(r.converted!),
        rate: num(r.rate!),
      });
      expect(rate(csv[0]!)).toEqual({ visits: json.visits, converted: json.converted, rate: json.rate });
      const segments: Record<string, Record<string, unknown>> = {};
      for (const r of csv.slice(1)) (segments[r.segment!] ??= {})[r.value!] = rate(r);
      expect(segments).toEqual(json.bySegment);
      expect(csv.every((r) => r.basis === 'transactions')).toBe(true);
    });

    it('a person’s visits, and Accept: text/csv', async () => {
      const eve = (await t.dataSource.query(`SELECT id FROM identities WHERE name = 'Eve, "E"'`))[0].id;
      const path = `/v1/identities/${eve}/visits?from=2026-11-01&to=2026-11-30`;
      const json = (await t.get(path, key).expect(200)).body;
      const csv = parseCsv((await t.get(path, key).set('Accept', 'text/csv').expect(200)).text);
      expect(json.items).toHaveLength(1);
      expect(csv.map((r) => [r.id, r.identityName])).toEqual([[json.items[0].id, 'Eve, "E"']]);
    });
  });
});
