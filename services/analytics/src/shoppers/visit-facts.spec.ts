import { randomUUID } from 'node:crypto';
import { TransactionRepository, VisitFactsRepository, type TransactionRow } from '@storelens/db';
import { AGE_BANDS, ageBand, percentile, periodOf, robustAge, voteGender, type AgeBand } from '@storelens/tracking';
import { startAnalyticsTestApp, type AnalyticsTestApp } from '../test-support';
import type { VisitView } from './shopper-analytics';
import { ShoppersReadRepository } from './shoppers.read-repository';
import { CONTEXT_MS, VisitBuilder } from './visit-builder';

// The shopper aggregates (traffic, demographics, zones, conversion) are sums over per-visit facts kept current by
// triggers (real Postgres). Their answers must equal what building every visit one by one and aggregating in memory
// says, for a random chain of two stores in two time zones, before and after the raw rows change under them.

// ---- the oracle: every visit built from its tracks, faces and sales, then aggregated in memory ----
type TrafficGroupBy = 'hour' | 'day' | 'none';

/**
 * Visits per period of the store's time zone; a person counts once per period however often they came. The occupancy
 * peak of a period is the most visits of one store in progress at one instant of it (within the range), counting
 * every visit of the store (`around`: those that started earlier too): a visit is in progress from its start to its
 * end, one of no length at its instant. The count only rises at the range's start, at a period's start (every period
 * starts on a quarter hour) and at a visit's start, so those instants are enough.
 */
function traffic(
  visits: readonly VisitView[],
  around: readonly VisitView[],
  timeZone: string,
  by: TrafficGroupBy,
  from: number,
  to: number,
) {
  const periods = groupBy(visits, (v) => periodOf(v.startedAt.getTime(), timeZone, by));
  const instants = [from, ...visits.map((v) => v.startedAt.getTime())];
  for (let x = Math.ceil(from / 900_000) * 900_000; x < to; x += 900_000) instants.push(x);
  const peaks = new Map<string, number>();
  for (const [, vs] of groupBy(around, (v) => v.storeId)) {
    for (const x of instants) {
      const n = vs.filter((v) => {
        const s = v.startedAt.getTime();
        const e = v.endedAt.getTime();
        return (s <= x && x < e) || (s === e && s === x);
      }).length;
      const p = periodOf(x, timeZone, by);
      peaks.set(p, Math.max(peaks.get(p) ?? 0, n));
    }
  }
  return [...periods]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([period, vs]) => {
      const people = new Set(vs.map((v) => v.personKey));
      const returningPeople = new Set(vs.filter((v) => v.returning).map((v) => v.personKey));
      return {
        period,
        visits: vs.length,
        uniqueVisitors: people.size,
        newVisitors: [...people].filter((p) => !returningPeople.has(p)).length,
        returningVisitors: returningPeople.size,
        members: new Set(vs.filter((v) => v.identity).map((v) => v.personKey)).size,
        anonymous: new Set(vs.filter((v) => !v.identity).map((v) => v.personKey)).size,
        occupancyPeak: peaks.get(period) ?? 0,
      };
    });
}

/**
 * Who came, each person once: their faces over all their visits (`every`: in the range or not) vote one gender and
 * give one robust age, whatever the number of frames they were in.
 */
function demographics(visits: readonly VisitView[], every: readonly VisitView[]) {
  const came = new Set(visits.map((v) => v.personKey));
  const people = groupBy(
    every.filter((v) => came.has(v.personKey)),
    (v) => v.personKey,
  );
  const byGender: Record<'female' | 'male' | 'unknown', number> = { female: 0, male: 0, unknown: 0 };
  const byAgeBand = Object.fromEntries([...AGE_BANDS, 'unknown'].map((b) => [b, 0])) as Record<
    AgeBand | 'unknown',
    number
  >;
  const matrix: Record<'female' | 'male' | 'unknown', Record<AgeBand | 'unknown', number>> = {
    female: { ...byAgeBand },
    male: { ...byAgeBand },
    unknown: { ...byAgeBand },
  };
  for (const vs of people.values()) {
    const faces = vs.flatMap((v) => v.faces);
    const gender = voteGender(faces)?.label ?? 'unknown';
    const band = ageBand(robustAge(faces.map((f) => f.age)));
    byGender[gender]++;
    byAgeBand[band]++;
    matrix[gender][band]++;
  }
  return { visitors: people.size, byGender, byAgeBand, matrix };
}

