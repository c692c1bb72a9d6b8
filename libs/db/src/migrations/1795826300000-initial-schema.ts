import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The StoreLens schema. Conventions that hold for every table:
 * - tenant data carries tenant_id, and every child references its parent through (tenant_id, parent_id), so the
 *   database itself refuses to link one tenant's row to another tenant's parent;
 * - the (tenant_id, id) unique key each parent needs for that also serves as its tenant_id index;
 * - ON DELETE CASCADE everywhere: deleting a tenant removes everything, deleting an identity removes the faces
 *   attributed to it and their vectors (a biometric erasure request must not leave vectors behind);
 * - the unique keys that make a replayed job idempotent: frames (media_id, index), faces (frame_id, face_index),
 *   face_embeddings (face_id), identity_faces (face_id);
 * - closed vocabularies are text + CHECK (easier to extend than enum types); values mirror @storelens/contracts.
 */
export class InitialSchema1795826300000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS vector`);

    await q.query(`
      CREATE TABLE tenants (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name       text NOT NULL CHECK (name <> ''),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name       text NOT NULL,
        prefix     text NOT NULL CONSTRAINT api_keys_prefix_key UNIQUE,
        key_hash   text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id)`);

    await q.query(`
      CREATE TABLE stores (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name       text NOT NULL,
        timezone   text NOT NULL DEFAULT 'UTC',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stores_tenant_id_id_key UNIQUE (tenant_id, id)
      )`);

    await q.query(`
      CREATE TABLE cameras (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        store_id   uuid NOT NULL,
        name       text NOT NULL,
        role       text NOT NULL CHECK (role IN ('entrance', 'checkout', 'floor', 'other')),
        fps        real NOT NULL DEFAULT 1 CHECK (fps > 0),
        zone       text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cameras_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT cameras_store_fkey FOREIGN KEY (tenant_id, store_id)
          REFERENCES stores (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX cameras_tenant_id_store_id_idx ON cameras (tenant_id, store_id)`);

    await q.query(`
      CREATE TABLE media (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        camera_id   uuid,
        kind        text NOT NULL CHECK (kind IN ('image', 'video')),
        status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'failed')),
        error       text,
        object_key  text NOT NULL,
        sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        bytes       bigint NOT NULL CHECK (bytes >= 0),
        mime        text NOT NULL,
        captured_at timestamptz NOT NULL,
        duration_ms integer CHECK (duration_ms >= 0),
        expires_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT media_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT media_camera_fkey FOREIGN KEY (tenant_id, camera_id)
          REFERENCES cameras (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX media_tenant_id_created_at_idx ON media (tenant_id, created_at)`);
    await q.query(`CREATE INDEX media_tenant_id_camera_id_idx ON media (tenant_id, camera_id, captured_at)`);
    await q.query(`CREATE INDEX media_tenant_id_sha256_idx ON media (tenant_id, sha256)`);
    // retention sweeps look for expired media across tenants
    await q.query(`CREATE INDEX media_expires_at_idx ON media (expires_at) WHERE expires_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE frames (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        media_id    uuid NOT NULL,
        "index"     integer NOT NULL CHECK ("index" >= 0),
        time_ms     integer NOT NULL CHECK (time_ms >= 0),
        captured_at timestamptz NOT NULL,
        object_key  text NOT NULL,
        width       integer NOT NULL CHECK (width > 0),
        height      integer NOT NULL CHECK (height > 0),
        status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'failed')),
        error       text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT frames_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT frames_media_id_index_key UNIQUE (media_id, "index"),
        CONSTRAINT frames_media_fkey FOREIGN KEY (tenant_id, media_id)
          REFERENCES media (tenant_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE identities (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name         text NOT NULL,
        category     text NOT NULL CHECK (category IN ('member', 'staff', 'watchlist')),
        external_ref text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        deleted_at   timestamptz,
        CONSTRAINT identities_tenant_id_id_key UNIQUE (tenant_id, id)
      )`);
    // a deleted identity frees its external reference for a new one
    await q.query(`
      CREATE UNIQUE INDEX identities_tenant_id_external_ref_key ON identities (tenant_id, external_ref)
        WHERE deleted_at IS NULL AND external_ref IS NOT NULL`);

    await q.query(`
      CREATE TABLE faces (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        frame_id           uuid NOT NULL,
        face_index         integer NOT NULL CHECK (face_index >= 0),
        box_x              real NOT NULL,
        box_y              real NOT NULL,
        box_w              real NOT NULL CHECK (box_w > 0),
        box_h              real NOT NULL CHECK (box_h > 0),
        score              real NOT NULL,
        landmarks          jsonb NOT NULL,
        crop_key           text,
        detector_model_id  text NOT NULL,
        age                real,
        gender             text CHECK (gender IN ('female', 'male')),
        gender_confidence  real,
        emotion            text,
        emotion_scores     jsonb,
        attribute_model_id text,
        identity_id        uuid,
        similarity         real,
        visitor_id         uuid,
        decided_at         timestamptz,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT faces_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT faces_frame_id_face_index_key UNIQUE (frame_id, face_index),
        CONSTRAINT faces_frame_fkey FOREIGN KEY (tenant_id, frame_id)
          REFERENCES frames (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT faces_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX faces_tenant_id_identity_id_idx ON faces (tenant_id, identity_id) WHERE identity_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX faces_tenant_id_visitor_id_idx ON faces (tenant_id, visitor_id) WHERE visitor_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE identity_faces (
        face_id     uuid PRIMARY KEY,
        identity_id uuid NOT NULL,
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT identity_faces_identity_fkey FOREIGN KEY (tenant_id, identity_id)
          REFERENCES identities (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT identity_faces_face_fkey FOREIGN KEY (tenant_id, face_id)
          REFERENCES faces (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX identity_faces_tenant_id_identity_id_idx ON identity_faces (tenant_id, identity_id)`);

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
    await q.query(`CREATE INDEX face_embeddings_tenant_id_idx ON face_embeddings (tenant_id)`);
    // Approximate nearest neighbours by cosine distance (the <=> operator); pgvector's defaults m=16,
    // ef_construction=64. Queries filter by tenant afterwards, with iterative scans (see EmbeddingRepository).
    await q.query(`
      CREATE INDEX face_embeddings_embedding_hnsw_idx ON face_embeddings
        USING hnsw (embedding vector_cosine_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The vector extension stays: other schemas in the database may use it.
    for (const table of [
      'face_embeddings',
      'identity_faces',
      'faces',
      'identities',
      'frames',
      'media',
      'cameras',
      'stores',
      'api_keys',
      'tenants',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
