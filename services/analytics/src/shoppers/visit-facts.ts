import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { EMOTIONS } from '@storelens/contracts';
import { inBatches, takeMarked } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { genderWeights, robustAge } from '@storelens/tracking';
import { DataSource, type EntityManager } from 'typeorm';
import type { VisitView } from './shopper-analytics';
import { ShoppersReadRepository } from './shoppers.read-repository';
import { CONTEXT_MS, VisitBuilder } from './visit-builder';
import { VisitSliceStore } from './visit-slice-store';

const DAY_MS = 24 * 3_600_000;
/** People whose `is_returning` is recomputed in one transaction. */
const RETURNING_BATCH = 5000;
/** The longest run of consecutive days recomputed from one read. */
const MAX_RUN_DAYS = 7;

export interface DirtyDay {
  tenantId: string;
  storeId: string;
  /** UTC midnight */
  day: number;
}

/**
 * Keeps `visit_facts` and `visit_zone_facts` current: the (store, UTC day) buckets that triggers marked dirty are
 * recomputed from visits, tracks, faces, cameras and sales by the very code that builds a visit for the visits list
 * (VisitBuilder), so the aggregated answers and the list agree; the people whose visits came, went or moved get their
 * `is_returning` flags recomputed. Safe to run in several processes at once (marked days are taken under a row lock).
 */
@Injectable()
export class VisitFacts {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShoppersReadRepository) private readonly read: ShoppersReadRepository,
    @Inject(VisitBuilder) private readonly builder: VisitBuilder,
    @Inject(VisitSliceStore) private readonly slices: VisitSliceStore,
  ) {}

  /** Recomputes up to `limit` marked days (of one tenant, or of all), then the marked people; returns the days. */
  async refresh(tenantId: string | null, limit = 50): Promise<number> {
    const days = await this.dataSource.transaction(async (m) => {
      const picked = await takeMarked<{ tenant_id: string; store_id: string; day: string }>(
        m,
        'visit_facts_dirty',
        ['tenant_id', 'store_id', 'day'],
        tenantId,
        limit,
        `d.tenant_id, d.store_id, to_char(d.day, 'YYYY-MM-DD') AS day`,
      );
      const days = picked.map((p) => ({
        tenantId: p.tenant_id,
        storeId: p.store_id,
        day: Date.parse(`${p.day}T00:00:00Z`),
      }));
      for (const run of runsOf(days)) await this.recompute(m, run);
      return days.length;
    });
    await this.refreshReturning(tenantId);
    return days;
  }

  /**
   * Refreshes until nothing of the tenant (or of anyone) is marked, or `maxBatches` batches ran; then the store-day
   * slices built on the facts. Returns the fact days recomputed.
   */
  async refreshAll(tenantId: string | null, batch = 50, maxBatches = Infinity): Promise<number> {
    const days = await inBatches((limit) => this.refresh(tenantId, limit), batch, maxBatches);
    await this.slices.refreshAll(tenantId, maxBatches);
    return days;
  }

  /** The facts of the visits that started in [first day, last day + 1) of one store, from the raw rows. */
  private async recompute(m: EntityManager, run: DirtyDay[]): Promise<void> {
    const { tenantId, storeId } = run[0]!;
    const from = run[0]!.day;
    const to = run[run.length - 1]!.day + DAY_MS;
    const [store] = await this.read.stores(tenantId, storeId);
    // the days' visits, with the context after them too (their sales and checkout sightings)
    const views = store ? await this.builder.build(tenantId, [storeId], from, to + CONTEXT_MS) : [];
    // only the marked days are replaced: an unmarked day between two marked ones keeps its facts
    const days = run.map((d) => new Date(d.day));
    await m.query(
      `DELETE FROM visit_facts WHERE tenant_id = $1 AND store_id = $2
         AND (started_at AT TIME ZONE 'UTC')::date = ANY($3::date[])`,
      [tenantId, storeId, days.map((d) => d.toISOString().slice(0, 10))],
    );
    const marked = new Set(run.map((d) => d.day));
    const kept = views.filter((v) => marked.has(Math.floor(v.startedAt.getTime() / DAY_MS) * DAY_MS));
    if (kept.length === 0 || !store) return;
    const facts = kept.map((v) => factsOf(v));
    await m.query(
      `INSERT INTO visit_facts (tenant_id, visit_id, store_id, person_key, identified, is_returning, started_at, ended_at,
                                local_started_at, faces, female_weight, male_weight, gender, age, ages,
                                reached_checkout, sales, revenue)
       SELECT $1, f.visit_id, $2, f.person_key, f.identified, f.is_returning, f.started_at, f.ended_at,
              f.started_at AT TIME ZONE $3, f.faces, f.female_weight, f.male_weight, f.gender, f.age,
              (SELECT coalesce(array_agg(a::float8), '{}') FROM json_array_elements_text(f.ages) a),
              f.reached_checkout, f.sales, f.revenue
       FROM json_to_recordset($4::json) AS f (visit_id uuid, person_key text, identified boolean, is_returning boolean,
              started_at timestamptz, ended_at timestamptz, faces int, female_weight float8, male_weight float8,
              gender text, age float8, ages json, reached_checkout boolean, sales int, revenue numeric)`,
      [tenantId, storeId, store.timezone, JSON.stringify(facts.map((f) => f.visit))],
    );
    const zones = facts.flatMap((f) => f.zones);
    if (zones.length === 0) return;
    await m.query(
      `INSERT INTO visit_zone_facts (tenant_id, visit_id, store_id, started_at, zone, kind, dwell_s,
                                     ${EMOTIONS.join(', ')})
       SELECT $1, z.visit_id, $2, z.started_at, z.zone, z.kind, z.dwell_s, ${EMOTIONS.map((e) => `z.${e}`).join(', ')}
       FROM json_to_recordset($3::json) AS z (visit_id uuid, started_at timestamptz, zone text, kind text,
              dwell_s float8, ${EMOTIONS.map((e) => `${e} int`).join(', ')})`,
      [tenantId, storeId, JSON.stringify(zones)],
    );
  }

  /**
   * `is_returning` of every visit of the marked people (all of them, a batch at a time): whether the person had a
   * visit in the window before it.
   */
  private refreshReturning(tenantId: string | null): Promise<number> {
    return inBatches((limit) => this.refreshReturningBatch(tenantId, limit), RETURNING_BATCH);
  }

  private async refreshReturningBatch(tenantId: string | null, limit: number): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const people = await takeMarked<{ tenant_id: string; person_key: string }>(
        m,
        'visit_facts_person_dirty',
        ['tenant_id', 'person_key'],
        tenantId,
        limit,
      );
      if (people.length === 0) return 0;
      await m.query(
        `UPDATE visit_facts f
         SET is_returning = EXISTS (SELECT 1 FROM visits p
                                 WHERE p.tenant_id = f.tenant_id AND p.person_key = f.person_key
                                   AND p.started_at < f.started_at
                                   AND p.started_at >= f.started_at - make_interval(secs => $3::double precision / 1000))
         FROM unnest($1::uuid[], $2::text[]) AS x (tenant_id, person_key)
         WHERE f.tenant_id = x.tenant_id AND f.person_key = x.person_key`,
        [people.map((p) => p.tenant_id), people.map((p) => p.person_key), this.cfg.shoppers.returnWindowMs],
      );
      return people.length;
    });
  }
}

