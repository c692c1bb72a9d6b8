import { Inject, Injectable } from '@nestjs/common';
import { EMOTIONS } from '@storelens/contracts';
import { inBatches, takeMarked } from '@storelens/db';
import { genderOfWeights } from '@storelens/tracking';
import { DataSource, type EntityManager } from 'typeorm';
import type { FactsScope } from './shoppers.read-repository';
import { CONTEXT_MS } from './visit-builder';
import {
  buildSlice,
  cellOf,
  type ConversionSlice,
  type PeopleSlice,
  type Slice,
  type SliceSpan,
  type SliceVisit,
  type SliceZoneVisit,
  type ZoneSlice,
} from './visit-slices';

/** People whose cell is recomputed in one transaction; store days rebuilt in one. */
const PEOPLE_BATCH = 5000;
const DAYS_BATCH = 50;
const DAY_MS = 86_400_000;

interface Range {
  storeId: string;
  lo: Date;
  hi: Date;
}
interface SpanRow {
  storeId: string;
  timezone: string;
  lo: Date;
  hi: Date;
  utcDay: string;
  localDay: string;
  whole: boolean;
}

/** The UTC and store hour of an instant, by the store's time zone. */
function labeller(timeZone: string) {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  return (t: number) => ({
    utcHour: new Date(t).getUTCHours(),
    localHour: Number(f.formatToParts(new Date(t)).find((p) => p.type === 'hour')!.value),
  });
}

/**
 * Keeps the store-day slices current (people's numbers and cells first, then the marked store days, both from the
 * visit facts), and reads a scope's slices: the stored ones it covers whole, and the parts at its edges built from the
 * facts on the spot, by the same code.
 */
