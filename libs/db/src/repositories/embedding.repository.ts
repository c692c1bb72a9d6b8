import { toSql } from 'pgvector';
import type { DataSource } from 'typeorm';
import { vectorSearchSettingsOf, type VectorSearchSettings } from '../data-source';
import { EMBEDDING_DIMENSIONS, FaceEmbedding } from '../entities';
import { efSearchFor, tenantGraphRows } from '../vector-search';
import { EntityReader } from '../prepared';

export interface NearestOptions {
  /** Only vectors made by this model. Vectors of different models are not comparable; pass it whenever known. */
  modelId?: string;
  /** Leave this face out (the query face itself, when it is already stored). */
  excludeFaceId?: string;
}

/** A reference face of the gallery near the query. */
export interface Neighbour {
  faceId: string;
  /** The live identity the face is a reference image of. */
  identityId: string;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
  /** 1 - distance: cosine similarity. */
  similarity: number;
}

/** pgvector's hnsw.ef_search accepts up to 1000, and an HNSW scan cannot return more rows than ef_search. */
const MAX_K = 1000;

function checkVector(vector: readonly number[]): void {
  if (vector.length !== EMBEDDING_DIMENSIONS) {
    throw new RangeError(`embedding must have ${EMBEDDING_DIMENSIONS} dimensions, got ${vector.length}`);
  }
  if (!vector.every(Number.isFinite)) throw new RangeError('embedding contains a non-finite value');
  // cosine distance to a zero vector is undefined (NaN) and would poison any ranking
  if (vector.every((v) => v === 0)) throw new RangeError('embedding is the zero vector');
}

/** The SQL of a nearest-neighbour search; exported so tests (and an operator) can EXPLAIN exactly this. */
export function nearestQuery(
  tenantId: string,
  vector: readonly number[],
  k: number,
  options: NearestOptions = {},
): { sql: string; params: unknown[] } {
  checkVector(vector);
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new RangeError(`k must be an integer in 1..${MAX_K}, got ${k}`);
  const params: unknown[] = [tenantId, toSql([...vector]), k];
  // The gallery: faces whose gallery_identity_id is set (by triggers: enrolled, identity live). The predicate is the
  // partial HNSW index's own, so the search walks the tenant's graph of enrolled faces only (the only graph of
  // face_embeddings), and the identity comes with the row: no join per candidate, nor to faces after.
  const where = ['e.tenant_id = $1', 'e.gallery_identity_id IS NOT NULL'];
  if (options.modelId !== undefined) where.push(`e.model_id = $${params.push(options.modelId)}`);
  if (options.excludeFaceId !== undefined) where.push(`e.face_id <> $${params.push(options.excludeFaceId)}`);
  const sql = `
    SELECT e.face_id AS "faceId", e.gallery_identity_id AS "identityId", e.embedding <=> $2::vector AS distance
    FROM face_embeddings e
    WHERE ${where.join(' AND ')}
    ORDER BY e.embedding <=> $2::vector
    LIMIT $3`;
  return { sql, params };
}

export class EmbeddingRepository {
  private readonly byFace: EntityReader<FaceEmbedding>;
  private readonly session: VectorSearchSettings | undefined;
  private readonly search: VectorSearchSettings;

  /** `search`: settings for this repository's searches; default: those the DataSource's connections carry. */
  constructor(
    private readonly dataSource: DataSource,
    search?: VectorSearchSettings,
  ) {
    this.byFace = new EntityReader(dataSource, FaceEmbedding, ['tenantId', 'faceId']);
    this.session = vectorSearchSettingsOf(dataSource);
    this.search = search ?? this.session ?? { efSearch: 40, iterativeScan: 'strict_order' };
  }

