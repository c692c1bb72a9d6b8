import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the services need beyond the initial schema:
 * - media.purpose / media.identity_id: a photo uploaded to enrol an identity goes through the same pipeline as
 *   camera media, and classification must know to enrol its face instead of identifying it;
 * - media.frame_count: set when sampling has finished, so "all frames sampled" is known without guessing;
 * - alerts: one row per sighting of a watchlisted identity (unique per face, so a replay alerts once).
 */
export class EnrolmentProgressAlerts1795900000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE media
        ADD COLUMN purpose text NOT NULL DEFAULT 'analysis' CHECK (purpose IN ('analysis', 'enrolment')),
        ADD COLUMN identity_id uuid,
        ADD COLUMN frame_count integer CHECK (frame_count >= 0),
        ADD CONSTRAINT media_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE CASCADE,
        ADD CONSTRAINT media_enrolment_identity_check CHECK ((purpose = 'enrolment') = (identity_id IS NOT NULL))`);
    await q.query(
      `CREATE INDEX media_tenant_id_identity_id_idx ON media (tenant_id, identity_id) WHERE identity_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE alerts (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        face_id     uuid NOT NULL,
        identity_id uuid NOT NULL,
        camera_id   uuid,
        similarity  real NOT NULL,
        seen_at     timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alerts_face_id_key UNIQUE (face_id),
        CONSTRAINT alerts_face_fkey FOREIGN KEY (tenant_id, face_id) REFERENCES faces (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT alerts_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX alerts_tenant_id_seen_at_idx ON alerts (tenant_id, seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS alerts`);
    await q.query(`
      ALTER TABLE media
        DROP CONSTRAINT IF EXISTS media_enrolment_identity_check,
        DROP CONSTRAINT IF EXISTS media_identity_fkey,
        DROP COLUMN IF EXISTS frame_count,
        DROP COLUMN IF EXISTS identity_id,
        DROP COLUMN IF EXISTS purpose`);
  }
}
