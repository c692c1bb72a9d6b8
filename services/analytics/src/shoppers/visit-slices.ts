import { EMOTIONS } from '@storelens/contracts';
import { AGE_BANDS, ageBand, type AgeBand } from '@storelens/tracking';

/**
 * Store-day slices of the visit facts (see the migration `visit-slices`): what one store's visits that started in one
 * span (a UTC day and a day of the store's clock in common, or a part of one at a range's edge) add up to, in a form
 * that sums exactly over any set of stores and whole spans:
 * - people: an 8-byte entry per person and hour (person number, UTC hour, store hour, flags and demographic cell,
 *   visits), so distinct people per period are counted by the reader, not summed;
 * - occupancy peaks per (UTC hour, store hour) piece;
 * - zones (visits, faces per emotion, dwell histogram) and conversion cells, which add up.
 * Building one and reading many are both here, so the rows written and the rows read agree by construction.
 */

export const ENTRY_BYTES = 8;
const RETURNING = 1 << 5;
const IDENTIFIED = 1 << 6;
const CELL_MASK = 0x1f;
const QUARTER_MS = 15 * 60_000;

export type Gender = 'female' | 'male' | 'unknown';
const GENDERS: readonly Gender[] = ['unknown', 'female', 'male'];
const BANDS: readonly (AgeBand | 'unknown')[] = [...AGE_BANDS, 'unknown'];

/** A person's demographic cell: gender (0 unknown, 1 female, 2 male) * 8 + age band (AGE_BANDS, 7 unknown). */
export function cellOf(gender: Gender, age: number | null): number {
  return GENDERS.indexOf(gender) * 8 + BANDS.indexOf(ageBand(age));
}
export function genderOfCell(cell: number): Gender {
  return GENDERS[Math.floor(cell / 8)] ?? 'unknown';
}
export function bandOfCell(cell: number): AgeBand | 'unknown' {
  return BANDS[cell % 8] ?? 'unknown';
}

/** Where a span lies: one store, [lo, hi) within one UTC day and one day of the store's clock. */
export interface SliceSpan {
  storeId: string;
  utcDay: string;
  localDay: string;
  lo: number;
  hi: number;
}

/** One visit's facts, as a slice needs them. */
export interface SliceVisit {
  visitId: string;
  personNo: number;
  cell: number;
  identified: boolean;
  returning: boolean;
  startedAt: number;
  endedAt: number;
  utcHour: number;
  localHour: number;
  /** the visit's own gender vote and robust age (conversion segments are per visit) */
  gender: 'female' | 'male' | null;
  age: number | null;
  reachedCheckout: boolean;
  sales: number;
  revenue: number;
}

export interface SliceZoneVisit {
  visitId: string;
  zone: string;
  kind: string;
  dwellS: number;
  /** faces per emotion, in the order of EMOTIONS */
  emotions: readonly number[];
}

export interface ZoneSlice {
  zone: string;
  kind: string;
  visits: number;
  emotions: number[];
  bins: number[];
  counts: number[];
}

export interface ConversionSlice {
  identified: boolean;
  returning: boolean;
  gender: Gender;
  ageBand: string;
  visits: number;
  bought: number;
  reachedCheckout: number;
  sales: number;
  revenue: number;
}

export interface Slice extends SliceSpan {
  visits: number;
  people: Buffer;
  /** (UTC hour, store hour, peak) triples */
  peaks: number[];
  zones: ZoneSlice[];
  conversion: ConversionSlice[];
}

/**
 * Dwell to a histogram bin: tenths of a second below ten minutes (the API's own resolution, so percentiles there are
 * exact), then bins 1 % wide.
 */
export function dwellBin(s: number): number {
  if (!(s > 0)) return 0;
  if (s < 600) return Math.round(s * 10);
  return Math.min(32767, 6000 + Math.floor(Math.log(s / 600) / Math.log(1.01)));
}
/** [lower, upper) of a bin; below ten minutes a bin is one value. */
function binRange(b: number): [number, number] {
  if (b < 6000) return [b / 10, b / 10];
  return [600 * 1.01 ** (b - 6000), 600 * 1.01 ** (b - 5999)];
}

/**
 * Percentile with linear interpolation (as percentile_cont and `percentile` of @storelens/tracking) over a histogram;
 * values inside a wide bin are taken as spread evenly through it.
 */
export function histogramPercentile(hist: ReadonlyMap<number, number>, p: number): number | null {
  const bins = [...hist].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const valueAt = (rank: number) => {
    let before = 0;
    for (const [b, n] of bins) {
      if (rank < before + n) {
        const [lo, hi] = binRange(b);
        return lo + ((rank - before + 0.5) / n) * (hi - lo);
      }
      before += n;
    }
    return binRange(bins[bins.length - 1]![0])[1];
  };
  const pos = (total - 1) * p;
  const lo = Math.floor(pos);
  const a = valueAt(lo);
  return a + (valueAt(Math.ceil(pos)) - a) * (pos - lo);
}

