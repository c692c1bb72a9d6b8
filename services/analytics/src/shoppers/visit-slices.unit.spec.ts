import { percentile } from '@storelens/tracking';
import {
  buildSlice,
  cellOf,
  dwellBin,
  ENTRY_BYTES,
  histogramPercentile,
  mergeDemographics,
  mergeTraffic,
  mergeZones,
  occupancyPeaks,
  type SliceVisit,
} from './visit-slices';

const at = (hhmm: string) => Date.parse(`2026-11-28T${hhmm}:00Z`);
// the store's clock one hour ahead of UTC
const label = (t: number) => ({ utcHour: new Date(t).getUTCHours(), localHour: (new Date(t).getUTCHours() + 1) % 24 });
const span = (storeId: string) => ({
  storeId,
  utcDay: '2026-11-28',
  localDay: '2026-11-28',
  lo: at('00:00'),
  hi: at('23:00'),
});

function visit(personNo: number, start: string, end: string, more: Partial<SliceVisit> = {}): SliceVisit {
  const startedAt = at(start);
  return {
    visitId: `${personNo}-${start}`,
    personNo,
    cell: cellOf('female', 34),
    identified: false,
    returning: false,
    startedAt,
    endedAt: at(end),
    utcHour: new Date(startedAt).getUTCHours(),
    localHour: (new Date(startedAt).getUTCHours() + 1) % 24,
    gender: 'female',
    age: 34,
    reachedCheckout: false,
    sales: 0,
    revenue: 0,
    ...more,
  };
}

describe('store-day slices', () => {
  it('finds the occupancy peak of each hour, counting visits that began before the span', () => {
    const visits = [
      { startedAt: at('09:50'), endedAt: at('10:05') }, // began before the span
      { startedAt: at('10:00'), endedAt: at('10:10') },
      { startedAt: at('10:05'), endedAt: at('10:20') }, // starts as the first ends: they do not overlap
      { startedAt: at('10:30'), endedAt: at('10:30') }, // no length: counts at its instant
      { startedAt: at('11:10'), endedAt: at('11:50') },
      { startedAt: at('11:20'), endedAt: at('11:25') },
      { startedAt: at('11:25'), endedAt: at('11:40') },
    ];
    // (UTC hour, store hour, peak)
    expect(occupancyPeaks({ lo: at('10:00'), hi: at('12:00') }, visits, label)).toEqual([10, 11, 2, 11, 12, 2]);
    // a span starting at 10:07 sees the second and third visit, not the first
    expect(occupancyPeaks({ lo: at('10:07'), hi: at('10:15') }, visits, label)).toEqual([10, 11, 2]);
    expect(occupancyPeaks({ lo: at('12:00'), hi: at('13:00') }, visits, label)).toEqual([]);
  });

  it('counts a person once per period across stores, with their visits, returning and membership', () => {
    const a = buildSlice(
      span('a'),
      [visit(1, '10:00', '10:20'), visit(1, '10:30', '10:40', { returning: true }), visit(2, '10:10', '10:20')],
      [],
      [],
      label,
    );
    const b = buildSlice(
      span('b'),
      [visit(1, '15:00', '15:10'), visit(3, '15:00', '15:05', { identified: true })],
      [],
      [],
      label,
    );
    expect(mergeTraffic([a, b], 'day', false)).toEqual([
      {
        period: '2026-11-28',
        visits: 5,
        uniqueVisitors: 3,
        returningVisitors: 1,
        members: 1,
        anonymous: 2,
        occupancyPeak: 0,
      },
    ]);
    const hours = mergeTraffic([a, b], 'hour', true).map((g) => [g.period, g.visits, g.uniqueVisitors]);
    expect(hours).toEqual([
      ['2026-11-28T11:00', 3, 2],
      ['2026-11-28T16:00', 2, 2],
    ]);
    expect(mergeTraffic([a, b], 'none', false)[0]).toMatchObject({ period: 'all', visits: 5, uniqueVisitors: 3 });
  });

  it('keeps the exact number of visits of a person seen more than 255 times in one hour', () => {
    const many = Array.from({ length: 600 }, () => visit(7, '10:00', '10:01'));
    const s = buildSlice(span('a'), many, [], [], label);
    expect(s.people.length).toBe(3 * ENTRY_BYTES);
    expect(mergeTraffic([s], 'none', false)[0]).toMatchObject({ visits: 600, uniqueVisitors: 1 });
  });

  it('counts each person once in their own cell', () => {
    const s1 = buildSlice(
      span('a'),
      [visit(1, '10:00', '10:10'), visit(2, '10:00', '10:10', { cell: cellOf('male', 70) })],
      [],
      [],
      label,
    );
    const s2 = buildSlice(
      span('b'),
      [visit(1, '12:00', '12:10'), visit(3, '12:00', '12:10', { cell: cellOf('unknown', null) })],
      [],
      [],
      label,
    );
    // person 1 came to both stores: once
    expect(mergeDemographics([s1, s2]).sort((x, y) => (x.gender < y.gender ? -1 : 1))).toEqual([
      { gender: 'female', ageBand: '30-39', people: 1 },
      { gender: 'male', ageBand: '60+', people: 1 },
      { gender: 'unknown', ageBand: 'unknown', people: 1 },
    ]);
  });

  it('gives the exact dwell percentiles below ten minutes, and within 1 % above', () => {
    const short = [3.5, 12, 12, 47.2, 120.1, 599.9];
    const hist = new Map<number, number>();
    for (const d of short) hist.set(dwellBin(d), (hist.get(dwellBin(d)) ?? 0) + 1);
    for (const p of [0.5, 0.9]) expect(histogramPercentile(hist, p)).toBeCloseTo(percentile(short, p)!, 9);
    const long = [700, 1500, 3600, 7200];
    const h2 = new Map<number, number>();
    for (const d of long) h2.set(dwellBin(d), (h2.get(dwellBin(d)) ?? 0) + 1);
    const want = percentile(long, 0.9)!;
    expect(Math.abs(histogramPercentile(h2, 0.9)! - want) / want).toBeLessThan(0.01);
  });

  it('sums zones over slices: visits, emotions and dwell', () => {
    const z = (visitId: string, zone: string, dwellS: number) => ({
      visitId,
      zone,
      kind: zone === 'Till' ? 'checkout' : 'floor',
      dwellS,
      emotions: [0, 0, 0, 2, 0, 0, 1],
    });
    const v1 = visit(1, '10:00', '10:10');
    const v2 = visit(2, '10:00', '10:10');
    const s1 = buildSlice(span('a'), [v1], [], [z(v1.visitId, 'Floor', 30), z(v1.visitId, 'Till', 60)], label);
    const s2 = buildSlice(span('b'), [v2], [], [z(v2.visitId, 'Floor', 50), z('not-in-slice', 'Floor', 999)], label);
    expect(mergeZones([...s1.zones, ...s2.zones]).sort((a, b) => (a.zone < b.zone ? -1 : 1))).toEqual([
      { zone: 'Floor', kind: 'floor', visits: 2, dwellP50S: 40, dwellP90S: 48, emotions: { happy: 4, neutral: 2 } },
      { zone: 'Till', kind: 'checkout', visits: 1, dwellP50S: 60, dwellP90S: 60, emotions: { happy: 2, neutral: 1 } },
    ]);
  });
});
