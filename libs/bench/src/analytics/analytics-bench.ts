import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { config } from '@storelens/config';
import {
  createDataSource,
  RollupRepository,
  runMigrations,
  TenantRepository,
  VisitFactsRepository,
} from '@storelens/db';
import { ManagedProcess } from '@storelens/stack';
import { quantile, round } from '../stats';
import { CHAIN, chainFaces, chainTracks, chainVisits, FULL_SCALE, generateChain, type ChainScale } from './generate';

export const ANALYTICS_BENCH_DB = 'storelens_bench_analytics';
/** The goal for every query's p95 on this machine. */
export const GOAL_P95_MS = 300;

export type AnalyticsScope = '1 store x 1 day' | '50 stores x 1 day' | '1 store x 90 days' | '50 stores x 90 days';

export interface AnalyticsQueryStat {
  query: 'traffic' | 'demographics' | 'zones' | 'conversion';
  /**
   * summary: /v1/analytics/summary (face sightings, from the hourly rollups), with distinct visitors counted exactly
   * (visitors=exact) or left out (visitors=none); shoppers: /v1/analytics/traffic, demographics, zones, conversion
   * (visits of people, read from visits, tracks and their faces)
   */
  api: 'summary visitors=exact' | 'summary visitors=none' | 'shoppers';
  scope: AnalyticsScope;
  /** groups (summary), periods (traffic), zones, or the visits counted */
  groups: number;
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

export interface AnalyticsBenchResult {
  faces: number;
  visits: number;
  tracks: number;
  transactions: number;
  rollupRows: { trafficHourly: number; presenceHourly: number };
  /** null when an earlier run's data were reused */
  generateMs: number | null;
  rollupRebuildMs: number | null;
  /** the marked store days of visit facts the service's background pass recomputed before the queries, and how long
   * that took (every day after a bulk load; null when nothing was marked) */
  factsDays: number;
  factsBuildMs: number | null;
  /** one face changed, its bucket recomputed (the steady-state incremental cost) */
  incrementalRefreshMs: number;
  queries: AnalyticsQueryStat[];
  notes: string[];
}

export interface AnalyticsBenchOptions {
  /** throw the generated chain away and generate it again */
  regenerate?: boolean;
  /** frames per camera-hour; default the full chain (31: 10 million faces) */
  framesPerMedia?: number;
  repeat?: number;
  log?: (line: string) => void;
}

/** What the timed answers hold that the row reports (their size). */
interface Answer {
  groups?: unknown[];
  zones?: unknown[];
  visits?: number;
  visitors?: number;
}

/** A request slower than this is timed once, not repeated (a bench run stays bounded on a shared machine). */
const SLOW_MS = 10_000;

const dbUrl = (name: string) => {
  const u = new URL(config().database.url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function onMaintenance<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: dbUrl('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The `analytics` row of the bench: a chain's results in a database of their own (generated once, reused by later
 * runs), the rollups rebuilt by the platform's own refresh, then the analytics service answering the summary for
 * one store and day and for the whole chain over 90 days, timed over HTTP.
 */
export async function runAnalyticsBench(opts: AnalyticsBenchOptions = {}): Promise<AnalyticsBenchResult> {
  const log = opts.log ?? (() => undefined);
  const repeat = opts.repeat ?? 15;
  const url = dbUrl(ANALYTICS_BENCH_DB);
  const notes: string[] = [];
  const scale: ChainScale = { framesPerMedia: opts.framesPerMedia ?? FULL_SCALE.framesPerMedia };

  const exists = await onMaintenance(
    async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [ANALYTICS_BENCH_DB])).rowCount === 1,
  );
  let ready = false;
  if (exists && !opts.regenerate) {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c
        .query(
          `SELECT (SELECT count(*) FROM traffic_hourly)::int AS n, (SELECT count(*) FROM faces)::int AS faces,
                  (SELECT count(*) FROM tracks)::int AS tracks, EXISTS (SELECT 1 FROM stores WHERE id = $1) AS ids`,
          [storeId(0)],
        )
        .catch(() => null);
      // a chain of an earlier generator (faces only, no tracks or visits; ids that are not UUIDs) is made again
      ready =
        r?.rows[0]?.faces === chainFaces(scale) &&
        r?.rows[0]?.tracks === chainTracks(scale) &&
        r?.rows[0]?.ids === true;
    } finally {
      await c.end();
    }
  }

  const ds = createDataSource(url, { poolSize: 2 });
  let generateMs: number | null = null;
  let rollupRebuildMs: number | null = null;
  if (!ready) {
    await onMaintenance(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${ANALYTICS_BENCH_DB} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${ANALYTICS_BENCH_DB}`);
    });
    await ds.initialize();
    await runMigrations(ds);
    const c = new Client({ connectionString: url });
    await c.connect();
    const t0 = performance.now();
    try {
      log(
        `analytics: generating ${chainFaces(scale).toLocaleString('en')} faces, up to ${chainVisits().toLocaleString('en')} visits`,
      );
      await generateChain(
        c,
        (d) => {
          if (d % 10 === 9) log(`analytics: ${d + 1}/${CHAIN.days} days generated`);
        },
        scale,
      );
    } finally {
      await c.end();
    }
    generateMs = performance.now() - t0;
  } else {
    await ds.initialize();
    // a chain generated before a newer migration gets it (the visit facts and their triggers, say)
    await runMigrations(ds);
    notes.push('reused the chain generated by an earlier run (--analytics-regenerate makes it again)');
  }
  const buckets = CHAIN.stores * CHAIN.camerasPerStore * CHAIN.days * CHAIN.openHours;
  const [have] = await ds.query(
    `SELECT (SELECT count(*) FROM traffic_hourly)::int AS n, (SELECT count(*) FROM rollup_dirty)::int AS dirty`,
  );
  if (have.n !== buckets || have.dirty > 0) {
    const rollups = new RollupRepository(ds);
    const t1 = performance.now();
    log('analytics: building the rollups from every face in one pass (RollupRepository.rebuild)');
    const built = await rollups.rebuild(CHAIN.tenantId);
    log(`analytics: ${built} camera-hours`);
    rollupRebuildMs = performance.now() - t1;
    await ds.query('ANALYZE traffic_hourly; ANALYZE presence_hourly');
  }

  const [counts] = await ds.query(
    `SELECT (SELECT count(*) FROM faces)::int AS faces, (SELECT count(*) FROM traffic_hourly)::int AS traffic,
            (SELECT count(*) FROM presence_hourly)::int AS presence, (SELECT count(*) FROM visits)::int AS visits,
            (SELECT count(*) FROM tracks)::int AS tracks, (SELECT count(*) FROM transactions)::int AS transactions`,
  );
  // the steady state: one face changes, its bucket is recomputed
  const rollups = new RollupRepository(ds);
  await ds.query(`UPDATE faces SET emotion = 'happy' WHERE id = (SELECT id FROM faces WHERE tenant_id = $1 LIMIT 1)`, [
    CHAIN.tenantId,
  ]);
  const t2 = performance.now();
  await rollups.refreshAll(CHAIN.tenantId);
  const incrementalRefreshMs = performance.now() - t2;

  // the visit facts: the generator writes with triggers off, so every day is marked and the service's own
  // background pass builds them (below, timed) the way it keeps them current as results arrive
  const facts = new VisitFactsRepository(ds);
  const [built] = await ds.query(
    `SELECT (SELECT count(*) FROM visit_facts)::int AS facts, (SELECT count(*) FROM visits)::int AS visits`,
  );
  if (built.facts !== built.visits) await facts.markAll(CHAIN.tenantId);
  const key = (await new TenantRepository(ds).issueApiKey(CHAIN.tenantId, 'bench')).key;

  const port = await freePort();
  const service = new ManagedProcess({
    service: 'analytics',
    replica: 0,
    port,
    compiled: false,
    startTimeoutMs: 240_000,
    nodeArgs: [],
    env: {
      DATABASE_URL: url,
      SERVICE_PORT: String(port),
      ROLLUP_REFRESH_MS: '1000',
      STORELENS_LOG_LEVEL: 'warn',
      // the service signs frame links with it and refuses to start without one
      STORELENS_URL_SECRET: randomBytes(32).toString('hex'),
    },
  });
  await service.start();
  const queries: AnalyticsQueryStat[] = [];
  let factsBuildMs: number | null = null;
  let factsDays = 0;
  try {
    // the visit facts' store days, then their slices' store days and people (built after the facts, in the same pass)
    const left = async () => ({
      days: await facts.dirtyCount(CHAIN.tenantId),
      slices: await facts.slicesDirtyCount(CHAIN.tenantId),
    });
    const first = await left();
    factsDays = first.days;
    if (first.days + first.slices > 0) {
      log(
        `analytics: the service builds the visit facts of ${first.days.toLocaleString('en')} store days and their slices`,
      );
      const t3 = performance.now();
      let logged = Date.now();
      for (let n = first; n.days + n.slices > 0; n = await left()) {
        await new Promise((r) => setTimeout(r, 1000));
        if (Date.now() - logged < 30_000) continue;
        logged = Date.now();
        log(
          `analytics: ${n.days.toLocaleString('en')} store days of visit facts left, ${n.slices.toLocaleString('en')} store days and people of slices`,
        );
      }
      factsBuildMs = performance.now() - t3;
      await ds.query(
        'ANALYZE visit_facts; ANALYZE visit_zone_facts; ANALYZE visit_slices; ANALYZE visit_zone_slices; ANALYZE visit_conversion_slices',
      );
    }
    const [check] = await ds.query(
      `SELECT (SELECT count(*) FROM visit_facts)::int AS facts, (SELECT count(*) FROM visits)::int AS visits`,
    );
    if (check.facts !== check.visits)
      throw new Error(`visit facts for ${check.facts} of ${check.visits} visits: the timings would mean nothing`);
    const day = (n: number) => new Date(CHAIN.start.getTime() + n * 86_400_000).toISOString();
    const last = CHAIN.days - 1;
    const scopes: { scope: AnalyticsScope; params: string }[] = [
      {
        scope: '1 store x 1 day',
        params: `from=${day(last)}&to=${day(CHAIN.days)}&storeId=${storeId(0)}`,
      },
      { scope: '50 stores x 1 day', params: `from=${day(last)}&to=${day(CHAIN.days)}` },
      {
        scope: '1 store x 90 days',
        params: `from=${day(0)}&to=${day(CHAIN.days)}&storeId=${storeId(0)}`,
      },
      {
        scope: '50 stores x 90 days',
        params: `from=${day(0)}&to=${day(CHAIN.days)}`,
      },
    ];
    // the summary (face sightings) answered from the rollups, per hour, in total and per camera (zone)
    const summaryKinds = [
      { query: 'traffic' as const, groupBy: 'hour' },
      { query: 'demographics' as const, groupBy: 'none' },
      { query: 'zones' as const, groupBy: 'camera' },
    ];
    const shopperKinds = [
      { query: 'traffic' as const, path: 'traffic', extra: '&groupBy=day' },
      { query: 'demographics' as const, path: 'demographics', extra: '' },
      { query: 'zones' as const, path: 'zones', extra: '' },
      { query: 'conversion' as const, path: 'conversion', extra: '' },
    ];
    const time = async (
      query: AnalyticsQueryStat['query'],
      api: AnalyticsQueryStat['api'],
      scope: AnalyticsScope,
      path: string,
      size: (body: Answer) => number,
    ) => {
      const get = async () => {
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${key}` } });
        const body = (await res.json()) as Answer;
        if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
        return { ms: performance.now() - t, groups: size(body) };
      };
      const warm = await get();
      const times: number[] = [];
      if (warm.ms > SLOW_MS) times.push(warm.ms);
      else for (let i = 0; i < repeat; i++) times.push((await get()).ms);
      const stat: AnalyticsQueryStat = {
        query,
        api,
        scope,
        groups: warm.groups,
        p50Ms: round(quantile(times, 0.5), 1),
        p95Ms: round(quantile(times, 0.95), 1),
        runs: times.length,
      };
      log(
        `analytics: ${stat.query} ${stat.api} ${stat.scope}: p50 ${stat.p50Ms} ms, p95 ${stat.p95Ms} ms (${stat.runs} runs)`,
      );
      queries.push(stat);
    };
    for (const s of scopes) {
      for (const k of summaryKinds)
        for (const visitors of ['none', 'exact'] as const)
          await time(
            k.query,
            `summary visitors=${visitors}`,
            s.scope,
            `/v1/analytics/summary?${s.params}&groupBy=${k.groupBy}&visitors=${visitors}`,
            (b) => b.groups?.length ?? 0,
          );
      for (const k of shopperKinds)
        await time(k.query, 'shoppers', s.scope, `/v1/analytics/${k.path}?${s.params}${k.extra}`, (b) =>
          k.query === 'traffic'
            ? (b.groups?.length ?? 0)
            : k.query === 'zones'
              ? (b.zones?.length ?? 0)
              : (b.visits ?? b.visitors ?? 0),
        );
    }
  } finally {
    await service.stop();
    await ds.destroy();
  }
  return {
    faces: counts.faces,
    visits: counts.visits,
    tracks: counts.tracks,
    transactions: counts.transactions,
    rollupRows: { trafficHourly: counts.traffic, presenceHourly: counts.presence },
    generateMs: generateMs === null ? null : round(generateMs, 0),
    rollupRebuildMs: rollupRebuildMs === null ? null : round(rollupRebuildMs, 0),
    factsDays,
    factsBuildMs: factsBuildMs === null ? null : round(factsBuildMs, 0),
    incrementalRefreshMs: round(incrementalRefreshMs, 1),
    queries,
    notes,
  };
}