  /**
   * Stores the face's vector, replacing a previous one (a replayed job, or a new model). Throws (foreign key) when
   * the face is not the tenant's: the key is (tenant, face), so another tenant's row is never the conflict target.
   */
  async upsert(tenantId: string, faceId: string, vector: readonly number[], modelId: string): Promise<void> {
    checkVector(vector);
    await this.dataSource.query(
      `INSERT INTO face_embeddings (face_id, tenant_id, embedding, model_id) VALUES ($1, $2, $3::vector, $4)
       ON CONFLICT (tenant_id, face_id) DO UPDATE
       SET embedding = EXCLUDED.embedding, model_id = EXCLUDED.model_id, updated_at = now()`,
      [faceId, tenantId, toSql([...vector]), modelId],
    );
  }

  /**
   * Enrolled faces of the tenant's live identities whose vector is missing or was made by another model than
   * `modelId`, with their crop keys: what must be re-embedded after the identity model changes. Ordered by face id,
   * `after` pages through them.
   */
  async enrolledNeedingModel(
    tenantId: string,
    modelId: string,
    limit = 100,
    after = '00000000-0000-0000-0000-000000000000',
  ): Promise<{ faceId: string; cropKey: string | null; modelId: string | null }[]> {
    return this.dataSource.query(
      `SELECT f.id AS "faceId", f.crop_key AS "cropKey", e.model_id AS "modelId"
         FROM identity_faces x
         JOIN identities i ON i.tenant_id = x.tenant_id AND i.id = x.identity_id AND i.deleted_at IS NULL
         JOIN faces f ON f.tenant_id = x.tenant_id AND f.id = x.face_id
         LEFT JOIN face_embeddings e ON e.face_id = x.face_id
        WHERE x.tenant_id = $1 AND (e.model_id IS NULL OR e.model_id <> $2) AND f.id > $3
        ORDER BY f.id
        LIMIT $4`,
      [tenantId, modelId, after, limit],
    );
  }

  async get(tenantId: string, faceId: string): Promise<FaceEmbedding | null> {
    return this.byFace.one(tenantId, faceId);
  }

  /**
   * The k reference faces of the tenant's gallery closest to `vector` by cosine distance, closest first, through
   * the gallery's HNSW graph (approximate). Each tenant has its own partition and graph (the tenant filter prunes the
   * others at plan time); the model filter is applied while walking it, so the scan is iterative (pgvector >= 0.8):
   * it keeps going until k rows pass the filters instead of returning fewer. A tenant whose partition holds more than
   * `efSearchRows` vectors is searched with more candidates (`efSearchFor`), in a transaction of its own.
   */
  async nearest(
    tenantId: string,
    vector: readonly number[],
    k: number,
    options: NearestOptions = {},
  ): Promise<Neighbour[]> {
    const { sql, params } = nearestQuery(tenantId, vector, k, options);
    const { iterativeScan } = this.search;
    // a large tenant's graph needs more candidates for the same recall (efSearchFor); without the iterative scan an
    // HNSW search returns at most ef_search rows, so k above it needs a larger one too
    const graphEf = this.search.efSearchRows
      ? efSearchFor(this.search, await tenantGraphRows(this.dataSource, 'gallery', tenantId))
      : this.search.efSearch;
    const efSearch = iterativeScan === 'off' ? Math.max(graphEf, k) : graphEf;
    const sessionFits = this.session?.efSearch === efSearch && this.session.iterativeScan === iterativeScan;
    type Row = { faceId: string; identityId: string; distance: number };
    const rows: Row[] = sessionFits
      ? await this.dataSource.query(sql, params)
      : await this.dataSource.transaction(async (m) => {
          // set_config(..., true) is SET LOCAL: the settings end with this transaction and do not leak to the pool.
          await m.query(`SELECT set_config('hnsw.iterative_scan', $1, true), set_config('hnsw.ef_search', $2, true)`, [
            iterativeScan,
            String(efSearch),
          ]);
          return m.query(sql, params);
        });
    const neighbours = rows.map((r) => ({ ...r, distance: Number(r.distance), similarity: 1 - Number(r.distance) }));
    // relaxed_order may hand rows back slightly out of order
    return iterativeScan === 'relaxed_order' ? neighbours.sort((a, b) => a.distance - b.distance) : neighbours;
  }
}