/**
 * The marked days (in any order: DELETE … RETURNING keeps none) as runs of days of one store, earliest first, each
 * spanning at most MAX_RUN_DAYS: each run is read once.
 */
export function runsOf(days: readonly DirtyDay[]): DirtyDay[][] {
  const sorted = [...days].sort(
    (a, b) =>
      (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0) ||
      (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0) ||
      a.day - b.day,
  );
  const runs: DirtyDay[][] = [];
  for (const d of sorted) {
    const run = runs[runs.length - 1];
    const first = run?.[0];
    if (
      run &&
      first &&
      first.tenantId === d.tenantId &&
      first.storeId === d.storeId &&
      d.day - first.day < MAX_RUN_DAYS * DAY_MS
    )
      run.push(d);
    else runs.push([d]);
  }
  return runs;
}

/** One visit as the rows of visit_facts and visit_zone_facts. */
export function factsOf(v: VisitView) {
  const weight = genderWeights(v.faces);
  const ages = v.faces.map((f) => f.age).filter((a): a is number => a !== null && Number.isFinite(a));
  return {
    visit: {
      visit_id: v.id,
      person_key: v.personKey,
      identified: v.identity !== null,
      is_returning: v.returning,
      started_at: v.startedAt.toISOString(),
      ended_at: v.endedAt.toISOString(),
      faces: v.faces.length,
      female_weight: weight.female,
      male_weight: weight.male,
      gender: v.gender?.label ?? null,
      age: robustAge(ages),
      ages,
      reached_checkout: v.reachedCheckout,
      sales: v.transactions.length,
      revenue: Math.round(v.transactions.reduce((s, t) => s + t.amount, 0) * 100) / 100,
    },
    zones: v.zones.map((z) => ({
      visit_id: v.id,
      started_at: v.startedAt.toISOString(),
      zone: z.zone,
      kind: z.kind,
      dwell_s: z.dwellS,
      ...Object.fromEntries(EMOTIONS.map((e) => [e, v.zoneEmotions[z.zone]?.[e] ?? 0])),
    })),
  };
}