/** Zones ranked by how many visits reached them (the hot spots), with dwell percentiles and emotions. */
function zones(visits: readonly VisitView[]) {
  const byZone = new Map<string, { kind: string; dwell: number[]; emotions: Record<string, number> }>();
  for (const v of visits) {
    for (const z of v.zones) {
      const entry = byZone.get(z.zone) ?? { kind: z.kind, dwell: [], emotions: {} };
      // a zone several stores name alike: the first kind by name
      if (z.kind < entry.kind) entry.kind = z.kind;
      entry.dwell.push(z.dwellS);
      for (const [e, n] of Object.entries(v.zoneEmotions[z.zone] ?? {}))
        entry.emotions[e] = (entry.emotions[e] ?? 0) + n;
      byZone.set(z.zone, entry);
    }
  }
  return [...byZone]
    .map(([zone, z]) => ({
      zone,
      kind: z.kind,
      visits: z.dwell.length,
      shareOfVisits: visits.length ? round3(z.dwell.length / visits.length) : 0,
      dwellP50S: round1(percentile(z.dwell, 0.5) ?? 0),
      dwellP90S: round1(percentile(z.dwell, 0.9) ?? 0),
      emotions: z.emotions,
    }))
    .sort((a, b) => b.visits - a.visits || b.dwellP50S - a.dwellP50S || (a.zone < b.zone ? -1 : 1));
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Where a dwell can lie once kept in the histogram: exactly itself below ten minutes (the API shows tenths of a
 * second), within its bin 1 % wide above.
 */
function dwellBounds(s: number): [number, number] {
  if (s < 600) return [s, s];
  const lo = 600 * 1.01 ** Math.floor(Math.log(s / 600) / Math.log(1.01));
  return [lo, lo * 1.01];
}

/**
 * The expected zones, with the answer's dwell percentiles where they lie between the percentiles of every dwell at
 * the bottom and at the top of its bin (what the histogram promises); anything further stays as expected, so the
 * comparison fails.
 */
function dwellWithin<Z extends { zone: string; dwellP50S: number; dwellP90S: number }>(
  want: { visits: number; zones: Z[] },
  dwell: ReadonlyMap<string, number[]>,
  got: { zones: Z[] },
) {
  const within = (x: number, values: readonly number[], p: number) =>
    x >=
      round1(
        percentile(
          values.map((v) => dwellBounds(v)[0]),
          p,
        ) ?? 0,
      ) -
        0.05 &&
    x <=
      round1(
        percentile(
          values.map((v) => dwellBounds(v)[1]),
          p,
        ) ?? 0,
      ) +
        0.05;
  return {
    ...want,
    zones: want.zones.map((z) => {
      const g = got.zones.find((x) => x.zone === z.zone);
      const values = dwell.get(z.zone) ?? [];
      if (!g) return z;
      return {
        ...z,
        dwellP50S: within(g.dwellP50S, values, 0.5) ? g.dwellP50S : z.dwellP50S,
        dwellP90S: within(g.dwellP90S, values, 0.9) ? g.dwellP90S : z.dwellP90S,
      };
    }),
  };
}

/**
 * Conversion: visits with a matched sale over visits, when the stores sent sales for the range; otherwise visits
 * that reached a checkout zone over visits (basis says which). Segments split the same count.
 */
function conversion(visits: readonly VisitView[], sales: readonly TransactionRow[]) {
  const basis: 'transactions' | 'checkout' = sales.length > 0 ? 'transactions' : 'checkout';
  const converted = (v: VisitView) => (basis === 'transactions' ? v.converted : v.reachedCheckout);
  const rate = (vs: readonly VisitView[]) => {
    const c = vs.filter(converted).length;
    return { visits: vs.length, converted: c, rate: vs.length ? round3(c / vs.length) : 0 };
  };
  const segment = (key: (v: VisitView) => string) =>
    Object.fromEntries([...groupBy(visits, key)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, vs]) => [k, rate(vs)]));
  const matchedSales = visits.flatMap((v) => v.transactions);
  return {
    ...rate(visits),
    basis,
    transactions: sales.length,
    matchedTransactions: matchedSales.length,
    revenue: Math.round(matchedSales.reduce((s, t) => s + t.amount, 0) * 100) / 100,
    bySegment: {
      membership: segment((v) => (v.identity ? 'member' : 'anonymous')),
      visitor: segment((v) => (v.returning ? 'returning' : 'new')),
      gender: segment((v) => v.gender?.label ?? 'unknown'),
      ageBand: segment((v) => ageBand(v.age)),
    },
  };
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
}
const round1 = (x: number) => Math.round(x * 10) / 10;

