import { Inject, Injectable } from '@nestjs/common';
import { EMOTIONS, type IdentityCategory } from '@storelens/contracts';
import { AGE_BANDS } from '@storelens/tracking';
import { DataSource } from 'typeorm';

export interface VisitRecord {
  id: string;
  storeId: string;
  personKey: string;
  visitorId: string | null;
  identity: { id: string; name: string; category: IdentityCategory } | null;
  startedAt: Date;
  endedAt: Date;
  /** The person had a visit to any of the tenant's stores in the return window before this one started. */
  returning: boolean;
}

export interface VisitTrackRecord {
  id: string;
  visitId: string;
  cameraId: string;
  startedAt: Date;
  endedAt: Date;
  intervalMs: number;
}

/** One face of a visit, with what the attribute model said. */
export interface VisitFaceRecord {
  visitId: string;
  cameraId: string;
  gender: 'female' | 'male' | null;
  genderConfidence: number | null;
  age: number | null;
  emotion: string | null;
}

export interface CameraRecord {
  id: string;
  storeId: string;
  name: string;
  role: string;
  zone: string | null;
}

/** Which visits an aggregate counts: those of these stores that started in [from, to). */
export interface FactsScope {
  storeIds: readonly string[];
  from: Date;
  to: Date;
}

/**
 * SQL for ageBand() of @storelens/tracking over a double precision expression: AGE_BANDS by the age rounded
 * (Math.round is floor(x + 0.5), the same IEEE arithmetic here), the last band open-ended, 'unknown' for none.
 */
const ageBandSql = (age: string) =>
  `CASE WHEN ${age} IS NULL OR ${age} = 'NaN' THEN 'unknown'
        ELSE (ARRAY[${AGE_BANDS.map((b) => `'${b}'`).join(', ')}])[1 + least(${AGE_BANDS.length - 1}, greatest(0, floor(floor(${age} + 0.5) / 10)::int))] END`;
/** The age a visit shows (robust age to one decimal, as Math.round(x * 10) / 10). */
const shownAge = (age: string) => `floor(${age} * 10 + 0.5) / 10`;

/** The memory one aggregate over visit facts may use per sort or hash (SET LOCAL: the transaction's own). */
const AGGREGATE_WORK_MEM = '64MB';

const FACTS_IN_SCOPE = `tenant_id = $1 AND store_id = ANY($2) AND started_at >= $3 AND started_at < $4`;

export interface TrafficRow {
  period: string;
  visits: number;
  uniqueVisitors: number;
  returningVisitors: number;
  members: number;
  anonymous: number;
  occupancyPeak: number;
}

export interface ZoneRow {
  zone: string;
  kind: string;
  visits: number;
  dwellP50S: number;
  dwellP90S: number;
  emotions: Record<string, number>;
}

/** Visits of one segment cell: membership x new/returning x gender x age band. */
export interface ConversionCell {
  identified: boolean;
  returning: boolean;
  gender: 'female' | 'male' | 'unknown';
  ageBand: string;
  visits: number;
  /** visits with a matched sale */
  bought: number;
  reachedCheckout: number;
  sales: number;
  revenue: number;
}

