import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The enrolled gallery gets an HNSW graph of its own: `face_embeddings.gallery_identity_id` is the live identity a
 * face is a reference image of (NULL for every other face), and a partial HNSW index `WHERE gallery_identity_id IS
 * NOT NULL` (one per tenant partition, like the full one) holds only those faces.
 *
 * Why: the gallery search (classification's open-set identification) used to walk the tenant's one graph of all its
 * faces and join identity_faces and identities to every candidate; about 1 face in 11 is enrolled, so the iterative
 * scan walked the graph far past k and paid the joins on every face it passed (at 1M vectors the gallery search was
 * most of the decision's Postgres CPU; see the README, "Vector search at chain scale"). Walking a graph of enrolled
 * faces only, the first ef_search candidates are all gallery faces, and the identity comes with the row.
 *
 * The column is kept by triggers, so every path that enrols, moves, unenrols, deletes or restores keeps it right:
 * - face_embeddings BEFORE INSERT: a vector stored for a face already enrolled (re-embedding after a model change);
 * - identity_faces AFTER INSERT/UPDATE/DELETE: enrolment, a face moved to another identity, unenrolment (also by
 *   cascade when the identity or the face is removed);
 * - identities AFTER UPDATE OF deleted_at: soft delete (and an undelete) of the identity.
 * Like the partition trigger they fire ALWAYS, also for rows that arrive by logical replication or a bulk load with
 * session_replication_role=replica.
 *
 * Cost: setting the column on a row writes a new row version, which is inserted into the tenant's full graph as
 * well (the column is in the partial index's predicate, so the update is never HOT): enrolments are rare, but the
 * backfill below does this once for every enrolled face (at 1M enrolled faces, plan for hours and a VACUUM after).
 */
export class GalleryGraph1797100000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE face_embeddings ADD COLUMN gallery_identity_id uuid`);

    await q.query(`
      CREATE FUNCTION face_embeddings_set_gallery_identity() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.gallery_identity_id := (
          SELECT g.identity_id FROM public.identity_faces g
            JOIN public.identities i ON i.tenant_id = g.tenant_id AND i.id = g.identity_id AND i.deleted_at IS NULL
           WHERE g.tenant_id = NEW.tenant_id AND g.face_id = NEW.face_id);
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER face_embeddings_gallery_identity BEFORE INSERT ON face_embeddings
        FOR EACH ROW EXECUTE FUNCTION face_embeddings_set_gallery_identity()`);

    await q.query(`
      CREATE FUNCTION identity_faces_sync_gallery() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE live uuid;
      BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.tenant_id, OLD.face_id) IS DISTINCT FROM (NEW.tenant_id, NEW.face_id)) THEN
          UPDATE public.face_embeddings SET gallery_identity_id = NULL
           WHERE tenant_id = OLD.tenant_id AND face_id = OLD.face_id AND gallery_identity_id IS NOT NULL;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          live := (SELECT id FROM public.identities
                    WHERE tenant_id = NEW.tenant_id AND id = NEW.identity_id AND deleted_at IS NULL);
          UPDATE public.face_embeddings SET gallery_identity_id = live
           WHERE tenant_id = NEW.tenant_id AND face_id = NEW.face_id AND gallery_identity_id IS DISTINCT FROM live;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER identity_faces_gallery AFTER INSERT OR UPDATE OR DELETE ON identity_faces
        FOR EACH ROW EXECUTE FUNCTION identity_faces_sync_gallery()`);

    await q.query(`
      CREATE FUNCTION identities_sync_gallery() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE public.face_embeddings e
           SET gallery_identity_id = CASE WHEN NEW.deleted_at IS NULL THEN NEW.id END
          FROM public.identity_faces g
         WHERE g.tenant_id = NEW.tenant_id AND g.identity_id = NEW.id
           AND e.tenant_id = g.tenant_id AND e.face_id = g.face_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER identities_gallery AFTER UPDATE OF deleted_at ON identities
        FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
        EXECUTE FUNCTION identities_sync_gallery()`);

    for (const [table, trigger] of [
      ['face_embeddings', 'face_embeddings_gallery_identity'],
      ['identity_faces', 'identity_faces_gallery'],
      ['identities', 'identities_gallery'],
    ])
      await q.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`);

    await q.query(`
      UPDATE face_embeddings e SET gallery_identity_id = g.identity_id
        FROM identity_faces g
        JOIN identities i ON i.tenant_id = g.tenant_id AND i.id = g.identity_id AND i.deleted_at IS NULL
       WHERE e.tenant_id = g.tenant_id AND e.face_id = g.face_id`);
    // same graph parameters as the full index (pgvector's defaults, m=16, ef_construction=64)
    await q.query(`
      CREATE INDEX face_embeddings_gallery_hnsw_idx ON face_embeddings
        USING hnsw (embedding vector_cosine_ops) WHERE gallery_identity_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX face_embeddings_gallery_hnsw_idx`);
    await q.query(`DROP TRIGGER identities_gallery ON identities`);
    await q.query(`DROP TRIGGER identity_faces_gallery ON identity_faces`);
    await q.query(`DROP TRIGGER face_embeddings_gallery_identity ON face_embeddings`);
    await q.query(`DROP FUNCTION identities_sync_gallery()`);
    await q.query(`DROP FUNCTION identity_faces_sync_gallery()`);
    await q.query(`DROP FUNCTION face_embeddings_set_gallery_identity()`);
    await q.query(`ALTER TABLE face_embeddings DROP COLUMN gallery_identity_id`);
  }
}
