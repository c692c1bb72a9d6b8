import { dwellByZone, matchTransactions, robustAge, voteGender, type CameraPlace } from '@storelens/tracking';
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

/** To one decimal, as every duration and age the shopper API shows. */
export const round1 = (x: number) => Math.round(x * 10) / 10;

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
  const storeOf = new Map(visits.map((v) => [v.id, v.storeId]));
  const checkout = tracks
    .filter((t) => places.get(t.cameraId)?.kind === 'checkout')
    .map((t) => ({
      visitId: t.visitId,
      cameraId: t.cameraId,
      startedAt: t.startedAt.getTime(),
      endedAt: t.endedAt.getTime(),
      intervalMs: t.intervalMs,
    }));
  // a sale matches a visit of its own store only (a till of another store is not where it was paid)
  const checkoutOf = groupBy(checkout, (c) => storeOf.get(c.visitId) ?? '');
  const matched = new Map<string, string>();
  for (const [storeId, storeSales] of groupBy(sales, (s) => s.storeId)) {
    const found = matchTransactions(
      storeSales.map((s) => ({ id: s.id, at: s.at.getTime(), checkoutCameraId: s.checkoutCameraId })),
      checkoutOf.get(storeId) ?? [],
      transactionMatchMs,
    );
    for (const [saleId, visitId] of found) matched.set(saleId, visitId);
  }
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
