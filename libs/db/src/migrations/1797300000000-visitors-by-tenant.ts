import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * visitors partitioned by tenant (LIST, one partition per tenant), each partition with its own HNSW graph of
 * centroids, as face_embeddings already is.
 *
 * Why: a track that no identity names joins the nearest anonymous visitor of its tenant (`nearestVisitor`). With one
 * graph of every tenant's visitors, that search walked mostly other tenants' centroids and kept going (iterative
 * scan) until one of its own turned up: at chain scale (10 M visitors over 50 tenants, `npm run bench -- --search`)
 * a small tenant's search would pass through hundreds of other tenants' visitors for each of its own. A partition per
 * tenant makes it a plain search of the tenant's own graph (the tenant filter prunes partitions at plan time).
 *
 * The primary key becomes (tenant_id, id), which tracks already referenced. One trigger function on tenants now
 * creates both of a new tenant's partitions (face_embeddings and visitors), so no path can store either without one.
 */
export class VisitorsByTenant1797300000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracks DROP CONSTRAINT tracks_visitor_fkey`);
    await q.query(`ALTER TABLE visitors RENAME TO visitors_unpartitioned`);
    for (const index of [
      'visitors_pkey',
      'visitors_tenant_id_id_key',
      'visitors_centroid_hnsw_idx',
      'visitors_tenant_id_identity_id_idx',
    ])
      await q.query(`ALTER INDEX ${index} RENAME TO ${index.replace('visitors', 'visitors_unpartitioned')}`);
    await q.query(`ALTER TABLE visitors_unpartitioned DROP CONSTRAINT visitors_identity_fkey`);

    await createVisitors(q, true);

    await q.query(`
      CREATE FUNCTION tenant_partitions_add() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE t text;
      BEGIN
        FOREACH t IN ARRAY ARRAY['face_embeddings', 'visitors'] LOOP
          EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%L)',
                         t || '_' || replace(NEW.id::text, '-', ''), t, NEW.id);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TRIGGER tenants_face_embeddings_partition ON tenants`);
    await q.query(`DROP FUNCTION face_embeddings_add_tenant_partition()`);
    await q.query(`
      CREATE TRIGGER tenants_partitions AFTER INSERT ON tenants
        FOR EACH ROW EXECUTE FUNCTION tenant_partitions_add()`);
    // ALWAYS: also when rows arrive through logical replication or a bulk load with session_replication_role=replica
    await q.query(`ALTER TABLE tenants ENABLE ALWAYS TRIGGER tenants_partitions`);
    await q.query(`
      DO $$ DECLARE t uuid; BEGIN
        FOR t IN SELECT id FROM tenants LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF visitors FOR VALUES IN (%L)',
                         'visitors_' || replace(t::text, '-', ''), t);
        END LOOP;
      END $$`);
    await moveVisitorsFrom(q, 'visitors_unpartitioned');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracks DROP CONSTRAINT tracks_visitor_fkey`);
    await q.query(`DROP TRIGGER tenants_partitions ON tenants`);
    await q.query(`DROP FUNCTION tenant_partitions_add()`);
    await q.query(`
      CREATE FUNCTION face_embeddings_add_tenant_partition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF face_embeddings FOR VALUES IN (%L)',
                       'face_embeddings_' || replace(NEW.id::text, '-', ''), NEW.id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tenants_face_embeddings_partition AFTER INSERT ON tenants
        FOR EACH ROW EXECUTE FUNCTION face_embeddings_add_tenant_partition()`);
    await q.query(`ALTER TABLE tenants ENABLE ALWAYS TRIGGER tenants_face_embeddings_partition`);
    await q.query(`ALTER TABLE visitors RENAME TO visitors_partitioned`);
    await q.query(`ALTER INDEX visitors_pkey RENAME TO visitors_partitioned_pkey`);
    await q.query(`ALTER INDEX visitors_centroid_hnsw_idx RENAME TO visitors_partitioned_centroid_hnsw_idx`);
    await q.query(`ALTER INDEX visitors_tenant_id_identity_id_idx RENAME TO visitors_partitioned_identity_idx`);
    await q.query(`ALTER TABLE visitors_partitioned DROP CONSTRAINT visitors_identity_fkey`);
    await createVisitors(q, false);
    await moveVisitorsFrom(q, 'visitors_partitioned');
  }
}

/** The visitors table with its indexes: partitioned by tenant (its key then holds tenant_id), or one table as before. */
async function createVisitors(q: QueryRunner, partitioned: boolean): Promise<void> {
  await q.query(`
    CREATE TABLE visitors (
      id          uuid NOT NULL,
      tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      centroid    vector(128),
      model_id    text NOT NULL,
      track_count integer NOT NULL DEFAULT 1 CHECK (track_count >= 0),
      identity_id uuid,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      ${partitioned ? 'CONSTRAINT visitors_pkey PRIMARY KEY (tenant_id, id),' : 'CONSTRAINT visitors_pkey PRIMARY KEY (id),\n      CONSTRAINT visitors_tenant_id_id_key UNIQUE (tenant_id, id),'}
      CONSTRAINT visitors_identity_fkey FOREIGN KEY (tenant_id, identity_id)
        REFERENCES identities (tenant_id, id) ON DELETE SET NULL (identity_id)
    )${partitioned ? ' PARTITION BY LIST (tenant_id)' : ''}`);
  // pgvector's defaults (m=16, ef_construction=64), as face_embeddings: measured with `npm run bench -- --search`
  await q.query(`CREATE INDEX visitors_centroid_hnsw_idx ON visitors USING hnsw (centroid vector_cosine_ops)`);
  await q.query(
    `CREATE INDEX visitors_tenant_id_identity_id_idx ON visitors (tenant_id, identity_id) WHERE identity_id IS NOT NULL`,
  );
}

/** Moves the rows of the old visitors table into the new one, drops the old one and points tracks at the new one. */
async function moveVisitorsFrom(q: QueryRunner, old: string): Promise<void> {
  await q.query(`
    INSERT INTO visitors (id, tenant_id, centroid, model_id, track_count, identity_id, created_at, updated_at)
    SELECT id, tenant_id, centroid, model_id, track_count, identity_id, created_at, updated_at FROM ${old}`);
  await q.query(`DROP TABLE ${old}`);
  await q.query(`
    ALTER TABLE tracks ADD CONSTRAINT tracks_visitor_fkey FOREIGN KEY (tenant_id, visitor_id)
      REFERENCES visitors (tenant_id, id) ON DELETE SET NULL (visitor_id)`);
}
