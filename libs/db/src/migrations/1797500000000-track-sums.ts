import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A track keeps the exact sums its summary is made from (`sums`, TrackSums in `@storelens/tracking`): a decision
 * adds the faces it moves onto the track and takes out those it moves off, instead of summing up every face of the
 * track again. On a track of 3,000 faces (a cashier in view for minutes) that read cost 74-154 ms a decision.
 *
 * Sums are only right while nothing else changes the track's faces. Whatever does (a face or its vector deleted:
 * erasure, retention; a face decided again with other matches; its vector replaced) forgets the sums here, in the
 * same transaction, and the next decision sums the track up from its faces. Forgetting also removes what the sums
 * hold of erased faces (their vectors' sum, the identities they matched). `sums_version` changes with every write
 * of the sums, so a decision that read them before such a change does not write back sums that include it.
 */
export class TrackSums1797500000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracks ADD COLUMN sums jsonb, ADD COLUMN sums_version integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION storelens_forget_track_sums() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          UPDATE tracks t SET sums = NULL, sums_version = t.sums_version + 1
          FROM (SELECT DISTINCT tenant_id, track_id FROM gone WHERE track_id IS NOT NULL) g
          WHERE t.tenant_id = g.tenant_id AND t.id = g.track_id;
        ELSIF TG_TABLE_NAME = 'faces' THEN
          UPDATE tracks SET sums = NULL, sums_version = sums_version + 1
          WHERE tenant_id = OLD.tenant_id AND id = OLD.track_id;
        ELSE
          UPDATE tracks t SET sums = NULL, sums_version = t.sums_version + 1
          FROM faces f
          WHERE f.tenant_id = OLD.tenant_id AND f.id = OLD.face_id AND t.tenant_id = f.tenant_id AND t.id = f.track_id;
        END IF;
        RETURN NULL;
      END $$`);
    // faces deleted (a media's, by erasure or retention): one statement for all of them
    await q.query(`
      CREATE TRIGGER faces_forget_track_sums_on_delete AFTER DELETE ON faces
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION storelens_forget_track_sums()`);
    // a tracked face decided again with other matches, or no longer decided
    await q.query(`
      CREATE TRIGGER faces_forget_track_sums_on_update AFTER UPDATE OF matches, decided_at ON faces FOR EACH ROW
        WHEN (OLD.track_id IS NOT NULL AND (OLD.matches IS DISTINCT FROM NEW.matches
              OR (OLD.decided_at IS NULL) <> (NEW.decided_at IS NULL)))
        EXECUTE FUNCTION storelens_forget_track_sums()`);
    // a face's vector deleted or replaced (row triggers: no cost to the inserts of new vectors)
    await q.query(`
      CREATE TRIGGER face_embeddings_forget_track_sums_on_delete AFTER DELETE ON face_embeddings FOR EACH ROW
        EXECUTE FUNCTION storelens_forget_track_sums()`);
    await q.query(`
      CREATE TRIGGER face_embeddings_forget_track_sums_on_update AFTER UPDATE OF embedding ON face_embeddings
        FOR EACH ROW WHEN (OLD.embedding IS DISTINCT FROM NEW.embedding)
        EXECUTE FUNCTION storelens_forget_track_sums()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER face_embeddings_forget_track_sums_on_update ON face_embeddings`);
    await q.query(`DROP TRIGGER face_embeddings_forget_track_sums_on_delete ON face_embeddings`);
    await q.query(`DROP TRIGGER faces_forget_track_sums_on_update ON faces`);
    await q.query(`DROP TRIGGER faces_forget_track_sums_on_delete ON faces`);
    await q.query(`DROP FUNCTION storelens_forget_track_sums()`);
    await q.query(`ALTER TABLE tracks DROP COLUMN sums, DROP COLUMN sums_version`);
  }
}
