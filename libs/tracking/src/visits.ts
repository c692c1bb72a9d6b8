/** One track as visit building sees it: a person in view of one camera from startedAt to endedAt. */
export interface Sighting {
  trackId: string;
  cameraId: string;
  startedAt: number;
  /** The last frame the person was in. */
  endedAt: number;
  /** The camera's sampling interval: each frame stands for this much time in view. */
  intervalMs: number;
}

/** A visit: one person's sightings in one store with no gap longer than the visit gap. Keyed by its first track. */
export interface GroupedVisit<S extends Sighting = Sighting> {
  firstTrackId: string;
  sightings: S[];
  startedAt: number;
  /** When the person was last in view (the last frame plus its interval). */
  endedAt: number;
}

const inViewUntil = (s: Sighting) => s.endedAt + s.intervalMs;

function bySighting(a: Sighting, b: Sighting): number {
  return a.startedAt - b.startedAt || (a.trackId < b.trackId ? -1 : a.trackId > b.trackId ? 1 : 0);
}

/**
 * Groups one person's sightings in one store into visits: a gap of more than `gapMs` between being in view and
 * being in view again starts a new visit. Order independent: the result is a function of the set of sightings.
 */
export function groupVisits<S extends Sighting>(sightings: readonly S[], gapMs: number): GroupedVisit<S>[] {
  const visits: GroupedVisit<S>[] = [];
  for (const s of [...sightings].sort(bySighting)) {
    const last = visits[visits.length - 1];
    if (last && s.startedAt - last.endedAt <= gapMs) {
      last.sightings.push(s);
      last.endedAt = Math.max(last.endedAt, inViewUntil(s));
    } else {
      visits.push({ firstTrackId: s.trackId, sightings: [s], startedAt: s.startedAt, endedAt: inViewUntil(s) });
    }
  }
  return visits;
}

/** Total length of the union of half-open intervals [from, to). */
export function unionLength(intervals: readonly [number, number][]): number {
  let total = 0;
  let curFrom = -Infinity;
  let curTo = -Infinity;
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (from > curTo) {
      if (curTo > curFrom) total += curTo - curFrom;
      [curFrom, curTo] = [from, to];
    } else curTo = Math.max(curTo, to);
  }
  if (curTo > curFrom) total += curTo - curFrom;
  return total;
}

/** Where a camera is: its zone (cameras of a store with the same zone are one zone) and the zone's kind. */
export interface CameraPlace {
  zone: string;
  kind: string;
}

/**
 * Dwell per zone of one visit: the time the person was in view of any of the zone's cameras (overlapping views
 * of two cameras of one zone count once). Ranked by dwell, longest first.
 */
export function dwellByZone(
  sightings: readonly Sighting[],
  placeOf: (cameraId: string) => CameraPlace | undefined,
): { zone: string; kind: string; dwellMs: number }[] {
  const byZone = new Map<string, { kind: string; intervals: [number, number][] }>();
  for (const s of sightings) {
    const place = placeOf(s.cameraId);
    if (!place) continue;
    const entry = byZone.get(place.zone) ?? { kind: place.kind, intervals: [] };
    entry.intervals.push([s.startedAt, inViewUntil(s)]);
    byZone.set(place.zone, entry);
  }
  return [...byZone]
    .map(([zone, { kind, intervals }]) => ({ zone, kind, dwellMs: unionLength(intervals) }))
    .sort((a, b) => b.dwellMs - a.dwellMs || (a.zone < b.zone ? -1 : 1));
}

/** The value below which the given share of values lie (linear interpolation); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b);
  const pos = (xs.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

export interface SaleToMatch {
  id: string;
  at: number;
  /** When the sale names its till camera, only that camera's sightings match it. */
  checkoutCameraId: string | null;
}

export interface CheckoutSighting {
  visitId: string;
  cameraId: string;
  startedAt: number;
  endedAt: number;
  intervalMs: number;
}

/**
 * Links each sale to the visit seen at a checkout camera closest in time to it, within `windowMs`
 * (0 when the sale happened while the person was in view). Unmatched sales are left out of the result.
 */
export function matchTransactions(
  sales: readonly SaleToMatch[],
  checkout: readonly CheckoutSighting[],
  windowMs: number,
): Map<string, string> {
  const matched = new Map<string, string>();
  for (const sale of sales) {
    let best: { visitId: string; distance: number } | null = null;
    for (const s of checkout) {
      if (sale.checkoutCameraId !== null && s.cameraId !== sale.checkoutCameraId) continue;
      const distance = Math.max(0, s.startedAt - sale.at, sale.at - (s.endedAt + s.intervalMs));
      if (distance > windowMs) continue;
      if (!best || distance < best.distance || (distance === best.distance && s.visitId < best.visitId)) {
        best = { visitId: s.visitId, distance };
      }
    }
    if (best) matched.set(sale.id, best.visitId);
  }
  return matched;
}

/**
 * The reporting period an instant falls in, in the store's time zone: `2026-11-28T14:00` for hours,
 * `2026-11-28` for days, `all` without grouping.
 */
export function periodOf(at: number, timeZone: string, groupBy: 'hour' | 'day' | 'none'): string {
  if (groupBy === 'none') return 'all';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return groupBy === 'day' ? day : `${day}T${parts.hour}:00`;
}
