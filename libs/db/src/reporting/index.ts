export * from './roles';
export * from './rollup-columns';

/**
 * The views of the `reporting` schema, the one list that docs/bi.md and the tests check against. A migration that
 * adds a view adds it here too.
 */
export const REPORTING_VIEWS = [
  'stores',
  'cameras',
  'identities',
  'media',
  'faces',
  'hourly_traffic',
  'demographics',
  'visitors_hourly',
  'alerts',
  'tracks',
  'visits',
  'zone_dwell',
  'visit_demographics',
  'transactions',
] as const;
export type ReportingView = (typeof REPORTING_VIEWS)[number];
