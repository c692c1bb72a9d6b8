import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AGE_BANDS, ageBandSql, EMOTION_LABELS, GENDERS, ROLLUP_COUNTS } from '../reporting/rollup-columns';
import { BI_GROUP, createReportingView, ensureRole, exposeToReporting, REPORTING_OWNER } from '../reporting/roles';

/** Base tables the reporting views read: each gets row-level security keyed on the asking login's tenant. */
const REPORTED_TABLES = [
  'stores',
  'cameras',
  'identities',
  'media',
  'frames',
  'faces',
  'alerts',
  'traffic_hourly',
  'presence_hourly',
  'tracks',
  'visits',
  'transactions',
];

/**
 * Results for the BI team and the dashboard:
 *
 * - Rollups. `traffic_hourly` holds per camera and UTC hour the counts of ROLLUP_COUNTS; `presence_hourly` one row
 *   per person (identity or anonymous visitor) seen at a camera in an hour, for exact distinct visitors over any
 *   range without reading faces. Both are kept current incrementally: triggers on faces (and on media deletion)
 *   record each (camera, hour) bucket whose faces changed in `rollup_dirty`; the analytics service recomputes dirty
 *   buckets from the raw rows (RollupRepository.refresh), in the background and before answering a summary. A
 *   recompute of a whole bucket is idempotent and does not depend on the order in which detection, attributes and
 *   classification write a face.
 *
 * - Shoppers (tracks, visits, sales; migration 1796200000000) are reported as they are kept: a visit's demographics,
 *   its dwell per zone and the sales at its store are views over visits, tracks and faces.
 *
 * - Schema `reporting`: views for BI tools (no embeddings, boxes, object keys, API keys or secrets), each with a
 *   tenant_id. Tenant isolation is Postgres' own: the views are owned by the NOLOGIN role storelens_reporting, which
 *   may SELECT the base tables under row-level security with a policy `tenant_id = reporting.current_tenant()`;
 *   current_tenant() maps the session's login to its tenant through `bi_logins`. The views are not
 *   security_invoker, so a BI login needs (and has) no privilege on a base table; the policy's barrier is applied
 *   below every view, so a user's own WHERE clause or function never sees another tenant's row.
 */
