import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `face_embeddings` keeps one HNSW graph per tenant, the gallery's (enrolled faces of live identities,
 * `face_embeddings_gallery_hnsw_idx`); the graph of all its faces goes.
 *
 * Why: no decision searches every face any more. Identification searches the gallery; an unknown face joins a
 * visitor through its track and the visitors' centroids (`visitors_centroid_hnsw_idx`). Yet every face the cameras
 * see was inserted into the tenant's graph of all faces: a graph walk of ef_construction (64) candidates per stored
 * face, its WAL, and a graph as large as the table (most of a chain's faces are anonymous visitors'), all for an index
 * no query used.
 *
 * down() builds the graph again over every tenant's faces (minutes to hours, by the number of faces).
 */
export class GalleryGraphOnly1797400000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX face_embeddings_embedding_hnsw_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX face_embeddings_embedding_hnsw_idx ON face_embeddings
        USING hnsw (embedding vector_cosine_ops)`);
  }
}
