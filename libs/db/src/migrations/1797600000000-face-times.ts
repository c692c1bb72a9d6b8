import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A face carries its frame's recording time (`faces.captured_at`, kept equal to `frames.captured_at` here, by
 * trigger, whoever writes either), and a track's faces are indexed by it: what reading a track's latest faces needs
 * (`trackTails`), which otherwise sorted every face of the track by its frame's time, on every decision that
 * continued it (5-10 ms a call on a track of 3,000 faces, growing with the track). The index replaces the one on
 * (tenant_id, track_id), which is its prefix.
 */
export class FaceTimes1797600000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE faces ADD COLUMN captured_at timestamptz`);
    await q.query(`
      UPDATE faces f SET captured_at = fr.captured_at
      FROM frames fr WHERE fr.tenant_id = f.tenant_id AND fr.id = f.frame_id`);
    await q.query(`ALTER TABLE faces ALTER COLUMN captured_at SET NOT NULL`);
    await q.query(`
      CREATE FUNCTION storelens_face_captured_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- no such frame of the tenant: the foreign key refuses the row (with its own error, after this)
        NEW.captured_at := COALESCE(
          (SELECT captured_at FROM frames WHERE tenant_id = NEW.tenant_id AND id = NEW.frame_id), '-infinity');
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER faces_captured_at BEFORE INSERT OR UPDATE OF frame_id, tenant_id, captured_at ON faces
        FOR EACH ROW EXECUTE FUNCTION storelens_face_captured_at()`);
    await q.query(`
      CREATE FUNCTION storelens_frame_captured_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE faces SET captured_at = NEW.captured_at WHERE tenant_id = NEW.tenant_id AND frame_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER frames_captured_at AFTER UPDATE OF captured_at ON frames
        FOR EACH ROW WHEN (OLD.captured_at IS DISTINCT FROM NEW.captured_at)
        EXECUTE FUNCTION storelens_frame_captured_at()`);
    await q.query(`
      CREATE INDEX faces_tenant_id_track_id_captured_at_idx ON faces (tenant_id, track_id, captured_at)
        WHERE track_id IS NOT NULL`);
    await q.query(`DROP INDEX faces_tenant_id_track_id_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX faces_tenant_id_track_id_idx ON faces (tenant_id, track_id) WHERE track_id IS NOT NULL`,
    );
    await q.query(`DROP INDEX faces_tenant_id_track_id_captured_at_idx`);
    await q.query(`DROP TRIGGER frames_captured_at ON frames`);
    await q.query(`DROP FUNCTION storelens_frame_captured_at()`);
    await q.query(`DROP TRIGGER faces_captured_at ON faces`);
    await q.query(`DROP FUNCTION storelens_face_captured_at()`);
    await q.query(`ALTER TABLE faces DROP COLUMN captured_at`);
  }
}
