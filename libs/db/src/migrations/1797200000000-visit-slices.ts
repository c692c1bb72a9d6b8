import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Store-day slices of the visit facts, so a chain's 90 days are answered from a few thousand rows instead of a
 * million visits (traffic, demographics, zones and conversion).
 *
 * A slice is one store's visits that started in one UTC day and one day of the store's clock (a store day meets two
 * UTC days, so up to two slices; a range cut at UTC or at the store's midnights is whole slices). It holds:
 * - `people`: one 8-byte entry per person and hour with a visit started there (the person's number, the UTC and the
 *   store's hour, returning/member flags and their demographic cell, visits), from which distinct people of any
 *   period and any set of stores are counted exactly by the reader;
 * - `peaks`: the store's occupancy peak (visits in progress at one instant) in each hour of the slice;
 * - zones (`visit_zone_slices`: visits, faces per emotion, a dwell histogram) and conversion cells
 *   (`visit_conversion_slices`: visits, buyers, checkout reached, sales and revenue per segment), which add up.
 *
 * `visit_people` numbers a tenant's people (the entries' 32-bit person) and keeps each person's demographic cell:
 * their gender by the weighted vote of all their faces and the age band of all their ages (a person is one person in
 * every report, whatever range is asked). Triggers on `visit_facts` mark the UTC days (of a visit's start and end)
 * whose slices changed, and the people whose cell may have; a person with no visit left loses their number at once.
 */
/** The statement triggers on visit_facts: one per event and transition table. */
const TRIGGER_EVENTS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['UPDATE', 'OLD'],
  ['DELETE', 'OLD'],
] as const;
const triggerName = (event: string, rows: string) => `visit_slices_mark_${event.toLowerCase()}_${rows.toLowerCase()}`;

export class VisitSlices1797200000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE visit_people (
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        person_key text NOT NULL,
        person_no  integer NOT NULL CHECK (person_no >= 0),
        -- gender (0 unknown, 1 female, 2 male) * 8 + age band (0-6 by AGE_BANDS, 7 unknown)
        cell       smallint NOT NULL CHECK (cell BETWEEN 0 AND 23),
        identified boolean NOT NULL,
        PRIMARY KEY (tenant_id, person_key),
        UNIQUE (tenant_id, person_no)
      )`);
    await q.query(`
      CREATE TABLE visit_people_dirty (
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        person_key text NOT NULL,
        PRIMARY KEY (tenant_id, person_key)
      )`);
    await q.query(`
      CREATE TABLE visit_slices_dirty (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id  uuid NOT NULL,
        utc_day   date NOT NULL,
        PRIMARY KEY (tenant_id, store_id, utc_day)
      )`);
    await q.query(`
      CREATE TABLE visit_slices (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id  uuid NOT NULL,
        utc_day   date NOT NULL,
        local_day date NOT NULL,
        -- the instants the slice covers: [lo, hi) is the UTC day and the store's day in common
        lo        timestamptz NOT NULL,
        hi        timestamptz NOT NULL,
        visits    integer NOT NULL,
        people    bytea NOT NULL,
        -- (UTC hour, store hour, occupancy peak) triples
        peaks     smallint[] NOT NULL,
        PRIMARY KEY (tenant_id, store_id, utc_day, local_day)
      )`);
    await q.query(`CREATE INDEX visit_slices_tenant_id_lo_idx ON visit_slices (tenant_id, lo)`);
    const sliceKey = `
        tenant_id uuid NOT NULL,
        store_id  uuid NOT NULL,
        utc_day   date NOT NULL,
        local_day date NOT NULL,
        lo        timestamptz NOT NULL,
        hi        timestamptz NOT NULL,`;
    const sliceRef = `FOREIGN KEY (tenant_id, store_id, utc_day, local_day)
        REFERENCES visit_slices (tenant_id, store_id, utc_day, local_day) ON DELETE CASCADE`;
    await q.query(`
      CREATE TABLE visit_zone_slices (${sliceKey}
        zone      text NOT NULL,
        kind      text NOT NULL,
        visits    integer NOT NULL,
        -- faces per emotion, in the order of EMOTIONS
        emotions  integer[] NOT NULL,
        -- dwell histogram: bin numbers (dwellBin) and visits in each
        bins      smallint[] NOT NULL,
        counts    integer[] NOT NULL,
        PRIMARY KEY (tenant_id, store_id, utc_day, local_day, zone),
        ${sliceRef}
      )`);
    await q.query(`CREATE INDEX visit_zone_slices_tenant_id_lo_idx ON visit_zone_slices (tenant_id, lo)`);
    await q.query(`
      CREATE TABLE visit_conversion_slices (${sliceKey}
        identified       boolean NOT NULL,
        is_returning     boolean NOT NULL,
        gender           text NOT NULL,
        age_band         text NOT NULL,
        visits           integer NOT NULL,
        bought           integer NOT NULL,
        reached_checkout integer NOT NULL,
        sales            integer NOT NULL,
        revenue          numeric(16, 2) NOT NULL,
        PRIMARY KEY (tenant_id, store_id, utc_day, local_day, identified, is_returning, gender, age_band),
        ${sliceRef}
      )`);
    await q.query(`CREATE INDEX visit_conversion_slices_tenant_id_lo_idx ON visit_conversion_slices (tenant_id, lo)`);

    // Statement-level triggers on the facts: the UTC days of each changed visit's start and end, and its person.
    const body = (rows: string, deleting: boolean) => `
      INSERT INTO visit_slices_dirty (tenant_id, store_id, utc_day)
      SELECT DISTINCT tenant_id, store_id, d
      FROM ${rows}, LATERAL (VALUES ((started_at AT TIME ZONE 'UTC')::date), ((ended_at AT TIME ZONE 'UTC')::date)) x (d)
      ON CONFLICT DO NOTHING;
      ${
        deleting
          ? // a person with no visit left (erased) is forgotten here and now: no key of theirs waits for a
            // refresh. (A day's facts being recomputed leave the visits, so the person keeps their number.)
            `DELETE FROM visit_people p USING (SELECT DISTINCT tenant_id, person_key FROM ${rows}) c
             WHERE p.tenant_id = c.tenant_id AND p.person_key = c.person_key
               AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.tenant_id = c.tenant_id AND v.person_key = c.person_key);`
          : ''
      }
      INSERT INTO visit_people_dirty (tenant_id, person_key)
      SELECT DISTINCT c.tenant_id, c.person_key FROM ${rows} c
      WHERE EXISTS (SELECT 1 FROM visits v WHERE v.tenant_id = c.tenant_id AND v.person_key = c.person_key)
      ON CONFLICT DO NOTHING;`;
    for (const [event, rows] of TRIGGER_EVENTS) {
      const fn = triggerName(event, rows);
      const alias = `changed_${rows.toLowerCase()}`;
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          ${body(alias, rows === 'OLD')}
          RETURN NULL;
        END $$`);
      await q.query(`
        CREATE TRIGGER ${fn} AFTER ${event} ON visit_facts
        REFERENCING ${rows} TABLE AS ${alias} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }

    // facts built before this migration: every day and person is marked, the service builds their slices
    await q.query(`
      INSERT INTO visit_slices_dirty (tenant_id, store_id, utc_day)
      SELECT DISTINCT tenant_id, store_id, (started_at AT TIME ZONE 'UTC')::date FROM visit_facts
      ON CONFLICT DO NOTHING`);
    await q.query(`
      INSERT INTO visit_people_dirty (tenant_id, person_key)
      SELECT DISTINCT tenant_id, person_key FROM visit_facts ON CONFLICT DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [event, rows] of TRIGGER_EVENTS) {
      const fn = triggerName(event, rows);
      await q.query(`DROP TRIGGER IF EXISTS ${fn} ON visit_facts`);
      await q.query(`DROP FUNCTION IF EXISTS ${fn}()`);
    }
    for (const t of [
      'visit_conversion_slices',
      'visit_zone_slices',
      'visit_slices',
      'visit_slices_dirty',
      'visit_people_dirty',
      'visit_people',
    ])
      await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
