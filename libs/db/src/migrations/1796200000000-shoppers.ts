import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shoppers, not faces:
 * - cameras.role gains `promotion` (a promotion display), so a zone can say what kind of place it is;
 * - faces.matches: the face's nearest identities, so a track can be named from all its faces by the one rule;
 * - tracks: one person in consecutive frames of one camera, recomputed from its faces (id from its first face);
 * - visitors: anonymous people of a tenant with the centroid of their tracks (pgvector), later possibly enrolled;
 * - visits: one person's tracks in one store without a gap longer than the visit gap (id from its first track);
 * - transactions: sales at a store, matched to visits when read (visits can still grow after the sale arrives).
 * Deleting a camera removes its tracks; deleting an identity removes its visits and unlinks its visitors.
 */
export class Shoppers1796200000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cameras DROP CONSTRAINT cameras_role_check`);
    await q.query(`
      ALTER TABLE cameras ADD CONSTRAINT cameras_role_check
        CHECK (role IN ('entrance', 'checkout', 'floor', 'promotion', 'other'))`);

    await q.query(`
      CREATE TABLE visitors (
        id          uuid PRIMARY KEY,
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        centroid    vector(128) NOT NULL,
        model_id    text NOT NULL,
        track_count integer NOT NULL DEFAULT 1 CHECK (track_count >= 0),
        identity_id uuid,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT visitors_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT visitors_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE SET NULL (identity_id)
      )`);
    await q.query(`CREATE INDEX visitors_centroid_hnsw_idx ON visitors USING hnsw (centroid vector_cosine_ops)`);
    await q.query(
      `CREATE INDEX visitors_tenant_id_identity_id_idx ON visitors (tenant_id, identity_id) WHERE identity_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE visits (
        id          uuid PRIMARY KEY,
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id    uuid NOT NULL,
        person_key  text NOT NULL,
        identity_id uuid,
        visitor_id  uuid,
        started_at  timestamptz NOT NULL,
        ended_at    timestamptz NOT NULL CHECK (ended_at >= started_at),
        track_count integer NOT NULL CHECK (track_count > 0),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT visits_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT visits_store_fkey FOREIGN KEY (tenant_id, store_id) REFERENCES stores (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT visits_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX visits_tenant_id_store_id_started_at_idx ON visits (tenant_id, store_id, started_at)`);
    await q.query(
      `CREATE INDEX visits_tenant_id_person_key_started_at_idx ON visits (tenant_id, person_key, started_at)`,
    );

    await q.query(`
      CREATE TABLE tracks (
        id            uuid PRIMARY KEY,
        tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id      uuid NOT NULL,
        camera_id     uuid NOT NULL,
        first_face_id uuid NOT NULL,
        started_at    timestamptz NOT NULL,
        ended_at      timestamptz NOT NULL CHECK (ended_at >= started_at),
        interval_ms   integer NOT NULL CHECK (interval_ms > 0),
        face_count    integer NOT NULL CHECK (face_count > 0),
        centroid      vector(128) NOT NULL,
        model_id      text NOT NULL,
        identity_id   uuid,
        similarity    real,
        visitor_id    uuid,
        person_key    text,
        visit_id      uuid,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tracks_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT tracks_camera_fkey FOREIGN KEY (tenant_id, camera_id) REFERENCES cameras (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT tracks_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE SET NULL (identity_id),
        CONSTRAINT tracks_visitor_fkey FOREIGN KEY (tenant_id, visitor_id)
          REFERENCES visitors (tenant_id, id) ON DELETE SET NULL (visitor_id),
        CONSTRAINT tracks_visit_fkey FOREIGN KEY (tenant_id, visit_id)
          REFERENCES visits (tenant_id, id) ON DELETE SET NULL (visit_id)
      )`);
    await q.query(
      `CREATE INDEX tracks_tenant_id_camera_id_started_at_idx ON tracks (tenant_id, camera_id, started_at)`,
    );
    await q.query(`CREATE INDEX tracks_tenant_id_store_id_person_key_idx ON tracks (tenant_id, store_id, person_key)`);
    await q.query(
      `CREATE INDEX tracks_tenant_id_visitor_id_idx ON tracks (tenant_id, visitor_id) WHERE visitor_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX tracks_tenant_id_visit_id_idx ON tracks (tenant_id, visit_id) WHERE visit_id IS NOT NULL`,
    );

    await q.query(`
      ALTER TABLE faces
        ADD COLUMN matches jsonb,
        ADD COLUMN track_id uuid,
        ADD CONSTRAINT faces_track_fkey FOREIGN KEY (tenant_id, track_id)
          REFERENCES tracks (tenant_id, id) ON DELETE SET NULL (track_id)`);
    await q.query(
      `CREATE INDEX faces_tenant_id_track_id_idx ON faces (tenant_id, track_id) WHERE track_id IS NOT NULL`,
    );
    // the tracker reads a camera's frames by time
    await q.query(`CREATE INDEX frames_tenant_id_captured_at_idx ON frames (tenant_id, captured_at)`);

    await q.query(`
      CREATE TABLE transactions (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id           uuid NOT NULL,
        at                 timestamptz NOT NULL,
        amount             numeric(14, 2) NOT NULL CHECK (amount >= 0),
        currency           text CHECK (currency ~ '^[A-Z]{3}$'),
        checkout_camera_id uuid,
        external_ref       text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT transactions_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT transactions_store_fkey FOREIGN KEY (tenant_id, store_id)
          REFERENCES stores (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT transactions_camera_fkey FOREIGN KEY (tenant_id, checkout_camera_id)
          REFERENCES cameras (tenant_id, id) ON DELETE SET NULL (checkout_camera_id)
      )`);
    await q.query(`CREATE INDEX transactions_tenant_id_store_id_at_idx ON transactions (tenant_id, store_id, at)`);
    // a till system re-sending its sales adds nothing
    await q.query(`
      CREATE UNIQUE INDEX transactions_store_external_ref_key ON transactions (tenant_id, store_id, external_ref)
        WHERE external_ref IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS transactions`);
    await q.query(`DROP INDEX IF EXISTS frames_tenant_id_captured_at_idx`);
    await q.query(
      `ALTER TABLE faces DROP CONSTRAINT IF EXISTS faces_track_fkey, DROP COLUMN IF EXISTS track_id, DROP COLUMN IF EXISTS matches`,
    );
    await q.query(`DROP TABLE IF EXISTS tracks`);
    await q.query(`DROP TABLE IF EXISTS visits`);
    await q.query(`DROP TABLE IF EXISTS visitors`);
    await q.query(`DELETE FROM cameras WHERE role = 'promotion'`);
    await q.query(`ALTER TABLE cameras DROP CONSTRAINT cameras_role_check`);
    await q.query(`
      ALTER TABLE cameras ADD CONSTRAINT cameras_role_check CHECK (role IN ('entrance', 'checkout', 'floor', 'other'))`);
  }
}
