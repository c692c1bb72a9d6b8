/**
 * The columns of the hourly rollup (`traffic_hourly`), declared once: the migration creates them, the refresh
 * computes them, the summary and the reporting views read them. Every count is a count of face sightings in one
 * camera and one UTC hour; staff are counted in `staff_faces` and left out of the demographic columns.
 */

/** Age bands by the age rounded as the API labels show it; the last one is open-ended. */
export const AGE_BANDS = [
  { label: '0-9', column: 'age_0_9', min: 0, max: 10 },
  { label: '10-19', column: 'age_10_19', min: 10, max: 20 },
  { label: '20-29', column: 'age_20_29', min: 20, max: 30 },
  { label: '30-39', column: 'age_30_39', min: 30, max: 40 },
  { label: '40-49', column: 'age_40_49', min: 40, max: 50 },
  { label: '50-59', column: 'age_50_59', min: 50, max: 60 },
  { label: '60+', column: 'age_60_plus', min: 60, max: null },
] as const;
export type AgeBand = (typeof AGE_BANDS)[number]['label'];

export const GENDERS = ['female', 'male'] as const;
export const EMOTION_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

/** SQL: the band label of an age column (rounded as Math.round), NULL when the age is unknown. */
export function ageBandSql(age: string): string {
  const r = `floor(${age} + 0.5)`;
  const cases = AGE_BANDS.map((b) =>
    b.max === null
      ? `WHEN ${r} >= ${b.min} THEN '${b.label}'`
      : `WHEN ${r} >= ${b.min} AND ${r} < ${b.max} THEN '${b.label}'`,
  );
  return `CASE ${cases.join(' ')} END`;
}

/** SQL predicate: the rounded age falls in the band. */
export function inBandSql(age: string, b: (typeof AGE_BANDS)[number]): string {
  const r = `floor(${age} + 0.5)`;
  return b.max === null ? `${r} >= ${b.min}` : `${r} >= ${b.min} AND ${r} < ${b.max}`;
}

export interface RollupColumn {
  name: string;
  description: string;
  /** SQL aggregate over the sightings `s` of one bucket (s.identity_id, s.category, s.age, …) */
  aggregate: string;
}

const notStaff = `s.category IS DISTINCT FROM 'staff'`;

/** Every count column of traffic_hourly, in table order. */
export const ROLLUP_COUNTS: RollupColumn[] = [
  { name: 'faces', description: 'face sightings, staff included', aggregate: 'count(*)' },
  {
    name: 'identified',
    description: 'faces named as an enrolled identity (members, staff, watchlist)',
    aggregate: 'count(*) FILTER (WHERE s.identity_id IS NOT NULL)',
  },
  {
    name: 'unknown',
    description: 'faces classified as unknown (anonymous visitors)',
    aggregate: 'count(*) FILTER (WHERE s.decided_at IS NOT NULL AND s.identity_id IS NULL)',
  },
  {
    name: 'pending',
    description: 'faces not classified yet',
    aggregate: 'count(*) FILTER (WHERE s.decided_at IS NULL)',
  },
  {
    name: 'member_faces',
    description: 'faces of loyalty members',
    aggregate: `count(*) FILTER (WHERE s.category = 'member')`,
  },
  { name: 'staff_faces', description: 'faces of staff', aggregate: `count(*) FILTER (WHERE s.category = 'staff')` },
  {
    name: 'watchlist_faces',
    description: 'faces of watchlisted identities',
    aggregate: `count(*) FILTER (WHERE s.category = 'watchlist')`,
  },
  ...GENDERS.map((g) => ({
    name: g,
    description: `non-staff faces estimated ${g}`,
    aggregate: `count(*) FILTER (WHERE ${notStaff} AND s.gender = '${g}')`,
  })),
  ...AGE_BANDS.map((b) => ({
    name: b.column,
    description: `non-staff faces with an estimated age of ${b.label} years`,
    aggregate: `count(*) FILTER (WHERE ${notStaff} AND ${inBandSql('s.age', b)})`,
  })),
  ...GENDERS.flatMap((g) =>
    AGE_BANDS.map((b) => ({
      name: `${g}_${b.column}`,
      description: `non-staff faces estimated ${g}, aged ${b.label}`,
      aggregate: `count(*) FILTER (WHERE ${notStaff} AND s.gender = '${g}' AND ${inBandSql('s.age', b)})`,
    })),
  ),
  ...EMOTION_LABELS.map((e) => ({
    name: `emotion_${e}`,
    description: `non-staff faces whose most likely emotion is ${e}`,
    aggregate: `count(*) FILTER (WHERE ${notStaff} AND s.emotion = '${e}')`,
  })),
  {
    name: 'people',
    description:
      'distinct non-staff people (enrolled identities and anonymous visitor ids) at this camera in this hour',
    aggregate: `count(DISTINCT coalesce(s.identity_id, s.visitor_id)) FILTER (WHERE ${notStaff})`,
  },
];