/** A deterministic random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('shopper aggregates from visit facts (real Postgres)', () => {
  let t: AnalyticsTestApp;
  let key: string;
  let tenantId: string;
  const stores: { id: string; cameras: { id: string; role: string }[] }[] = [];
  const rnd = random(20261201);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

  beforeAll(async () => {
    t = await startAnalyticsTestApp();
    const { seed } = t;
    const a = await seed.tenant('Chain');
    key = a.apiKey;
    tenantId = a.tenantId;
    for (const [name, timezone] of [
      ['Berlin', 'Europe/Berlin'],
      ['New York', 'America/New_York'],
    ] as const) {
      const store = await seed.stores.create(tenantId, { name, timezone });
      const cameras = [];
      for (const [cam, role, zone] of [
        ['door', 'entrance', 'Entrance'],
        ['aisle 1', 'floor', 'Floor'],
        ['aisle 2', 'floor', 'Floor'],
        ['promo', 'promotion', null],
        ['till', 'checkout', 'Checkout'],
      ] as const)
        cameras.push(await seed.cameras.create(tenantId, { storeId: store.id, name: cam, role, zone }));
      stores.push({ id: store.id, cameras: cameras.map((c) => ({ id: c.id, role: c.role })) });
    }
    const members = [];
    for (const name of ['Ada', 'Grace'])
      members.push((await seed.identities.create(tenantId, { name, category: 'member' })).id);
    const people = [
      ...members.map((id) => ({ key: `identity:${id}`, identityId: id as string | null })),
      ...Array.from({ length: 10 }, () => {
        const id = randomUUID();
        return { key: `visitor:${id}`, identityId: null as string | null };
      }),
    ];
    const day0 = Date.UTC(2026, 10, 27);
    // random visits, then a crowd in the first store around 10:00 UTC on the 28th (where a range below starts), in
    // progress across that instant: the occupancy there counts visits that began before the range
    const crowd = [9.8, 9.85, 9.9, 9.95, 10.05].map((h) => day0 + 86_400_000 + h * 3_600_000);
    for (let i = 0; i < 48 + crowd.length; i++) {
      const crowded = i >= 48;
      const store = crowded ? stores[0]! : pick(stores);
      const person = pick(people);
      // some near midnight UTC, where a store's day and the UTC day differ and facts of two days meet
      const start = crowded
        ? crowd[i - 48]!
        : day0 + Math.floor(rnd() * 4) * 86_400_000 + (rnd() < 0.3 ? 23.5 * 3_600_000 : rnd() * 86_400_000);
      const visitId = randomUUID();
      const tracks = [];
      let offset = 0;
      for (let k = 0, n = 1 + Math.floor(rnd() * 3); k < n; k++) {
        const camera = k === n - 1 && rnd() < 0.5 ? store.cameras[4]! : pick(store.cameras);
        const trackStart = start + offset;
        const duration = (crowded ? 1_200_000 : 5_000) + Math.floor(rnd() * 300) * 1000;
        offset += Math.floor(rnd() * 200_000);
        const faces = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
          rnd() < 0.15
            ? {}
            : {
                attributes: {
                  age: Math.round((5 + rnd() * 70) * 10) / 10,
                  gender: rnd() < 0.5 ? ('female' as const) : ('male' as const),
                  emotion: pick(['happy', 'neutral', 'sad', 'surprise', 'angry']),
                },
              },
        );
        const seeded = await seed.mediaWith(
          tenantId,
          { cameraId: camera.id, storeId: store.id, capturedAt: new Date(trackStart), frameCount: 1 },
          [{ index: 0, status: 'done', faces }],
        );
        const faceIds = seeded.faces[0]!.map((f) => f.id);
        // the gender confidence varies, so the weighted vote is not a head count
        for (const id of faceIds)
          await t.dataSource.query(
            `UPDATE faces SET gender_confidence = $3 WHERE tenant_id = $1 AND id = $2 AND gender IS NOT NULL`,
            [tenantId, id, Math.round((0.5 + rnd() * 0.5) * 100) / 100],
          );
        tracks.push({ id: randomUUID(), camera, start: trackStart, end: trackStart + duration, faceIds });
      }
      const startedAt = Math.min(...tracks.map((x) => x.start));
      const endedAt = Math.max(...tracks.map((x) => x.end));
      await t.dataSource.query(
        `INSERT INTO visits (id, tenant_id, store_id, person_key, visitor_id, identity_id, started_at, ended_at, track_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          visitId,
          tenantId,
          store.id,
          person.key,
          person.identityId ? null : person.key.slice('visitor:'.length),
          person.identityId,
          new Date(startedAt),
          new Date(endedAt),
          tracks.length,
        ],
      );
      for (const tr of tracks) {
        await t.dataSource.query(
          `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                               face_count, centroid, model_id, person_key, visit_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1000, $8, array_fill(0.1, ARRAY[128])::vector, 'test', $9, $10)`,
          [
            tr.id,
            tenantId,
            store.id,
            tr.camera.id,
            tr.faceIds[0],
            new Date(tr.start),
            new Date(tr.end),
            tr.faceIds.length,
            person.key,
            visitId,
          ],
        );
        await t.dataSource.query(`UPDATE faces SET track_id = $2 WHERE tenant_id = $1 AND id = ANY($3)`, [
          tenantId,
          tr.id,
          tr.faceIds,
        ]);
        // a sale at the till while (or soon after) the person is there; some name the till, some do not
        if (tr.camera.role === 'checkout' && rnd() < 0.7)
          await t.dataSource.query(
            `INSERT INTO transactions (tenant_id, store_id, at, amount, currency, checkout_camera_id)
             VALUES ($1, $2, $3, $4, 'EUR', $5)`,
            [
              tenantId,
              store.id,
              new Date(tr.end - 2000 + Math.floor(rnd() * 60_000)),
              Math.round(rnd() * 10000) / 100,
              rnd() < 0.5 ? tr.camera.id : null,
            ],
          );
      }
    }
    // and sales nobody in view made
    for (let i = 0; i < 5; i++)
      await t.dataSource.query(
        `INSERT INTO transactions (tenant_id, store_id, at, amount, currency) VALUES ($1, $2, $3, 5, 'EUR')`,
        [tenantId, pick(stores).id, new Date(day0 + rnd() * 4 * 86_400_000)],
      );
  });

  afterAll(async () => {
    await t?.close();
  });

  /** What the endpoints answered before visit facts existed: every visit in the range built and aggregated. */
  async function expected(storeId: string | undefined, from: Date, to: Date) {
    const transactions = new TransactionRepository(t.dataSource);
    const storeRows = await t.app.get(ShoppersReadRepository).stores(tenantId, storeId);
    const storeIds = storeRows.map((s) => s.id);
    const builder = t.app.get(VisitBuilder);
    const visits = await builder.build(tenantId, storeIds, from.getTime(), to.getTime());
    const around = await builder.build(tenantId, storeIds, from.getTime() - CONTEXT_MS, to.getTime());
    const allStores = (await t.app.get(ShoppersReadRepository).stores(tenantId)).map((x) => x.id);
    const every = await builder.build(tenantId, allStores, Date.UTC(2026, 10, 20), Date.UTC(2026, 11, 10));
    const inRange = (await Promise.all(storeIds.map((id) => transactions.between(tenantId, id, from, to)))).flat();
    const timezone = storeRows.length === 1 ? storeRows[0]!.timezone : 'UTC';
    return {
      visits,
      traffic: (by: TrafficGroupBy) => ({
        timezone,
        counts: 'visitors',
        groups: traffic(visits, around, timezone, by, from.getTime(), to.getTime()),
      }),
      demographics: { counts: 'visitors', ...demographics(visits, every) },
      zones: { visits: visits.length, zones: zones(visits) },
      dwell: new Map(
        [
          ...groupBy(
            visits.flatMap((v) => v.zones),
            (z) => z.zone,
          ),
        ].map(([z, zs]) => [z, zs.map((x) => x.dwellS)]),
      ),
      conversion: conversion(visits, inRange),
    };
  }

  const scopes = () => [
    {
      what: 'the first store over four days',
      storeId: stores[0]!.id,
      from: '2026-11-27T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
    },
    {
      what: 'both stores over four days',
      storeId: undefined,
      from: '2026-11-27T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
    },
    {
      what: 'the second store over its own day',
      storeId: stores[1]!.id,
      from: '2026-11-28T05:00:00Z',
      to: '2026-11-29T05:00:00Z',
    },
    {
      what: 'both stores over three days and more, cut at odd instants',
      storeId: undefined,
      from: '2026-11-27T07:20:00Z',
      to: '2026-11-30T13:45:00Z',
    },
    {
      what: 'both stores over an odd hour range',
      storeId: undefined,
      from: '2026-11-28T10:00:00Z',
      to: '2026-11-29T23:30:00Z',
    },
  ];

  async function compareAll(): Promise<number> {
    let compared = 0;
    for (const s of scopes()) {
      const q = `from=${s.from}&to=${s.to}${s.storeId ? `&storeId=${s.storeId}` : ''}`;
      const want = await expected(s.storeId, new Date(s.from), new Date(s.to));
      for (const by of ['hour', 'day', 'none'] as const) {
        const got = (await t.get(`/v1/analytics/traffic?${q}&groupBy=${by}`, key).expect(200)).body;
        expect({ scope: s.what, by, ...got }).toEqual({ scope: s.what, by, ...want.traffic(by) });
      }
      const demo = (await t.get(`/v1/analytics/demographics?${q}`, key).expect(200)).body;
      expect({ scope: s.what, ...demo }).toEqual({ scope: s.what, ...want.demographics });
      const zs = (await t.get(`/v1/analytics/zones?${q}`, key).expect(200)).body;
      expect({ scope: s.what, ...zs }).toEqual({ scope: s.what, ...dwellWithin(want.zones, want.dwell, zs) });
      const conv = (await t.get(`/v1/analytics/conversion?${q}`, key).expect(200)).body;
      expect({ scope: s.what, ...conv }).toEqual({ scope: s.what, ...want.conversion });
      compared += want.visits.length;
    }
    return compared;
  }

  it('answers exactly what building every visit says, for every scope and grouping', async () => {
    const compared = await compareAll();
    // the data are not trivial: visits in every scope, returning people, members, sales matched and not
    expect(compared).toBeGreaterThan(40);
    // the crowd: visits that began before the odd range count in its first hour's occupancy
    const odd = (
      await t
        .get(`/v1/analytics/traffic?from=2026-11-28T10:00:00Z&to=2026-11-29T23:30:00Z&groupBy=hour`, key)
        .expect(200)
    ).body;
    expect(odd.groups[0]).toMatchObject({ period: '2026-11-28T10:00', visits: 1, occupancyPeak: 5 });
    const [{ n, returning, bought }] = await t.dataSource.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE is_returning)::int AS returning,
              count(*) FILTER (WHERE sales > 0)::int AS bought FROM visit_facts WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(n).toBe(53);
    expect(returning).toBeGreaterThan(5);
    expect(bought).toBeGreaterThan(3);
    expect(await new VisitFactsRepository(t.dataSource).dirtyCount(tenantId)).toBe(0);
  });

  it('follows the raw rows as they change: faces, visits, sales, a camera’s zone and a store’s clock', async () => {
    // attributes arrive late and change
    await t.dataSource.query(
      `UPDATE faces SET age = age + 11, gender = CASE gender WHEN 'male' THEN 'female' ELSE 'male' END
       WHERE tenant_id = $1 AND id IN (SELECT id FROM faces WHERE tenant_id = $1 AND gender IS NOT NULL ORDER BY id LIMIT 15)`,
      [tenantId],
    );
    // a visit is regrouped away (its tracks lose it), another person's first visit disappears
    const [gone] = await t.dataSource.query(
      `SELECT id, person_key FROM visits WHERE tenant_id = $1 ORDER BY started_at LIMIT 1`,
      [tenantId],
    );
    await t.dataSource.query(`DELETE FROM visits WHERE tenant_id = $1 AND id = $2`, [tenantId, gone.id]);
    // a late sale at a till where someone stood
    const [till] = await t.dataSource.query(
      `SELECT t.store_id, t.camera_id, t.ended_at FROM tracks t JOIN cameras c ON c.id = t.camera_id
       WHERE t.tenant_id = $1 AND c.role = 'checkout' AND t.visit_id IS NOT NULL ORDER BY t.started_at DESC LIMIT 1`,
      [tenantId],
    );
    await t.dataSource.query(
      `INSERT INTO transactions (tenant_id, store_id, at, amount, currency, checkout_camera_id) VALUES ($1, $2, $3, 42.5, 'EUR', $4)`,
      [tenantId, till.store_id, till.ended_at, till.camera_id],
    );
    // the promotion stand becomes part of the floor; the second store's clock moves
    await t.dataSource.query(`UPDATE cameras SET zone = 'Floor' WHERE tenant_id = $1 AND name = 'promo'`, [tenantId]);
    await t.dataSource.query(`UPDATE stores SET timezone = 'America/Los_Angeles' WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      stores[1]!.id,
    ]);
    expect(await new VisitFactsRepository(t.dataSource).dirtyCount(tenantId)).toBeGreaterThan(0);
    await compareAll();
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM visit_facts WHERE tenant_id = $1`, [
      tenantId,
    ]);
    expect(n).toBe(52);
  });

  it('keeps nothing of a person whose visits are all erased', async () => {
    const [{ person_key: person }] = await t.dataSource.query(
      `SELECT person_key FROM visits WHERE tenant_id = $1 AND person_key LIKE 'identity:%' LIMIT 1`,
      [tenantId],
    );
    const [{ had }] = await t.dataSource.query(
      `SELECT count(*)::int AS had FROM visit_people WHERE tenant_id = $1 AND person_key = $2`,
      [tenantId, person],
    );
    expect(had).toBe(1);
    await t.dataSource.query(`DELETE FROM visits WHERE tenant_id = $1 AND person_key = $2`, [tenantId, person]);
    const traces = async () =>
      (
        await t.dataSource.query(
          `SELECT (SELECT count(*) FROM visit_facts WHERE person_key = $1)::int
                  + (SELECT count(*) FROM visit_facts_person_dirty WHERE person_key = $1)::int
                  + (SELECT count(*) FROM visit_people WHERE person_key = $1)::int
                  + (SELECT count(*) FROM visit_people_dirty WHERE person_key = $1)::int AS n`,
          [person],
        )
      )[0].n;
    // gone at once, before any refresh
    expect(await traces()).toBe(0);
    await compareAll();
    expect(await traces()).toBe(0);
  });

  it('keeps the facts of the tenant it answers for: another tenant sees none of them', async () => {
    const other = await t.seed.tenant('Other');
    const zs = (
      await t.get(`/v1/analytics/zones?from=2026-11-27T00:00:00Z&to=2026-12-01T00:00:00Z`, other.apiKey).expect(200)
    ).body;
    expect(zs).toEqual({ visits: 0, zones: [] });
    const tr = (
      await t
        .get(`/v1/analytics/traffic?from=2026-11-27T00:00:00Z&to=2026-12-01T00:00:00Z&groupBy=none`, other.apiKey)
        .expect(200)
    ).body;
    expect(tr.groups).toEqual([]);
  });
});