/**
 * The most visits in progress at one instant in each piece of [lo, hi) (pieces: quarter hours of UTC, labelled by
 * their UTC hour and store hour), over every visit of the store that overlaps the span: a visit is in progress from
 * its start to its end, one that ends when another starts does not overlap it, and one of no length counts at its
 * instant. Only pieces with someone in progress are returned.
 */
export function occupancyPeaks(
  span: Pick<SliceSpan, 'lo' | 'hi'>,
  visits: readonly { startedAt: number; endedAt: number }[],
  label: (pieceStart: number) => { utcHour: number; localHour: number },
): number[] {
  // doubled time, so that a visit of no length occupies [2s, 2s + 1)
  const events: [number, number][] = [];
  for (const v of visits) {
    const s = 2 * v.startedAt;
    const e = Math.max(2 * v.endedAt, s + 1);
    if (s < 2 * span.hi && e > 2 * span.lo) events.push([s, 1], [e, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const byLabel = new Map<string, [number, number, number]>();
  let i = 0;
  let now = 0;
  for (let a = span.lo; a < span.hi;) {
    const b = Math.min(span.hi, (Math.floor(a / QUARTER_MS) + 1) * QUARTER_MS);
    // in progress at the piece's first instant
    while (i < events.length && events[i]![0] <= 2 * a) now += events[i++]![1];
    let peak = now;
    while (i < events.length && events[i]![0] < 2 * b) {
      now += events[i++]![1];
      peak = Math.max(peak, now);
    }
    if (peak > 0) {
      const { utcHour, localHour } = label(a);
      const key = `${utcHour}|${localHour}`;
      const had = byLabel.get(key);
      if (!had) byLabel.set(key, [utcHour, localHour, peak]);
      else had[2] = Math.max(had[2], peak);
    }
    a = b;
  }
  return [...byLabel.values()].flat();
}

/** A span's slice from its visits (those that started in it), the store's visits overlapping it, and zone rows. */
export function buildSlice(
  span: SliceSpan,
  started: readonly SliceVisit[],
  overlapping: readonly { startedAt: number; endedAt: number }[],
  zoneVisits: readonly SliceZoneVisit[],
  label: (pieceStart: number) => { utcHour: number; localHour: number },
): Slice {
  // people: one entry per (person, UTC hour, store hour)
  const entries = new Map<string, { v: SliceVisit; visits: number; returning: boolean }>();
  for (const v of started) {
    const key = `${v.personNo}|${v.utcHour}|${v.localHour}`;
    const e = entries.get(key);
    if (e) {
      e.visits++;
      e.returning ||= v.returning;
    } else entries.set(key, { v, visits: 1, returning: v.returning });
  }
  const chunks: { v: SliceVisit; visits: number; returning: boolean }[] = [];
  for (const e of entries.values()) {
    // a byte of visits per entry: more visits of one person in one hour take several entries
    for (let left = e.visits; left > 0; left -= 255) chunks.push({ ...e, visits: Math.min(255, left) });
  }
  const people = Buffer.alloc(chunks.length * ENTRY_BYTES);
  chunks
    .sort((a, b) => a.v.personNo - b.v.personNo || a.v.utcHour - b.v.utcHour || a.v.localHour - b.v.localHour)
    .forEach((e, k) => {
      const o = k * ENTRY_BYTES;
      people.writeUInt32LE(e.v.personNo, o);
      people.writeUInt8(e.v.utcHour, o + 4);
      people.writeUInt8(e.v.localHour, o + 5);
      people.writeUInt8(
        (e.v.cell & CELL_MASK) | (e.returning ? RETURNING : 0) | (e.v.identified ? IDENTIFIED : 0),
        o + 6,
      );
      people.writeUInt8(e.visits, o + 7);
    });

  const zones = new Map<string, ZoneSlice & { hist: Map<number, number> }>();
  const startedIds = new Set(started.map((v) => v.visitId));
  for (const z of zoneVisits) {
    if (!startedIds.has(z.visitId)) continue;
    const slice = zones.get(z.zone) ?? {
      zone: z.zone,
      kind: z.kind,
      visits: 0,
      emotions: EMOTIONS.map(() => 0),
      bins: [],
      counts: [],
      hist: new Map<number, number>(),
    };
    if (z.kind < slice.kind) slice.kind = z.kind;
    slice.visits++;
    z.emotions.forEach((n, k) => (slice.emotions[k]! += n));
    const b = dwellBin(z.dwellS);
    slice.hist.set(b, (slice.hist.get(b) ?? 0) + 1);
    zones.set(z.zone, slice);
  }

  const cells = new Map<string, ConversionSlice>();
  for (const v of started) {
    const gender: Gender = v.gender ?? 'unknown';
    // the age a visit shows is its robust age to one decimal
    const band = ageBand(v.age === null ? null : Math.round(v.age * 10) / 10);
    const key = `${v.identified}|${v.returning}|${gender}|${band}`;
    const c = cells.get(key) ?? {
      identified: v.identified,
      returning: v.returning,
      gender,
      ageBand: band,
      visits: 0,
      bought: 0,
      reachedCheckout: 0,
      sales: 0,
      revenue: 0,
    };
    c.visits++;
    if (v.sales > 0) c.bought++;
    if (v.reachedCheckout) c.reachedCheckout++;
    c.sales += v.sales;
    c.revenue = Math.round((c.revenue + v.revenue) * 100) / 100;
    cells.set(key, c);
  }

  return {
    ...span,
    visits: started.length,
    people,
    peaks: occupancyPeaks(span, overlapping, label),
    zones: [...zones.values()].map(({ hist, ...z }) => {
      const sorted = [...hist].sort((a, b) => a[0] - b[0]);
      return { ...z, bins: sorted.map(([b]) => b), counts: sorted.map(([, n]) => n) };
    }),
    conversion: [...cells.values()],
  };
}

/** The part of a slice the readers merge: its days, people and peaks. */
export type PeopleSlice = Pick<Slice, 'utcDay' | 'localDay' | 'people' | 'peaks'>;

export interface TrafficGroup {
  period: string;
  visits: number;
  uniqueVisitors: number;
  returningVisitors: number;
  members: number;
  anonymous: number;
  occupancyPeak: number;
}

const hh = (h: number) => String(h).padStart(2, '0');

/**
 * Visits per period (a day or hour of the store's clock when `storeClock`, else of UTC; 'all' when not grouped):
 * people counted once per period across every slice and store, and the highest occupancy of one store in the
 * period. Periods without a visit that started in them are not listed.
 */
export function mergeTraffic(
  slices: readonly PeopleSlice[],
  groupBy: 'hour' | 'day' | 'none',
  storeClock: boolean,
): TrafficGroup[] {
  const periodIndex = new Map<string, number>();
  const periodOf = (day: string, hour: number) =>
    groupBy === 'none' ? 'all' : groupBy === 'day' ? day : `${day}T${hh(hour)}:00`;
  const indexOf = (p: string) => {
    let k = periodIndex.get(p);
    if (k === undefined) periodIndex.set(p, (k = periodIndex.size));
    return k;
  };
  const hourByte = storeClock ? 5 : 4;
  let n = 0;
  let maxPerson = 0;
  for (const s of slices) {
    const b = s.people;
    n += b.length / ENTRY_BYTES;
    for (let o = 0; o < b.length; o += ENTRY_BYTES) maxPerson = Math.max(maxPerson, personAt(b, o));
  }
  // entries ordered by period (whole slices by day; by hour, a counting sort over (slice, offset) pairs), then
  // counted with one stamp a person: a person is new to a period when their stamp is not that period's
  const period = new Int32Array(groupBy === 'hour' ? n : 0);
  const slicePeriod = new Int32Array(slices.length);
  let k = 0;
  slices.forEach((s, i) => {
    const day = storeClock ? s.localDay : s.utcDay;
    const b = s.people;
    if (groupBy !== 'hour') slicePeriod[i] = indexOf(periodOf(day, 0));
    else for (let o = 0; o < b.length; o += ENTRY_BYTES) period[k++] = indexOf(periodOf(day, b[o + hourByte]!));
  });
  const peaks = new Map<number, number>();
  // peaks once every period with a visit is known (a period's visits may come from a slice read later)
  for (const s of slices) {
    const day = storeClock ? s.localDay : s.utcDay;
    for (let j = 0; j + 2 < s.peaks.length; j += 3) {
      const p = periodIndex.get(periodOf(day, s.peaks[j + (storeClock ? 1 : 0)]!));
      if (p !== undefined) peaks.set(p, Math.max(peaks.get(p) ?? 0, s.peaks[j + 2]!));
    }
  }
  const periods = periodIndex.size;
  const start = new Int32Array(periods + 1);
  let sliceOf: Int32Array;
  let offsetOf: Int32Array;
  if (groupBy === 'hour') {
    for (let j = 0; j < n; j++) start[period[j]! + 1]!++;
    for (let p = 0; p < periods; p++) start[p + 1]! += start[p]!;
    // where each entry lives: its slice and byte offset
    sliceOf = new Int32Array(n);
    offsetOf = new Int32Array(n);
    const fill = start.slice(0, periods);
    k = 0;
    slices.forEach((s, i) => {
      for (let o = 0; o < s.people.length; o += ENTRY_BYTES, k++) {
        const at = fill[period[k]!]!++;
        sliceOf[at] = i;
        offsetOf[at] = o;
      }
    });
  } else {
    // whole slices: (slice, -1) stands for every entry of the slice
    for (let i = 0; i < slices.length; i++) start[slicePeriod[i]! + 1]!++;
    for (let p = 0; p < periods; p++) start[p + 1]! += start[p]!;
    sliceOf = new Int32Array(slices.length);
    offsetOf = new Int32Array(slices.length).fill(-1);
    const fill = start.slice(0, periods);
    for (let i = 0; i < slices.length; i++) sliceOf[fill[slicePeriod[i]!]!++] = i;
  }
  const seen = new Int32Array(maxPerson + 1).fill(-1);
  const seenReturning = new Int32Array(maxPerson + 1).fill(-1);
  const labels = [...periodIndex.keys()];
  const out: TrafficGroup[] = [];
  for (let p = 0; p < periods; p++) {
    let visits = 0;
    let uniqueVisitors = 0;
    let returningVisitors = 0;
    let members = 0;
    for (let j = start[p]!; j < start[p + 1]!; j++) {
      const b = slices[sliceOf[j]!]!.people;
      const one = offsetOf[j]!;
      for (let o = one < 0 ? 0 : one; o < (one < 0 ? b.length : one + 1); o += ENTRY_BYTES) {
        const who = personAt(b, o);
        const flags = b[o + 6]!;
        visits += b[o + 7]!;
        if (seen[who] !== p) {
          seen[who] = p;
          uniqueVisitors++;
          if (flags & IDENTIFIED) members++;
        }
        if (flags & RETURNING && seenReturning[who] !== p) {
          seenReturning[who] = p;
          returningVisitors++;
        }
      }
    }
    if (visits > 0)
      out.push({
        period: labels[p]!,
        visits,
        uniqueVisitors,
        returningVisitors,
        members,
        anonymous: uniqueVisitors - members,
        occupancyPeak: peaks.get(p) ?? 0,
      });
  }
  return out.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

/** The person number of the entry at byte `o` (little-endian, below 2^31). */
function personAt(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** People by gender and age band, each person once across every slice (their cell: all their faces, all visits). */
export function mergeDemographics(
  slices: readonly Pick<Slice, 'people'>[],
): { gender: Gender; ageBand: AgeBand | 'unknown'; people: number }[] {
  let maxPerson = 0;
  for (const s of slices)
    for (let o = 0; o < s.people.length; o += ENTRY_BYTES) maxPerson = Math.max(maxPerson, personAt(s.people, o));
  const seen = new Uint8Array(maxPerson + 1);
  const byCell = new Int32Array(CELL_MASK + 1);
  for (const s of slices) {
    const b = s.people;
    for (let o = 0; o < b.length; o += ENTRY_BYTES) {
      const who = personAt(b, o);
      if (seen[who]) continue;
      seen[who] = 1;
      byCell[b[o + 6]! & CELL_MASK]!++;
    }
  }
  return [...byCell]
    .map((people, cell) => ({ gender: genderOfCell(cell), ageBand: bandOfCell(cell), people }))
    .filter((c) => c.people > 0);
}

/** Zones of several slices summed: visits, emotions, and dwell percentiles from the merged histogram. */
export function mergeZones(zs: readonly ZoneSlice[]) {
  const byZone = new Map<string, { kind: string; visits: number; emotions: number[]; hist: Map<number, number> }>();
  for (const z of zs) {
    const m = byZone.get(z.zone) ?? { kind: z.kind, visits: 0, emotions: EMOTIONS.map(() => 0), hist: new Map() };
    if (z.kind < m.kind) m.kind = z.kind;
    m.visits += z.visits;
    z.emotions.forEach((n, k) => (m.emotions[k]! += n));
    z.bins.forEach((b, k) => m.hist.set(b, (m.hist.get(b) ?? 0) + z.counts[k]!));
    byZone.set(z.zone, m);
  }
  return [...byZone].map(([zone, m]) => ({
    zone,
    kind: m.kind,
    visits: m.visits,
    dwellP50S: histogramPercentile(m.hist, 0.5) ?? 0,
    dwellP90S: histogramPercentile(m.hist, 0.9) ?? 0,
    emotions: Object.fromEntries(EMOTIONS.map((e, k) => [e, m.emotions[k]!]).filter(([, n]) => (n as number) > 0)),
  }));
}