@Injectable()
export class VisitSliceStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** People, then every marked store day (of one tenant, or of all); returns the store days rebuilt. */
  async refreshAll(tenantId: string | null, maxBatches = Infinity): Promise<number> {
    await inBatches((limit) => this.refreshPeople(tenantId, limit), PEOPLE_BATCH, maxBatches);
    return inBatches((limit) => this.refreshDays(tenantId, limit), DAYS_BATCH, maxBatches);
  }

  /**
   * Marked people's cells, from all their visit facts: numbered when new, forgotten when they have none, and the
   * store days of their visits marked when their cell or membership changed.
   */
  private refreshPeople(tenantId: string | null, limit: number): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const picked = await takeMarked<{ tenant_id: string; person_key: string }>(
        m,
        'visit_people_dirty',
        ['tenant_id', 'person_key'],
        tenantId,
        limit,
      );
      if (picked.length === 0) return 0;
      const rows: {
        tenant_id: string;
        person_key: string;
        n: number;
        f: number | null;
        m: number | null;
        age: number | null;
        identified: boolean | null;
        cell: number | null;
        was_identified: boolean | null;
      }[] = await m.query(
        // the same rules as a person's visits read one by one: the weighted vote of all their faces, and the robust
        // age of all their ages (a single visit's own robust age)
        `SELECT x.tenant_id, x.person_key, count(f.visit_id)::int AS n, sum(f.female_weight) AS f,
                sum(f.male_weight) AS m,
                CASE WHEN count(f.visit_id) > 1 THEN robust_age(array_cat_agg(f.ages)) ELSE min(f.age) END AS age,
                bool_or(f.identified) AS identified, min(p.cell) AS cell, bool_or(p.identified) AS was_identified
         FROM unnest($1::uuid[], $2::text[]) AS x (tenant_id, person_key)
         LEFT JOIN visit_facts f ON f.tenant_id = x.tenant_id AND f.person_key = x.person_key
         LEFT JOIN visit_people p ON p.tenant_id = x.tenant_id AND p.person_key = x.person_key
         GROUP BY x.tenant_id, x.person_key`,
        [picked.map((p) => p.tenant_id), picked.map((p) => p.person_key)],
      );
      const gone = rows.filter((r) => r.n === 0);
      if (gone.length > 0)
        await m.query(
          `DELETE FROM visit_people p USING unnest($1::uuid[], $2::text[]) AS x (tenant_id, person_key)
           WHERE p.tenant_id = x.tenant_id AND p.person_key = x.person_key`,
          [gone.map((r) => r.tenant_id), gone.map((r) => r.person_key)],
        );
      const present = rows
        .filter((r) => r.n > 0)
        .map((r) => {
          const gender = genderOfWeights({ female: r.f ?? 0, male: r.m ?? 0 }) ?? 'unknown';
          return { ...r, newCell: cellOf(gender, r.age), newIdentified: r.identified === true };
        });
      // a person numbered now may have days built while they had no number (left out there): those are rebuilt too
      const changed = present.filter(
        (r) => r.cell === null || r.cell !== r.newCell || r.was_identified !== r.newIdentified,
      );
      const updated = changed.filter((r) => r.cell !== null);
      for (const tenant of new Set(present.map((r) => r.tenant_id))) {
        const mine = present.filter((r) => r.tenant_id === tenant);
        // numbers are handed out one tenant at a time (two refreshers never give one number twice)
        await m.query(`SELECT pg_advisory_xact_lock(hashtext('visit_people:' || $1))`, [tenant]);
        await m.query(
          `WITH next AS (SELECT coalesce(max(person_no) + 1, 0) AS n FROM visit_people WHERE tenant_id = $1),
                x AS (SELECT * FROM unnest($2::text[], $3::smallint[], $4::boolean[]) WITH ORDINALITY
                                    AS x (person_key, cell, identified, i))
           INSERT INTO visit_people (tenant_id, person_key, person_no, cell, identified)
           SELECT $1, x.person_key, next.n + (row_number() OVER (ORDER BY x.i))::int - 1, x.cell, x.identified
           FROM x, next
           WHERE NOT EXISTS (SELECT 1 FROM visit_people p WHERE p.tenant_id = $1 AND p.person_key = x.person_key)`,
          [tenant, mine.map((r) => r.person_key), mine.map((r) => r.newCell), mine.map((r) => r.newIdentified)],
        );
      }
      if (updated.length > 0)
        await m.query(
          `UPDATE visit_people p SET cell = x.cell, identified = x.identified
           FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::boolean[]) AS x (tenant_id, person_key, cell, identified)
           WHERE p.tenant_id = x.tenant_id AND p.person_key = x.person_key`,
          [
            updated.map((r) => r.tenant_id),
            updated.map((r) => r.person_key),
            updated.map((r) => r.newCell),
            updated.map((r) => r.newIdentified),
          ],
        );
      if (changed.length > 0)
        await m.query(
          `INSERT INTO visit_slices_dirty (tenant_id, store_id, utc_day)
           SELECT DISTINCT f.tenant_id, f.store_id, (f.started_at AT TIME ZONE 'UTC')::date
           FROM visit_facts f JOIN unnest($1::uuid[], $2::text[]) AS x (tenant_id, person_key)
             ON f.tenant_id = x.tenant_id AND f.person_key = x.person_key
           ON CONFLICT DO NOTHING`,
          [changed.map((r) => r.tenant_id), changed.map((r) => r.person_key)],
        );
      return picked.length;
    });
  }

  /** Rebuilds up to `limit` marked store days from their facts. */
  private refreshDays(tenantId: string | null, limit: number): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const picked = await takeMarked<{ tenant_id: string; store_id: string; day: string }>(
        m,
        'visit_slices_dirty',
        ['tenant_id', 'store_id', 'utc_day'],
        tenantId,
        limit,
        `d.tenant_id, d.store_id, to_char(d.utc_day, 'YYYY-MM-DD') AS day`,
      );
      for (const tenant of new Set(picked.map((p) => p.tenant_id))) {
        const days = picked.filter((p) => p.tenant_id === tenant);
        const ranges = days.map((d) => {
          const lo = Date.parse(`${d.day}T00:00:00Z`);
          return { storeId: d.store_id, lo: new Date(lo), hi: new Date(lo + DAY_MS) };
        });
        const slices = await this.build(m, tenant, await this.spans(m, tenant, ranges));
        await m.query(
          `DELETE FROM visit_slices s USING unnest($2::uuid[], $3::date[]) AS x (store_id, utc_day)
           WHERE s.tenant_id = $1 AND s.store_id = x.store_id AND s.utc_day = x.utc_day`,
          [tenant, days.map((d) => d.store_id), days.map((d) => d.day)],
        );
        await this.write(m, tenant, slices);
      }
      return picked.length;
    });
  }

  /** The slices a scope covers whole (stored) and its edges (built now): people and peaks. */
  async peopleSlices(tenantId: string, q: FactsScope): Promise<PeopleSlice[]> {
    const [stored, edges] = await Promise.all([
      this.dataSource.query(
        `SELECT to_char(utc_day, 'YYYY-MM-DD') AS "utcDay", to_char(local_day, 'YYYY-MM-DD') AS "localDay", people,
                peaks
         FROM visit_slices WHERE tenant_id = $1 AND store_id = ANY($2) AND lo >= $3 AND hi <= $4`,
        [tenantId, q.storeIds, q.from, q.to],
      ) as Promise<PeopleSlice[]>,
      this.edges(tenantId, q),
    ]);
    return [...stored, ...edges];
  }

  async zoneSlices(tenantId: string, q: FactsScope): Promise<{ visits: number; zones: ZoneSlice[] }> {
    const [zones, [total], edges] = await Promise.all([
      this.dataSource.query(
        `SELECT zone, kind, visits, emotions, bins, counts FROM visit_zone_slices
         WHERE tenant_id = $1 AND store_id = ANY($2) AND lo >= $3 AND hi <= $4`,
        [tenantId, q.storeIds, q.from, q.to],
      ) as Promise<ZoneSlice[]>,
      this.dataSource.query(
        `SELECT coalesce(sum(visits), 0)::int AS n FROM visit_slices
         WHERE tenant_id = $1 AND store_id = ANY($2) AND lo >= $3 AND hi <= $4`,
        [tenantId, q.storeIds, q.from, q.to],
      ) as Promise<{ n: number }[]>,
      this.edges(tenantId, q),
    ]);
    return {
      visits: (total?.n ?? 0) + edges.reduce((n, s) => n + s.visits, 0),
      zones: [...zones, ...edges.flatMap((s) => s.zones)],
    };
  }

  /** Conversion cells summed over the scope's stored slices, and the edges' cells. */
  async conversionSlices(tenantId: string, q: FactsScope): Promise<ConversionSlice[]> {
    const [cells, edges] = await Promise.all([
      this.dataSource.query(
        `SELECT identified, is_returning AS returning, gender, age_band AS "ageBand", sum(visits)::int AS visits,
                sum(bought)::int AS bought, sum(reached_checkout)::int AS "reachedCheckout", sum(sales)::int AS sales,
                sum(revenue)::float8 AS revenue
         FROM visit_conversion_slices WHERE tenant_id = $1 AND store_id = ANY($2) AND lo >= $3 AND hi <= $4
         GROUP BY 1, 2, 3, 4`,
        [tenantId, q.storeIds, q.from, q.to],
      ) as Promise<ConversionSlice[]>,
      this.edges(tenantId, q),
    ]);
    return [...cells, ...edges.flatMap((s) => s.conversion)];
  }

  /** The parts of the scope that are not whole slices (a range cut between midnights), built from the facts. */
  private async edges(tenantId: string, q: FactsScope): Promise<Slice[]> {
    if (q.to.getTime() <= q.from.getTime() || q.storeIds.length === 0) return [];
    // only the first and the last span of a range can be cut: they lie within a day of its ends
    const from = q.from.getTime();
    const to = q.to.getTime();
    const short = to - from <= 2 * DAY_MS;
    const ends = short
      ? [{ lo: q.from, hi: q.to }]
      : [
          { lo: q.from, hi: new Date(from + DAY_MS) },
          { lo: new Date(to - DAY_MS), hi: q.to },
        ];
    const spans = await this.spans(
      this.dataSource.manager,
      tenantId,
      q.storeIds.flatMap((storeId) => ends.map((e) => ({ storeId, ...e }))),
    );
    const parts = spans.filter((s) => !s.whole && (short || s.lo.getTime() === from || s.hi.getTime() === to));
    return parts.length === 0 ? [] : this.build(this.dataSource.manager, tenantId, parts);
  }

  /**
   * Each range of a store cut at the UTC midnights and the store's midnights within it; `whole` when both ends are
   * such midnights (a span a stored slice covers exactly).
   */
  private spans(m: EntityManager, tenantId: string, ranges: readonly Range[]): Promise<SpanRow[]> {
    const midnight = (t: string, tz: string) =>
      `(${t} = date_trunc('day', ${t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        OR ${t} = date_trunc('day', ${t} AT TIME ZONE ${tz}) AT TIME ZONE ${tz})`;
    return m.query(
      `WITH r AS (SELECT r.i, r.lo, r.hi, s.id, s.timezone
                  FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS r (store_id, lo, hi, i)
                  JOIN stores s ON s.tenant_id = $1 AND s.id = r.store_id),
            b AS (SELECT r.i, r.id, r.timezone, x.at FROM r, LATERAL (
                    SELECT r.lo AS at UNION SELECT r.hi
                    UNION SELECT g AT TIME ZONE 'UTC'
                          FROM generate_series(date_trunc('day', r.lo AT TIME ZONE 'UTC') + interval '1 day',
                                               r.hi AT TIME ZONE 'UTC', interval '1 day') g
                    UNION SELECT g AT TIME ZONE r.timezone
                          FROM generate_series(date_trunc('day', r.lo AT TIME ZONE r.timezone) + interval '1 day',
                                               r.hi AT TIME ZONE r.timezone, interval '1 day') g) x
                  WHERE x.at >= r.lo AND x.at <= r.hi),
            s AS (SELECT i, id, timezone, at AS lo, lead(at) OVER (PARTITION BY i ORDER BY at) AS hi FROM b)
       SELECT id AS "storeId", timezone, lo, hi, to_char(lo AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "utcDay",
              to_char(lo AT TIME ZONE timezone, 'YYYY-MM-DD') AS "localDay",
              ${midnight('lo', 'timezone')} AND ${midnight('hi', 'timezone')} AS whole
       FROM s WHERE hi > lo`,
      [tenantId, ranges.map((r) => r.storeId), ranges.map((r) => r.lo), ranges.map((r) => r.hi)],
    );
  }

  /**
   * The slices of these spans from the visit facts (visits that started in a span, the store's visits overlapping
   * it for the occupancy, their zones). Spans with nothing in them are left out.
   */
  private async build(m: EntityManager, tenantId: string, spans: readonly SpanRow[]) {
    if (spans.length === 0) return [];
    const args = [
      tenantId,
      spans.map((s) => s.storeId),
      spans.map((s) => s.lo),
      spans.map((s) => s.hi),
      CONTEXT_MS / 1000,
    ];
    const [visits, zones]: [
      (Omit<SliceVisit, 'startedAt' | 'endedAt'> & { i: string; startedAt: Date; endedAt: Date })[],
      (SliceZoneVisit & { i: string })[],
    ] = await Promise.all([
      m.query(
        `SELECT e.i, f.visit_id AS "visitId", p.person_no AS "personNo", p.cell, f.identified,
                f.is_returning AS returning, f.started_at AS "startedAt", f.ended_at AS "endedAt",
                extract(hour FROM f.started_at AT TIME ZONE 'UTC')::int AS "utcHour",
                extract(hour FROM f.local_started_at)::int AS "localHour", f.gender, f.age,
                f.reached_checkout AS "reachedCheckout", f.sales, f.revenue::float8 AS revenue
         FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS e (store_id, lo, hi, i)
         JOIN visit_facts f ON f.tenant_id = $1 AND f.store_id = e.store_id
                           AND f.started_at >= e.lo - make_interval(secs => $5) AND f.started_at < e.hi
                           AND (f.started_at >= e.lo OR f.ended_at >= e.lo)
         LEFT JOIN visit_people p ON p.tenant_id = f.tenant_id AND p.person_key = f.person_key`,
        args,
      ),
      m.query(
        `SELECT e.i, z.visit_id AS "visitId", z.zone, z.kind, z.dwell_s AS "dwellS",
                ARRAY[${EMOTIONS.map((x) => `z.${x}`).join(', ')}] AS emotions
         FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS e (store_id, lo, hi, i)
         JOIN visit_zone_facts z ON z.tenant_id = $1 AND z.store_id = e.store_id
                               AND z.started_at >= e.lo AND z.started_at < e.hi`,
        args.slice(0, 4),
      ),
    ]);
    const bySpan = <T extends { i: string }>(rows: readonly T[]) => {
      const out = new Map<number, T[]>();
      for (const r of rows) {
        const k = Number(r.i) - 1;
        const list = out.get(k);
        if (list) list.push(r);
        else out.set(k, [r]);
      }
      return out;
    };
    const visitsOf = bySpan(visits);
    const zonesOf = bySpan(zones);
    const labels = new Map<string, ReturnType<typeof labeller>>();
    const slices: Slice[] = [];
    spans.forEach((s, k) => {
      const own = (visitsOf.get(k) ?? []).map((v) => ({
        ...v,
        startedAt: v.startedAt.getTime(),
        endedAt: v.endedAt.getTime(),
      }));
      const lo = s.lo.getTime();
      // a visit whose person has no number yet (numbered on the next refresh, which rebuilds this day) is left out
      const started = own.filter((v) => v.startedAt >= lo && v.personNo !== null);
      if (started.length === 0 && own.length === 0) return;
      const label = labels.get(s.timezone) ?? labeller(s.timezone);
      labels.set(s.timezone, label);
      const span: SliceSpan = { storeId: s.storeId, utcDay: s.utcDay, localDay: s.localDay, lo, hi: s.hi.getTime() };
      const slice = buildSlice(span, started, own, zonesOf.get(k) ?? [], label);
      if (slice.visits > 0 || slice.peaks.length > 0) slices.push(slice);
    });
    return slices;
  }

  private async write(m: EntityManager, tenantId: string, slices: readonly Slice[]): Promise<void> {
    if (slices.length === 0) return;
    const key = (s: Slice) => ({
      store_id: s.storeId,
      utc_day: s.utcDay,
      local_day: s.localDay,
      lo: new Date(s.lo).toISOString(),
      hi: new Date(s.hi).toISOString(),
    });
    await m.query(
      `INSERT INTO visit_slices (tenant_id, store_id, utc_day, local_day, lo, hi, visits, people, peaks)
       SELECT $1, x.store_id, x.utc_day, x.local_day, x.lo, x.hi, x.visits, x.people, x.peaks::smallint[]
       FROM unnest($2::uuid[], $3::date[], $4::date[], $5::timestamptz[], $6::timestamptz[], $7::int[], $8::bytea[],
                   $9::text[]) AS x (store_id, utc_day, local_day, lo, hi, visits, people, peaks)`,
      [
        tenantId,
        slices.map((s) => s.storeId),
        slices.map((s) => s.utcDay),
        slices.map((s) => s.localDay),
        slices.map((s) => new Date(s.lo)),
        slices.map((s) => new Date(s.hi)),
        slices.map((s) => s.visits),
        slices.map((s) => s.people),
        slices.map((s) => `{${s.peaks.join(',')}}`),
      ],
    );
    const zones = slices.flatMap((s) => s.zones.map((z) => ({ ...key(s), ...z })));
    if (zones.length > 0)
      await m.query(
        `INSERT INTO visit_zone_slices (tenant_id, store_id, utc_day, local_day, lo, hi, zone, kind, visits, emotions,
                                        bins, counts)
         SELECT $1, z.store_id, z.utc_day, z.local_day, z.lo, z.hi, z.zone, z.kind, z.visits,
                ARRAY(SELECT json_array_elements_text(z.emotions)::int),
                ARRAY(SELECT json_array_elements_text(z.bins)::smallint),
                ARRAY(SELECT json_array_elements_text(z.counts)::int)
         FROM json_to_recordset($2::json) AS z (store_id uuid, utc_day date, local_day date, lo timestamptz,
                hi timestamptz, zone text, kind text, visits int, emotions json, bins json, counts json)`,
        [tenantId, JSON.stringify(zones)],
      );
    const cells = slices.flatMap((s) => s.conversion.map((c) => ({ ...key(s), ...c })));
    if (cells.length > 0)
      await m.query(
        `INSERT INTO visit_conversion_slices (tenant_id, store_id, utc_day, local_day, lo, hi, identified,
                                              is_returning, gender, age_band, visits, bought, reached_checkout, sales,
                                              revenue)
         SELECT $1, c.store_id, c.utc_day, c.local_day, c.lo, c.hi, c.identified, c."returning", c.gender, c."ageBand",
                c.visits, c.bought, c."reachedCheckout", c.sales, c.revenue
         FROM json_to_recordset($2::json) AS c (store_id uuid, utc_day date, local_day date, lo timestamptz,
                hi timestamptz, identified boolean, "returning" boolean, gender text, "ageBand" text, visits int,
                bought int, "reachedCheckout" int, sales int, revenue numeric)`,
        [tenantId, JSON.stringify(cells)],
      );
  }
}
