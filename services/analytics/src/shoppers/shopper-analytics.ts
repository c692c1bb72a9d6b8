import {
  AGE_BANDS,
  ageBand,
  dwellByZone,
  matchTransactions,
  occupancyPeak,
  percentile,
  periodOf,
  robustAge,
  voteGender,
  type AgeBand,
  type CameraPlace,
} from '@storelens/tracking';
import type { TransactionRow } from '@storelens/db';
import type { CameraRecord, VisitFaceRecord, VisitRecord, VisitTrackRecord } from './shoppers.read-repository';

/** A visit with everything the API says about it. */
export interface VisitView {
  id: string;
  storeId: string;
  personKey: string;
  visitorId: string | null;
  identity: VisitRecord['identity'];
  startedAt: Date;
  endedAt: Date;
  durationS: number;
  returning: boolean;
  converted: boolean;
  reachedCheckout: boolean;
  zones: { zone: string; kind: string; dwellS: number }[];
  gender: { label: 'female' | 'male'; confidence: number } | null;
  age: number | null;
  /** Faces per dominant emotion over the visit. */
  emotions: Record<string, number>;
  /** Per zone: faces per dominant emotion there. */
  zoneEmotions: Record<string, Record<string, number>>;
  transactions: { id: string; at: Date; amount: number; currency: string | null }[];
  /** Faces behind the estimates (for pooling a person's several visits). */
  faces: VisitFaceRecord[];
}

/** Where each camera is: its zone (cameras without one are a zone of their own, by name) and the zone's kind. */
export function placesOf(cameras: readonly CameraRecord[]): Map<string, CameraPlace> {
  const kindOfZone = new Map<string, string>();
  for (const c of cameras) {
    const zone = `${c.storeId}|${c.zone ?? c.name}`;
    // a zone with a checkout camera is a checkout zone; otherwise its first camera (by name) says what it is
    if (!kindOfZone.has(zone) || c.role === 'checkout') kindOfZone.set(zone, c.role);
  }
  return new Map(
    cameras.map((c) => [c.id, { zone: c.zone ?? c.name, kind: kindOfZone.get(`${c.storeId}|${c.zone ?? c.name}`)! }]),
  );
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Joins visits with their tracks, faces, the store layout and the sales into what the API reports. */
export function buildVisits(
  visits: readonly VisitRecord[],
  tracks: readonly VisitTrackRecord[],
  faces: readonly VisitFaceRecord[],
  cameras: readonly CameraRecord[],
  sales: readonly TransactionRow[],
  transactionMatchMs: number,
): VisitView[] {
  const places = placesOf(cameras);
  const tracksOf = groupBy(tracks, (t) => t.visitId);
  const facesOf = groupBy(faces, (f) => f.visitId);
  const checkout = tracks
    .filter((t) => places.get(t.cameraId)?.kind === 'checkout')
    .map((t) => ({
      visitId: t.visitId,
      cameraId: t.cameraId,
      startedAt: t.startedAt.getTime(),
      endedAt: t.endedAt.getTime(),
      intervalMs: t.intervalMs,
    }));
  const matched = matchTransactions(
    sales.map((s) => ({ id: s.id, at: s.at.getTime(), checkoutCameraId: s.checkoutCameraId })),
    checkout,
    transactionMatchMs,
  );
  const salesOf = new Map<string, TransactionRow[]>();
  for (const s of sales) {
    const visitId = matched.get(s.id);
    if (visitId) salesOf.set(visitId, [...(salesOf.get(visitId) ?? []), s]);
  }
  return visits.map((v) => {
    const own = tracksOf.get(v.id) ?? [];
    const zones = dwellByZone(
      own.map((t) => ({
        trackId: t.id,
        cameraId: t.cameraId,
        startedAt: t.startedAt.getTime(),
        endedAt: t.endedAt.getTime(),
        intervalMs: t.intervalMs,
      })),
      (id) => places.get(id),
    );
    const visitFaces = facesOf.get(v.id) ?? [];
    const zoneEmotions: Record<string, Record<string, number>> = {};
    for (const f of visitFaces) {
      const zone = places.get(f.cameraId)?.zone;
      if (!zone || !f.emotion) continue;
      const counts = (zoneEmotions[zone] ??= {});
      counts[f.emotion] = (counts[f.emotion] ?? 0) + 1;
    }
    const purchases = salesOf.get(v.id) ?? [];
    return {
      id: v.id,
      storeId: v.storeId,
      personKey: v.personKey,
      visitorId: v.visitorId,
      identity: v.identity,
      startedAt: v.startedAt,
      endedAt: v.endedAt,
      durationS: round1((v.endedAt.getTime() - v.startedAt.getTime()) / 1000),
      returning: v.returning,
      converted: purchases.length > 0,
      reachedCheckout: zones.some((z) => z.kind === 'checkout'),
      zones: zones.map((z) => ({ zone: z.zone, kind: z.kind, dwellS: round1(z.dwellMs / 1000) })),
      gender: voteGender(visitFaces),
      age: roundAge(robustAge(visitFaces.map((f) => f.age))),
      emotions: countBy(visitFaces, (f) => f.emotion),
      zoneEmotions,
      transactions: purchases.map((s) => ({ id: s.id, at: s.at, amount: s.amount, currency: s.currency })),
      faces: visitFaces,
    };
  });
}

const roundAge = (a: number | null) => (a === null ? null : round1(a));

export type TrafficGroupBy = 'hour' | 'day' | 'none';

export interface TrafficGroup {
  period: string;
  visits: number;
  uniqueVisitors: number;
  newVisitors: number;
  returningVisitors: number;
  members: number;
  anonymous: number;
  occupancyPeak: number;
}

/** Visits per period of the store's time zone; a person counts once per period however often they came. */
export function traffic(visits: readonly VisitView[], timeZone: string, by: TrafficGroupBy): TrafficGroup[] {
  const periods = groupBy(visits, (v) => periodOf(v.startedAt.getTime(), timeZone, by));
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
        occupancyPeak: occupancyPeak(
          vs.map((v) => ({ startedAt: v.startedAt.getTime(), endedAt: v.endedAt.getTime() })),
        ),
      };
    });
}

/**
 * Who came, each person once: their faces over all their visits in the range vote one gender and give one robust
 * age, whatever the number of frames they were in.
 */
export function demographics(visits: readonly VisitView[]) {
  const people = groupBy(visits, (v) => v.personKey);
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
export function zones(visits: readonly VisitView[]) {
  const byZone = new Map<string, { kind: string; dwell: number[]; emotions: Record<string, number> }>();
  for (const v of visits) {
    for (const z of v.zones) {
      const entry = byZone.get(z.zone) ?? { kind: z.kind, dwell: [], emotions: {} };
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
 * Conversion: visits with a matched sale over visits, when the stores sent sales for the range; otherwise visits
 * that reached a checkout zone over visits (basis says which). Segments split the same count.
 */
export function conversion(visits: readonly VisitView[], sales: readonly TransactionRow[]) {
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
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

function countBy<T>(xs: readonly T[], key: (x: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) {
    const k = key(x);
    if (k) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
