import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-visit facts for the shopper endpoints (traffic, demographics, zones, conversion): what a visit is (its store,
 * person, times, whether it was a member's and a returning one), what its faces said (gender weights, robust age and
 * the ages behind it, dominant emotions), where it went (dwell per zone, with emotions there) and whether it bought.
 * The endpoints aggregate these narrow rows in SQL instead of reading every visit's tracks and faces per request.
 *
 * Writers never touch the facts. Triggers on visits, tracks, faces, transactions and cameras mark the (store, UTC
 * day) whose facts may have changed in `visit_facts_dirty`, and the people whose `is_returning` may have changed in
 * `visit_facts_person_dirty`; the analytics service recomputes the marked days from the raw rows (with the same
 * rules as a visit read one by one) in the background and before answering.
 *
 * A change at instant t marks the days of t - 12 h, t and t + 12 h: a visit's facts depend on the sales and
 * checkout sightings near it (a sale matches within TRANSACTION_MATCH_SECONDS, and a day is recomputed with 12 hours
 * of context on each side), so a change near midnight reaches the visits of the next or previous day it can affect.
 */
export class VisitFacts1797000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE visit_facts (
        tenant_id          uuid NOT NULL,
        visit_id           uuid NOT NULL,
        store_id           uuid NOT NULL,
        person_key         text NOT NULL,
        identified         boolean NOT NULL,
        is_returning       boolean NOT NULL,
        started_at         timestamptz NOT NULL,
        ended_at           timestamptz NOT NULL,
        -- the start on the store's own clock (its time zone when the facts were computed)
        local_started_at   timestamp NOT NULL,
        faces              integer NOT NULL,
        female_weight      double precision NOT NULL,
        male_weight        double precision NOT NULL,
        gender             text CHECK (gender IN ('female', 'male')),
        -- the robust age of the visit's faces, unrounded, and every age behind it (a person's visits pool them)
        age                double precision,
        ages               double precision[] NOT NULL,
        reached_checkout   boolean NOT NULL,
        sales              integer NOT NULL,
        revenue            numeric(14, 2) NOT NULL,
        PRIMARY KEY (tenant_id, visit_id),
        FOREIGN KEY (tenant_id, visit_id) REFERENCES visits (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX visit_facts_tenant_id_store_id_started_at_idx ON visit_facts (tenant_id, store_id, started_at)`,
    );
    await q.query(`CREATE INDEX visit_facts_tenant_id_person_key_idx ON visit_facts (tenant_id, person_key)`);
    await q.query(`
      CREATE TABLE visit_zone_facts (
        tenant_id   uuid NOT NULL,
        visit_id    uuid NOT NULL,
        store_id    uuid NOT NULL,
        started_at  timestamptz NOT NULL,
        zone        text NOT NULL,
        kind        text NOT NULL,
        dwell_s     double precision NOT NULL,
        angry       integer NOT NULL,
        disgust     integer NOT NULL,
        fear        integer NOT NULL,
        happy       integer NOT NULL,
        sad         integer NOT NULL,
        surprise    integer NOT NULL,
        neutral     integer NOT NULL,
        PRIMARY KEY (tenant_id, visit_id, zone),
        FOREIGN KEY (tenant_id, visit_id) REFERENCES visit_facts (tenant_id, visit_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX visit_zone_facts_tenant_id_store_id_started_at_idx ON visit_zone_facts (tenant_id, store_id, started_at)`,
    );
    await q.query(`
      CREATE TABLE visit_facts_dirty (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id  uuid NOT NULL,
        day       date NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, store_id, day)
      )`);
    await q.query(`
      CREATE TABLE visit_facts_person_dirty (
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        person_key text NOT NULL,
        PRIMARY KEY (tenant_id, person_key)
      )`);

    // the robust age of ageBand's callers (@storelens/tracking robustAge): the mean of the middle half of the sorted
    // ages, the median (lower middle) for three or fewer; summed in sorted order, as there
    await q.query(`
      CREATE FUNCTION robust_age(xs double precision[]) RETURNS double precision
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN n = 0 THEN NULL
                    WHEN n <= 3 THEN s[(n - 1) / 2 + 1]
                    ELSE (SELECT sum(x) FROM unnest(s[n / 4 + 1 : n - n / 4]) x) / (n - 2 * (n / 4)) END
        FROM (SELECT array_agg(x ORDER BY x) AS s, count(*)::int AS n FROM unnest(xs) x
              WHERE x IS NOT NULL AND x <> 'NaN') q
      $$`);

    // a person's ages over their visits, one array (a person's visits pool their faces' ages)
    await q.query(`CREATE AGGREGATE array_cat_agg(double precision[]) (SFUNC = array_cat, STYPE = double precision[])`);

    // marks the UTC days of t - 12 h, t and t + 12 h of a store
    await q.query(`
      CREATE FUNCTION visit_facts_days(t timestamptz) RETURNS SETOF date LANGUAGE sql IMMUTABLE AS $$
        SELECT DISTINCT ((t + d * interval '12 hours') AT TIME ZONE 'UTC')::date FROM (VALUES (-1), (0), (1)) AS x (d)
      $$`);

    // Statement-level triggers with transition tables: one INSERT … SELECT per statement, however many rows.
    const mark = (source: string) => `
      INSERT INTO visit_facts_dirty (tenant_id, store_id, day)
      SELECT DISTINCT s.tenant_id, s.store_id, d FROM (${source}) s, visit_facts_days(s.at) d
      ON CONFLICT DO NOTHING;`;
    const triggers: { table: string; body: (rows: string) => string }[] = [
      {
        table: 'visits',
        body: (rows) => `${mark(`SELECT tenant_id, store_id, started_at AS at FROM ${rows}`)}
          -- a person with no visit left (erased, say) has nothing to recompute: no trace of them is kept here
          INSERT INTO visit_facts_person_dirty (tenant_id, person_key)
          SELECT DISTINCT c.tenant_id, c.person_key FROM ${rows} c
          WHERE EXISTS (SELECT 1 FROM visits v WHERE v.tenant_id = c.tenant_id AND v.person_key = c.person_key)
          ON CONFLICT DO NOTHING;`,
      },
      {
        // a track counts at its own start and at its visit's
        table: 'tracks',
        body: (rows) =>
          mark(`SELECT tenant_id, store_id, started_at AS at FROM ${rows}
                UNION ALL
                SELECT v.tenant_id, v.store_id, v.started_at FROM ${rows} t
                JOIN visits v ON v.tenant_id = t.tenant_id AND v.id = t.visit_id`),
      },
      {
        table: 'faces',
        body: (rows) =>
          mark(`SELECT t.tenant_id, t.store_id, t.started_at AS at FROM ${rows} f
                JOIN tracks t ON t.tenant_id = f.tenant_id AND t.id = f.track_id`),
      },
      { table: 'transactions', body: (rows) => mark(`SELECT tenant_id, store_id, at FROM ${rows}`) },
    ];
    for (const { table, body } of triggers) {
      for (const [event, rows] of [
        ['INSERT', 'NEW'],
        ['UPDATE', 'NEW'],
        ['UPDATE', 'OLD'],
        ['DELETE', 'OLD'],
      ] as const) {
        const fn = `visit_facts_mark_${table}_${event.toLowerCase()}_${rows.toLowerCase()}`;
        const alias = `changed_${rows.toLowerCase()}`;
        await q.query(`
          CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            ${body(alias)}
            RETURN NULL;
          END $$`);
        await q.query(`
          CREATE TRIGGER ${fn} AFTER ${event} ON ${table}
            REFERENCING ${rows} TABLE AS ${alias} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      }
    }
    // a camera's zone, role or name places its sightings; a store's time zone sets its clock: every day of theirs
    for (const [table, storeId, columns] of [
      ['cameras', 'NEW.store_id', 'zone, role, name, store_id'],
      ['stores', 'NEW.id', 'timezone'],
    ] as const) {
      await q.query(`
        CREATE FUNCTION visit_facts_mark_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO visit_facts_dirty (tenant_id, store_id, day)
          SELECT DISTINCT tenant_id, store_id, (started_at AT TIME ZONE 'UTC')::date FROM visit_facts
          WHERE tenant_id = NEW.tenant_id AND store_id = ${storeId}
          ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$`);
      await q.query(`
        CREATE TRIGGER visit_facts_mark_${table} AFTER UPDATE OF ${columns} ON ${table}
          FOR EACH ROW EXECUTE FUNCTION visit_facts_mark_${table}()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['stores', 'cameras']) {
      await q.query(`DROP TRIGGER IF EXISTS visit_facts_mark_${table} ON ${table}`);
      await q.query(`DROP FUNCTION IF EXISTS visit_facts_mark_${table}()`);
    }
    for (const table of ['visits', 'tracks', 'faces', 'transactions'])
      for (const [event, rows] of [
        ['insert', 'new'],
        ['update', 'new'],
        ['update', 'old'],
        ['delete', 'old'],
      ]) {
        const fn = `visit_facts_mark_${table}_${event}_${rows}`;
        await q.query(`DROP TRIGGER IF EXISTS ${fn} ON ${table}`);
        await q.query(`DROP FUNCTION IF EXISTS ${fn}()`);
      }
    await q.query('DROP FUNCTION IF EXISTS visit_facts_days(timestamptz)');
    await q.query('DROP FUNCTION IF EXISTS robust_age(double precision[])');
    await q.query('DROP AGGREGATE IF EXISTS array_cat_agg(double precision[])');
    for (const table of ['visit_facts_person_dirty', 'visit_facts_dirty', 'visit_zone_facts', 'visit_facts'])
      await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