/** The read side of tracks and visits (written by classification). Every query is scoped by tenant. */
@Injectable()
export class ShoppersReadRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * One aggregate over visit facts, with room to hash a chain's people in memory (the default work_mem of 4 MB
   * sends a 90-day chain's person groups to disk, and takes several times longer).
   */
  private aggregate<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL work_mem = '${AGGREGATE_WORK_MEM}'`);
      return m.query(sql, params) as Promise<T[]>;
    });
  }

  /** Visits that started in [from, to), of one store or all, or of one identity; earliest first. */
  async visits(
    tenantId: string,
    q: { storeIds: readonly string[]; from: Date; to: Date; identityId?: string },
    returnWindowMs: number,
  ): Promise<VisitRecord[]> {
    const rows: (Omit<VisitRecord, 'identity'> & {
      identityId: string | null;
      name: string | null;
      category: IdentityCategory | null;
    })[] = await this.dataSource.query(
      `SELECT v.id, v.store_id AS "storeId", v.person_key AS "personKey", v.visitor_id AS "visitorId",
              v.identity_id AS "identityId", i.name, i.category, v.started_at AS "startedAt", v.ended_at AS "endedAt",
              EXISTS (SELECT 1 FROM visits p
                      WHERE p.tenant_id = v.tenant_id AND p.person_key = v.person_key
                        AND p.started_at < v.started_at
                        AND p.started_at >= v.started_at - make_interval(secs => $6::double precision / 1000)) AS returning
       FROM visits v
       LEFT JOIN identities i ON i.tenant_id = v.tenant_id AND i.id = v.identity_id
       WHERE v.tenant_id = $1 AND v.store_id = ANY($2) AND v.started_at >= $3 AND v.started_at < $4
         AND ($5::uuid IS NULL OR v.identity_id = $5)
       ORDER BY v.started_at, v.id`,
      [tenantId, q.storeIds, q.from, q.to, q.identityId ?? null, returnWindowMs],
    );
    return rows.map(({ identityId, name, category, ...v }) => ({
      ...v,
      identity: identityId && name && category ? { id: identityId, name, category } : null,
    }));
  }

  async tracksOf(tenantId: string, visitIds: readonly string[]): Promise<VisitTrackRecord[]> {
    if (visitIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT id, visit_id AS "visitId", camera_id AS "cameraId", started_at AS "startedAt", ended_at AS "endedAt",
              interval_ms AS "intervalMs"
       FROM tracks WHERE tenant_id = $1 AND visit_id = ANY($2) ORDER BY started_at, id`,
      [tenantId, visitIds],
    );
  }

  async facesOf(tenantId: string, visitIds: readonly string[]): Promise<VisitFaceRecord[]> {
    if (visitIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT t.visit_id AS "visitId", t.camera_id AS "cameraId", f.gender, f.gender_confidence AS "genderConfidence",
              f.age, f.emotion
       FROM tracks t JOIN faces f ON f.tenant_id = t.tenant_id AND f.track_id = t.id
       WHERE t.tenant_id = $1 AND t.visit_id = ANY($2)`,
      [tenantId, visitIds],
    );
  }

  /**
   * Visits per period (an hour or a day of the store's clock when `storeClock`, else of UTC; 'all' without
   * grouping): people counted once per period, and the most visits in progress at one instant (a visit ending
   * when another starts does not overlap it).
   */
  async traffic(
    tenantId: string,
    q: FactsScope,
    groupBy: 'hour' | 'day' | 'none',
    storeClock: boolean,
  ): Promise<TrafficRow[]> {
    const at = storeClock ? `local_started_at` : `started_at AT TIME ZONE 'UTC'`;
    const period = groupBy === 'none' ? `NULL::timestamp` : `date_trunc('${groupBy}', ${at})`;
    const label =
      groupBy === 'none'
        ? `'all'`
        : groupBy === 'day'
          ? `to_char(c.p, 'YYYY-MM-DD')`
          : `to_char(c.p, 'YYYY-MM-DD"T"HH24:00')`;
    return this.aggregate(
      `WITH v AS (SELECT ${period} AS p, person_key, is_returning, identified, started_at, ended_at
                  FROM visit_facts WHERE ${FACTS_IN_SCOPE}),
            pp AS (SELECT p, count(*) AS visits, bool_or(is_returning) AS r, bool_or(identified) AS i,
                          bool_or(NOT identified) AS a
                   FROM v GROUP BY p, person_key),
            c AS (SELECT p, sum(visits)::int AS visits, count(*)::int AS unique_visitors,
                         count(*) FILTER (WHERE r)::int AS returning_visitors,
                         count(*) FILTER (WHERE i)::int AS members, count(*) FILTER (WHERE a)::int AS anonymous
                  FROM pp GROUP BY p),
            e AS (SELECT p, started_at AS t, 1 AS d FROM v UNION ALL SELECT p, ended_at, -1 FROM v),
            o AS (SELECT p, max(n)::int AS peak
                  FROM (SELECT p, sum(d) OVER (PARTITION BY p ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM e) x
                  GROUP BY p)
       SELECT ${label} AS period, c.visits, c.unique_visitors AS "uniqueVisitors",
              c.returning_visitors AS "returningVisitors", c.members, c.anonymous, o.peak AS "occupancyPeak"
       FROM c JOIN o ON o.p IS NOT DISTINCT FROM c.p ORDER BY c.p`,
      [tenantId, q.storeIds, q.from, q.to],
    );
  }

  /**
   * People by gender and age band, each person once: their visits' gender weights summed (the confidence-weighted
   * vote over all their faces), and the robust age of all their faces' ages.
   */
  async demographics(
    tenantId: string,
    q: FactsScope,
  ): Promise<{ gender: 'female' | 'male' | 'unknown'; ageBand: string; people: number }[]> {
    return this.aggregate(
      // one pass over the facts: a person's age is their one visit's robust age, or that of all their visits' ages
      `WITH p AS (SELECT sum(female_weight) AS f, sum(male_weight) AS m, count(*) AS n, min(age) AS age,
                         array_cat_agg(ages) AS ages
                  FROM visit_facts WHERE ${FACTS_IN_SCOPE} GROUP BY person_key),
            g AS (SELECT CASE WHEN f + m = 0 THEN 'unknown' WHEN m >= f THEN 'male' ELSE 'female' END AS gender,
                         CASE WHEN n > 1 THEN robust_age(ages) ELSE age END AS age
                  FROM p)
       SELECT gender, ${ageBandSql('age')} AS "ageBand", count(*)::int AS people FROM g GROUP BY 1, 2`,
      [tenantId, q.storeIds, q.from, q.to],
    );
  }

  /** Per zone: visits that reached it, their dwell there (p50, p90, linearly interpolated), faces per emotion. */
  async zones(tenantId: string, q: FactsScope): Promise<{ visits: number; zones: ZoneRow[] }> {
    const [rows, [total]] = await Promise.all([
      this.aggregate(
        // one sort per zone for both percentiles; a zone several stores name alike takes the first kind by name
        // (so a checkout anywhere makes it a checkout, as one checkout camera does within a store)
        `SELECT zone, min(kind) AS kind, count(*)::int AS visits,
                percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY dwell_s) AS p,
                ${EMOTIONS.map((e) => `sum(${e})::int AS ${e}`).join(', ')}
         FROM visit_zone_facts WHERE ${FACTS_IN_SCOPE} GROUP BY zone`,
        [tenantId, q.storeIds, q.from, q.to],
      ) as Promise<({ zone: string; kind: string; visits: number; p: [number, number] } & Record<string, number>)[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM visit_facts WHERE ${FACTS_IN_SCOPE}`, [
        tenantId,
        q.storeIds,
        q.from,
        q.to,
      ]) as Promise<{ n: number }[]>,
    ]);
    return {
      visits: total?.n ?? 0,
      zones: rows.map((r) => ({
        zone: r.zone,
        kind: r.kind,
        visits: r.visits,
        dwellP50S: r.p[0],
        dwellP90S: r.p[1],
        emotions: Object.fromEntries(EMOTIONS.filter((e) => (r[e] ?? 0) > 0).map((e) => [e, r[e]!])),
      })),
    };
  }

  /** Visits per segment cell, with how many bought, how many reached a checkout zone, and what was sold. */
  async conversion(tenantId: string, q: FactsScope): Promise<ConversionCell[]> {
    const rows: (Omit<ConversionCell, 'revenue'> & { revenue: string })[] = await this.aggregate(
      `SELECT identified, is_returning AS returning, coalesce(gender, 'unknown') AS gender, ${ageBandSql(shownAge('age'))} AS "ageBand",
              count(*)::int AS visits, count(*) FILTER (WHERE sales > 0)::int AS bought,
              count(*) FILTER (WHERE reached_checkout)::int AS "reachedCheckout", sum(sales)::int AS sales,
              sum(revenue) AS revenue
       FROM visit_facts WHERE ${FACTS_IN_SCOPE} GROUP BY 1, 2, 3, 4`,
      [tenantId, q.storeIds, q.from, q.to],
    );
    return rows.map((r) => ({ ...r, revenue: Number(r.revenue) }));
  }

  /** Sales of these stores in [from, to). */
  async salesCount(tenantId: string, q: FactsScope): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM transactions WHERE tenant_id = $1 AND store_id = ANY($2) AND at >= $3 AND at < $4`,
      [tenantId, q.storeIds, q.from, q.to],
    );
    return n;
  }

  async cameras(tenantId: string, storeIds: readonly string[]): Promise<CameraRecord[]> {
    return this.dataSource.query(
      `SELECT id, store_id AS "storeId", name, role, zone FROM cameras
       WHERE tenant_id = $1 AND store_id = ANY($2) ORDER BY name, id`,
      [tenantId, storeIds],
    );
  }

  async stores(tenantId: string, storeId?: string): Promise<{ id: string; timezone: string }[]> {
    return this.dataSource.query(
      `SELECT id, timezone FROM stores WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY id`,
      [tenantId, storeId ?? null],
    );
  }
}