export class ReportingRollups1796700000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await ensureRole(q, REPORTING_OWNER);
    await ensureRole(q, BI_GROUP);

    await q.query(`
      CREATE TABLE bi_logins (
        role_name  text PRIMARY KEY,
        tenant_id  uuid NOT NULL UNIQUE REFERENCES tenants (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`CREATE SCHEMA reporting`);
    await q.query(`GRANT USAGE, CREATE ON SCHEMA reporting TO ${REPORTING_OWNER}`);
    await q.query(`GRANT USAGE ON SCHEMA reporting TO ${BI_GROUP}`);
    // SECURITY DEFINER: the mapping table is readable by no reporting role; session_user cannot be changed by them
    await q.query(`
      CREATE FUNCTION reporting.current_tenant() RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$ SELECT tenant_id FROM public.bi_logins WHERE role_name = session_user $$`);
    await q.query(`REVOKE ALL ON FUNCTION reporting.current_tenant() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION reporting.current_tenant() TO ${REPORTING_OWNER}, ${BI_GROUP}`);

    // ---- rollups ----
    const counts = ROLLUP_COUNTS.map((c) => `${c.name} integer NOT NULL DEFAULT 0`).join(',\n        ');
    await q.query(`
      CREATE TABLE traffic_hourly (
        tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        hour         timestamptz NOT NULL,
        store_id     uuid NOT NULL,
        camera_id    uuid NOT NULL,
        ${counts},
        refreshed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, hour, camera_id),
        CONSTRAINT traffic_hourly_camera_fkey FOREIGN KEY (tenant_id, camera_id)
          REFERENCES cameras (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX traffic_hourly_tenant_id_store_id_hour_idx ON traffic_hourly (tenant_id, store_id, hour)`,
    );
    await q.query(`
      CREATE TABLE presence_hourly (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        hour      timestamptz NOT NULL,
        camera_id uuid NOT NULL,
        store_id  uuid NOT NULL,
        person_id uuid NOT NULL,
        kind      text NOT NULL CHECK (kind IN ('identity', 'visitor', 'staff')),
        faces     integer NOT NULL,
        PRIMARY KEY (tenant_id, hour, camera_id, person_id),
        CONSTRAINT presence_hourly_camera_fkey FOREIGN KEY (tenant_id, camera_id)
          REFERENCES cameras (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX presence_hourly_tenant_id_store_id_hour_idx ON presence_hourly (tenant_id, store_id, hour) INCLUDE (person_id, kind)`,
    );
    await q.query(`
      CREATE TABLE rollup_dirty (
        tenant_id uuid NOT NULL,
        camera_id uuid NOT NULL,
        hour      timestamptz NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, camera_id, hour)
      )`);
    // a bucket's frames are found by time through frames_tenant_id_captured_at_idx (made by the shoppers migration)

    // Statement-level triggers: one INSERT … SELECT DISTINCT per statement, whatever the number of faces written.
    for (const [event, rows] of [
      ['INSERT', 'NEW'],
      ['UPDATE', 'NEW'],
      ['DELETE', 'OLD'],
    ] as const) {
      const fn = `rollup_mark_faces_${event.toLowerCase()}`;
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO rollup_dirty (tenant_id, camera_id, hour)
          SELECT DISTINCT fr.tenant_id, m.camera_id, date_trunc('hour', fr.captured_at, 'UTC')
          FROM changed f
          JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
          JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
          WHERE m.camera_id IS NOT NULL AND m.purpose = 'analysis'
          ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$`);
      await q.query(`
        CREATE TRIGGER ${fn} AFTER ${event} ON faces
          REFERENCING ${rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
    // Deleting media (retention) cascades to frames before faces: mark its hours while the frames still exist.
    await q.query(`
      CREATE FUNCTION rollup_mark_media_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.camera_id IS NOT NULL THEN
          INSERT INTO rollup_dirty (tenant_id, camera_id, hour)
          SELECT DISTINCT OLD.tenant_id, OLD.camera_id, date_trunc('hour', fr.captured_at, 'UTC')
          FROM frames fr WHERE fr.tenant_id = OLD.tenant_id AND fr.media_id = OLD.id
          ON CONFLICT DO NOTHING;
        END IF;
        RETURN OLD;
      END $$`);
    await q.query(`
      CREATE TRIGGER rollup_mark_media_delete BEFORE DELETE ON media
        FOR EACH ROW EXECUTE FUNCTION rollup_mark_media_delete()`);

    // ---- reporting views ----
    for (const table of REPORTED_TABLES) await exposeToReporting(q, table);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO ${BI_GROUP}`);
    // A BI login writes nothing, not even a temporary table: TEMP and CREATE are held back from PUBLIC (the
    // platform's own role keeps TEMP; PostgreSQL 15 already keeps CREATE on public from PUBLIC).
    await q.query(`
      DO $$ BEGIN
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
      END $$`);
    await q.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);

    await createReportingView(
      q,
      'stores',
      `SELECT s.tenant_id, s.id AS store_id, s.name, s.timezone, s.created_at FROM public.stores s`,
    );
    await createReportingView(
      q,
      'cameras',
      `SELECT c.tenant_id, c.id AS camera_id, c.store_id, c.name, c.role, c.zone, c.fps, c.created_at
       FROM public.cameras c`,
    );
    await createReportingView(
      q,
      'identities',
      `SELECT i.tenant_id, i.id AS identity_id, i.name, i.category, i.external_ref, i.created_at
       FROM public.identities i WHERE i.deleted_at IS NULL`,
    );
    await createReportingView(
      q,
      'media',
      `SELECT m.tenant_id, m.id AS media_id, c.store_id, m.camera_id, m.kind, m.mime, m.bytes, m.status, m.error,
              m.captured_at, m.duration_ms, m.frame_count, m.expires_at, m.created_at
       FROM public.media m
       JOIN public.cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
       WHERE m.purpose = 'analysis'`,
    );
    await createReportingView(
      q,
      'faces',
      `SELECT f.tenant_id, f.id AS face_id, fr.captured_at AS seen_at,
              date_trunc('hour', fr.captured_at, 'UTC') AS hour,
              c.store_id, m.camera_id, c.zone, m.id AS media_id, f.frame_id,
              CASE WHEN f.decided_at IS NULL THEN 'pending'
                   WHEN f.identity_id IS NOT NULL THEN 'identified' ELSE 'unknown' END AS status,
              f.identity_id, i.category AS identity_category, coalesce(i.category = 'staff', false) AS is_staff,
              f.visitor_id, coalesce(f.identity_id, f.visitor_id) AS person_id, f.similarity,
              f.age, ${ageBandSql('f.age')} AS age_band, f.gender, f.gender_confidence, f.emotion,
              f.score AS detection_score, f.decided_at
       FROM public.faces f
       JOIN public.frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       JOIN public.media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id AND m.purpose = 'analysis'
       JOIN public.cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
       LEFT JOIN public.identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id`,
    );
    await createReportingView(
      q,
      'hourly_traffic',
      `SELECT t.tenant_id, t.hour, t.store_id, t.camera_id, c.zone,
              t.faces, t.identified, t.unknown, t.pending, t.member_faces, t.staff_faces, t.watchlist_faces,
              t.people, ${GENDERS.map((g) => `t.${g}`).join(', ')}, ${EMOTION_LABELS.map((e) => `t.emotion_${e}`).join(', ')},
              t.refreshed_at
       FROM public.traffic_hourly t
       JOIN public.cameras c ON c.tenant_id = t.tenant_id AND c.id = t.camera_id`,
    );
    const cells = GENDERS.flatMap((g) => AGE_BANDS.map((b) => `('${b.label}', '${g}', t.${g}_${b.column})`));
    await createReportingView(
      q,
      'demographics',
      `SELECT t.tenant_id, t.hour, t.store_id, t.camera_id, c.zone, d.age_band, d.gender, d.faces
       FROM public.traffic_hourly t
       JOIN public.cameras c ON c.tenant_id = t.tenant_id AND c.id = t.camera_id
       CROSS JOIN LATERAL (VALUES ${cells.join(', ')}) AS d (age_band, gender, faces)
       WHERE d.faces > 0`,
    );
    await createReportingView(
      q,
      'visitors_hourly',
      `SELECT p.tenant_id, p.hour, p.store_id, p.camera_id, p.person_id, p.kind, p.faces
       FROM public.presence_hourly p`,
    );
    await createReportingView(
      q,
      'alerts',
      `SELECT a.tenant_id, a.id AS alert_id, a.seen_at, c.store_id, a.camera_id, a.identity_id, i.name AS identity_name,
              a.similarity, a.face_id, f.frame_id
       FROM public.alerts a
       JOIN public.identities i ON i.tenant_id = a.tenant_id AND i.id = a.identity_id AND i.deleted_at IS NULL
       JOIN public.faces f ON f.tenant_id = a.tenant_id AND f.id = a.face_id
       LEFT JOIN public.cameras c ON c.tenant_id = a.tenant_id AND c.id = a.camera_id`,
    );

    // ---- shoppers: visits, their tracks, dwell per zone, demographics per visit, sales ----
    // a camera's place: its zone, or (no zone) a zone of its own named after it, as the shopper API reads it
    await createReportingView(
      q,
      'tracks',
      `SELECT t.tenant_id, t.id AS track_id, t.store_id, t.camera_id, coalesce(c.zone, c.name) AS zone,
              c.role AS camera_role, t.visit_id, t.identity_id, t.visitor_id, t.started_at, t.ended_at,
              round(extract(epoch FROM (t.ended_at - t.started_at)) + t.interval_ms / 1000.0, 1) AS dwell_s,
              t.face_count
       FROM public.tracks t
       JOIN public.cameras c ON c.tenant_id = t.tenant_id AND c.id = t.camera_id`,
    );
    await createReportingView(
      q,
      'visits',
      `SELECT v.tenant_id, v.id AS visit_id, v.store_id, v.person_key, v.identity_id,
              i.category AS identity_category, coalesce(i.category = 'member', false) AS is_member,
              coalesce(i.category = 'staff', false) AS is_staff, v.visitor_id, v.started_at, v.ended_at,
              round(extract(epoch FROM (v.ended_at - v.started_at)), 1) AS duration_s, v.track_count,
              EXISTS (SELECT 1 FROM public.tracks t JOIN public.cameras c ON c.tenant_id = t.tenant_id AND c.id = t.camera_id
                      WHERE t.tenant_id = v.tenant_id AND t.visit_id = v.id AND c.role = 'checkout') AS reached_checkout,
              (SELECT max(p.started_at) FROM public.visits p
               WHERE p.tenant_id = v.tenant_id AND p.person_key = v.person_key AND p.started_at < v.started_at)
                AS previous_visit_at
       FROM public.visits v
       LEFT JOIN public.identities i ON i.tenant_id = v.tenant_id AND i.id = v.identity_id AND i.deleted_at IS NULL`,
    );
    await createReportingView(
      q,
      'zone_dwell',
      `SELECT t.tenant_id, t.visit_id, t.store_id, coalesce(c.zone, c.name) AS zone, min(t.started_at) AS first_seen_at,
              max(t.ended_at) AS last_seen_at, count(*)::int AS tracks,
              round(sum(extract(epoch FROM (t.ended_at - t.started_at)) + t.interval_ms / 1000.0), 1) AS dwell_s
       FROM public.tracks t
       JOIN public.cameras c ON c.tenant_id = t.tenant_id AND c.id = t.camera_id
       WHERE t.visit_id IS NOT NULL
       GROUP BY t.tenant_id, t.visit_id, t.store_id, coalesce(c.zone, c.name)`,
    );
    await createReportingView(
      q,
      'visit_demographics',
      `SELECT t.tenant_id, t.visit_id, t.store_id, count(*)::int AS faces,
              -- the shopper API's vote: each face's estimate weighs its confidence (0.5 when unknown); ties: male
              CASE WHEN count(f.gender) = 0 THEN NULL
                   WHEN sum(CASE f.gender WHEN 'male' THEN coalesce(f.gender_confidence, 0.5) ELSE 0 END)
                        >= sum(CASE f.gender WHEN 'female' THEN coalesce(f.gender_confidence, 0.5) ELSE 0 END)
                   THEN 'male' ELSE 'female'
              END AS gender,
              round((percentile_cont(0.5) WITHIN GROUP (ORDER BY f.age))::numeric, 1) AS age,
              ${ageBandSql('percentile_cont(0.5) WITHIN GROUP (ORDER BY f.age)')} AS age_band,
              mode() WITHIN GROUP (ORDER BY f.emotion) AS emotion
       FROM public.tracks t
       JOIN public.faces f ON f.tenant_id = t.tenant_id AND f.track_id = t.id
       WHERE t.visit_id IS NOT NULL
       GROUP BY t.tenant_id, t.visit_id, t.store_id`,
    );
    await createReportingView(
      q,
      'transactions',
      `SELECT x.tenant_id, x.id AS transaction_id, x.store_id, x.at, x.amount, x.currency, x.checkout_camera_id,
              x.external_ref, x.created_at
       FROM public.transactions x`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The roles stay: they are cluster-wide and other databases of the cluster may use them.
    await q.query(`DROP SCHEMA IF EXISTS reporting CASCADE`);
    for (const table of REPORTED_TABLES.filter((t) => !t.endsWith('_hourly'))) {
      await q.query(`DROP POLICY IF EXISTS reporting_tenant ON ${table}`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
      await q.query(`REVOKE SELECT ON ${table} FROM ${REPORTING_OWNER}`);
    }
    await q.query(`DROP TRIGGER IF EXISTS rollup_mark_media_delete ON media`);
    await q.query(`DROP FUNCTION IF EXISTS rollup_mark_media_delete()`);
    for (const event of ['insert', 'update', 'delete']) {
      await q.query(`DROP TRIGGER IF EXISTS rollup_mark_faces_${event} ON faces`);
      await q.query(`DROP FUNCTION IF EXISTS rollup_mark_faces_${event}()`);
    }
    for (const table of ['rollup_dirty', 'presence_hourly', 'traffic_hourly', 'bi_logins'])
      await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