/** bench_id('s' || n), as the generator names stores: md5 with the version and variant digits of a UUID. */
export function storeId(n: number): string {
  const hex = createHash('md5').update(`s${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** The analytics row as a table for the terminal. */
export function renderAnalytics(r: AnalyticsBenchResult): string {
  const lines = [
    `analytics: ${r.faces.toLocaleString('en')} faces, ${r.visits.toLocaleString('en')} visits, ` +
      `${r.tracks.toLocaleString('en')} tracks, ${r.transactions.toLocaleString('en')} sales; rollups: ` +
      `${r.rollupRows.trafficHourly.toLocaleString('en')} camera-hours, ${r.rollupRows.presenceHourly.toLocaleString('en')} person-camera-hours`,
    r.generateMs === null
      ? 'generation: reused'
      : `generation ${(r.generateMs / 60000).toFixed(1)} min, rollup rebuild ${((r.rollupRebuildMs ?? 0) / 60000).toFixed(1)} min`,
    `incremental refresh of one changed bucket: ${r.incrementalRefreshMs} ms`,
    r.factsBuildMs === null
      ? 'visit facts: all current'
      : `visit facts and slices: ${r.factsDays.toLocaleString('en')} store days of facts, then their slices, built in ${(r.factsBuildMs / 1000).toFixed(1)} s`,
    '',
    `| query | api | scope | groups | runs | p50 ms | p95 ms | p95 <= ${GOAL_P95_MS} ms |`,
    '|---|---|---|---:|---:|---:|---:|---|',
    ...r.queries.map(
      (q) =>
        `| ${q.query} | ${q.api} | ${q.scope} | ${q.groups} | ${q.runs} | ${q.p50Ms} | ${q.p95Ms} | ${q.p95Ms <= GOAL_P95_MS ? 'yes' : 'no'} |`,
    ),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n');
}
