import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * face_embeddings partitioned by tenant (LIST, one partition per tenant), each partition with its own HNSW graph.
 *
 * Why: with one graph shared by every tenant, a search for a small tenant walks mostly other tenants' faces; the
 * iterative scan keeps going until enough of its own turn up, and at chain scale (millions of vectors, tenants of
 * very different sizes) that costs tens of milliseconds per search or returns too few rows. A partition per tenant
 * makes every search a plain search of that tenant's own graph (the tenant filter prunes partitions at plan time).
 *
 * A tenant's partition is created by a trigger when the tenant row is inserted, so no code path can store a vector
 * without one; the primary key becomes (tenant_id, face_id) because a partitioned table's keys must hold the
 * partition key. A deleted tenant's rows go with the tenant (ON DELETE CASCADE); its empty partition stays.
 */
export class EmbeddingsByTenant1796500000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE face_embeddings RENAME TO face_embeddings_unpartitioned`);
    for (const index of ['face_embeddings_pkey', 'face_embeddings_tenant_id_idx', 'face_embeddings_embedding_hnsw_idx'])
      await q.query(
        `ALTER INDEX ${index} RENAME TO ${index.replace('face_embeddings', 'face_embeddings_unpartitioned')}`,
      );

    await q.query(`
      CREATE TABLE face_embeddings (
        face_id    uuid NOT NULL,
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        embedding  vector(128) NOT NULL,
        model_id   text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT face_embeddings_pkey PRIMARY KEY (tenant_id, face_id),
        CONSTRAINT face_embeddings_face_fkey FOREIGN KEY (tenant_id, face_id)
          REFERENCES faces (tenant_id, id) ON DELETE CASCADE
      ) PARTITION BY LIST (tenant_id)`);
    // pgvector's defaults (m=16, ef_construction=64): measured with `storelens bench --search`, see the README
    await q.query(`
      CREATE INDEX face_embeddings_embedding_hnsw_idx ON face_embeddings
        USING hnsw (embedding vector_cosine_ops)`);

    await q.query(`
      CREATE FUNCTION face_embeddings_add_tenant_partition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF face_embeddings FOR VALUES IN (%L)',
                       'face_embeddings_' || replace(NEW.id::text, '-', ''), NEW.id);
        RETURN NULL;
      END $$`);
    // ALWAYS: also when rows arrive through logical replication or a bulk load with session_replication_role=replica
    await q.query(`
      CREATE TRIGGER tenants_face_embeddings_partition AFTER INSERT ON tenants
        FOR EACH ROW EXECUTE FUNCTION face_embeddings_add_tenant_partition()`);
    await q.query(`ALTER TABLE tenants ENABLE ALWAYS TRIGGER tenants_face_embeddings_partition`);
    await q.query(`
      DO $$ DECLARE t uuid; BEGIN
        FOR t IN SELECT id FROM tenants LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF face_embeddings FOR VALUES IN (%L)',
                         'face_embeddings_' || replace(t::text, '-', ''), t);
        END LOOP;
      END $$`);
    await q.query(`
      INSERT INTO face_embeddings (face_id, tenant_id, embedding, model_id, created_at, updated_at)
      SELECT face_id, tenant_id, embedding, model_id, created_at, updated_at FROM face_embeddings_unpartitioned`);
    await q.query(`DROP TABLE face_embeddings_unpartitioned`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tenants_face_embeddings_partition ON tenants`);
    await q.query(`DROP FUNCTION face_embeddings_add_tenant_partition()`);
    await q.query(`ALTER TABLE face_embeddings RENAME TO face_embeddings_partitioned`);
    await q.query(`ALTER INDEX face_embeddings_pkey RENAME TO face_embeddings_partitioned_pkey`);
    await q.query(`ALTER INDEX face_embeddings_embedding_hnsw_idx RENAME TO face_embeddings_partitioned_hnsw_idx`);
    await q.query(`
      CREATE TABLE face_embeddings (
        face_id    uuid PRIMARY KEY,
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        embedding  vector(128) NOT NULL,
        model_id   text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT face_embeddings_face_fkey FOREIGN KEY (tenant_id, face_id)
          REFERENCES faces (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      INSERT INTO face_embeddings (face_id, tenant_id, embedding, model_id, created_at, updated_at)
      SELECT face_id, tenant_id, embedding, model_id, created_at, updated_at FROM face_embeddings_partitioned`);
    await q.query(`DROP TABLE face_embeddings_partitioned`);
    await q.query(`CREATE INDEX face_embeddings_tenant_id_idx ON face_embeddings (tenant_id)`);
    await q.query(`
      CREATE INDEX face_embeddings_embedding_hnsw_idx ON face_embeddings
        USING hnsw (embedding vector_cosine_ops)`);
  }
}
