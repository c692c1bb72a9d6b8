import { EMOTION_LABELS } from '@storelens/db';
import type { ConversionDto, DemographicsDto, TrafficDto, VisitDto, ZonesDto } from './shoppers.dto';

// The shopper answers as CSV tables: one row per visit, period, zone or segment, with the JSON answer's numbers
// under the JSON field names (nested objects flattened into columns). Parsed back, they equal the JSON answer.

export interface Table {
  columns: string[];
  rows: Record<string, unknown>[];
}

const emotionColumns = EMOTION_LABELS.map((e) => `emotion_${e}`);
const emotionCells = (counts: Record<string, number>) =>
  Object.fromEntries(EMOTION_LABELS.map((e) => [`emotion_${e}`, counts[e] ?? 0]));

export const VISIT_COLUMNS = [
  'id',
  'storeId',
  'visitorId',
  'identityId',
  'identityName',
  'identityCategory',
  'startedAt',
  'endedAt',
  'durationS',
  'returning',
  'converted',
  'reachedCheckout',
  'zones',
  'gender',
  'genderConfidence',
  'age',
  'transactions',
  'amount',
  ...emotionColumns,
];

/** One row per visit; zones as "zone:dwellS" joined by "; ", the visit's sales as a count and their sum. */
export function visitRows(items: readonly VisitDto[]): Table {
  return {
    columns: VISIT_COLUMNS,
    rows: items.map((v) => ({
      id: v.id,
      storeId: v.storeId,
      visitorId: v.visitorId,
      identityId: v.identity?.id ?? null,
      identityName: v.identity?.name ?? null,
      identityCategory: v.identity?.category ?? null,
      startedAt: v.startedAt,
      endedAt: v.endedAt,
      durationS: v.durationS,
      returning: v.returning,
      converted: v.converted,
      reachedCheckout: v.reachedCheckout,
      zones: v.zones.map((z) => `${z.zone}:${z.dwellS}`).join('; '),
      gender: v.gender?.label ?? null,
      genderConfidence: v.gender?.confidence ?? null,
      age: v.age,
      transactions: v.transactions.length,
      amount: Math.round(v.transactions.reduce((s, t) => s + t.amount, 0) * 100) / 100,
      ...emotionCells(v.emotions),
    })),
  };
}

export function trafficRows(t: TrafficDto): Table {
  return {
    columns: [
      'period',
      'timezone',
      'visits',
      'uniqueVisitors',
      'newVisitors',
      'returningVisitors',
      'members',
      'anonymous',
      'occupancyPeak',
    ],
    rows: t.groups.map((g) => ({ ...g, timezone: t.timezone })),
  };
}

/** One row per gender × age band (the matrix), each person once. */
export function demographicsRows(d: DemographicsDto): Table {
  return {
    columns: ['gender', 'ageBand', 'visitors'],
    rows: Object.entries(d.matrix).flatMap(([gender, bands]) =>
      Object.entries(bands).map(([ageBand, visitors]) => ({ gender, ageBand, visitors })),
    ),
  };
}

export function zoneRows(z: ZonesDto): Table {
  return {
    columns: ['zone', 'kind', 'visits', 'shareOfVisits', 'dwellP50S', 'dwellP90S', ...emotionColumns],
    rows: z.zones.map(({ emotions, ...zone }) => ({ ...zone, ...emotionCells(emotions) })),
  };
}

/** The overall rate first (segment "all"), then one row per segment value. */
export function conversionRows(c: ConversionDto): Table {
  const rows: Record<string, unknown>[] = [
    { segment: 'all', value: 'all', visits: c.visits, converted: c.converted, rate: c.rate },
  ];
  for (const [segment, values] of Object.entries(c.bySegment))
    for (const [value, r] of Object.entries(values)) rows.push({ segment, value, ...r });
  return {
    columns: ['segment', 'value', 'visits', 'converted', 'rate', 'basis'],
    rows: rows.map((r) => ({ ...r, basis: c.basis })),
  };
}
