import type { DataSource, EntityManager } from 'typeorm';
import type { VectorSearchSettings } from './data-source';

/** pgvector's hnsw.ef_search range. */
export const MAX_EF_SEARCH = 1000;

/**
 * How fast the candidates a search needs grow with its graph: ef = efSearch × (rows / efSearchRows)^EF_GROWTH.
 * Fitted to `npm run bench -- --search 3000000 --search-queries 1000` (README, "ef_search by graph size"): the
 * ef_search at which a tenant's visitor search keeps recall@10 at 0.95 was ~115 at 22k visitors, ~165 at 35k, ~255
 * at 70k, ~440 at 140k and ~870 at 420k (interpolated between 100, 200 and 400), a slope of 0.69 in log-log.
 */
export const EF_GROWTH = 0.69;

/** How long a tenant graph's size is trusted before it is read again from pg_class. */
export const GRAPH_SIZE_TTL_MS = 60_000;

/**
 * The ef_search for a search of a graph of `rows` vectors: `efSearch` up to `efSearchRows` vectors, more in larger
 * graphs (a graph of 10x the vectors needs ~5x the candidates for the same recall), never above pgvector's 1000.
 * Without `efSearchRows` (or 0) every graph gets `efSearch`.
 */
export function efSearchFor(settings: VectorSearchSettings, rows: number): number {
  const { efSearch, efSearchRows } = settings;
  if (!efSearchRows || !(rows > efSearchRows)) return efSearch;
  return Math.min(MAX_EF_SEARCH, Math.max(efSearch, Math.ceil(efSearch * (rows / efSearchRows) ** EF_GROWTH)));
}

/**
 * The HNSW graphs a decision searches, each a partitioned index with one partition (one graph) per tenant: the
 * gallery (enrolled faces of live identities, a partial index of face_embeddings) and the visitors' centroids.
 */
export const TENANT_GRAPHS = {
  gallery: { table: 'face_embeddings', index: 'face_embeddings_gallery_hnsw_idx' },
  visitors: { table: 'visitors', index: 'visitors_centroid_hnsw_idx' },
} as const;
export type TenantGraph = keyof typeof TENANT_GRAPHS;

type Queryable = Pick<DataSource | EntityManager, 'query' | 'transaction'>;

const sizes = new WeakMap<DataSource, Map<string, { rows: number; at: number }>>();

/** The DataSource behind a DataSource or an EntityManager. */
export function dataSourceOf(db: Queryable): DataSource {
  return 'connection' in db ? (db as EntityManager).connection : (db as DataSource);
}

/**
 * The vectors in the tenant's `graph`, as the planner knows them: the reltuples of the tenant partition's index (set
 * by its build, kept current by autovacuum's analyze, which counts a partial index's rows by its predicate), so the
 * gallery's size is its enrolled faces, not every face the cameras saw. No count(*) per search: read at most once a
 * minute per tenant, graph and DataSource; 0 when never analyzed or missing.
 */
export async function tenantGraphRows(
  db: Queryable,
  graph: TenantGraph,
  tenantId: string,
  now = Date.now(),
): Promise<number> {
  const ds = dataSourceOf(db);
  let cache = sizes.get(ds);
  if (!cache) sizes.set(ds, (cache = new Map()));
  const key = `${graph}:${tenantId}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < GRAPH_SIZE_TTL_MS) return hit.rows;
  const { table, index } = TENANT_GRAPHS[graph];
  const [row]: { rows: number | null }[] = await db.query(
    `SELECT greatest(c.reltuples, 0)::float8 AS rows
       FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_index i ON i.indexrelid = c.oid
      WHERE h.inhparent = to_regclass($1) AND i.indrelid = to_regclass($2)`,
    [index, `${table}_${tenantId.replace(/-/g, '')}`],
  );
  const rows = Number(row?.rows ?? 0);
  cache.set(key, { rows, at: now });
  return rows;
}

/** Forgets the graph sizes read through `db`'s DataSource (tests, or after a bulk load). */
export function forgetTenantGraphRows(db: Queryable): void {
  sizes.delete(dataSourceOf(db));
}

/**
 * Runs `work` with hnsw.ef_search = `ef` for its statements only: SET LOCAL in a transaction of its own, or, when
 * `db` is already inside one (a savepoint then), set back to what it was once `work` is done, so nothing after it in
 * the caller's transaction, nor the pooled connection, searches with it.
 */
export async function withEfSearch<T>(db: Queryable, ef: number, work: (m: EntityManager) => Promise<T>): Promise<T> {
  const nested = 'queryRunner' in db && (db as EntityManager).queryRunner?.isTransactionActive === true;
  return db.transaction(async (m) => {
    const [{ before }]: { before: string }[] = await m.query(
      `SELECT current_setting('hnsw.ef_search') AS before, set_config('hnsw.ef_search', $1, true)`,
      [String(ef)],
    );
    const result = await work(m);
    if (nested) await m.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [before]);
    return result;
  });
}

/**
 * A vector column read in pgvector's binary form (`vector_send`: the dimensions, a reserved word, then each element as
 * a big-endian float4), which node-postgres hands over as a Buffer. Reading `vector::text` and parsing it cost the
 * classification service a tenth of its CPU: tracking reads the embeddings of every face around a decided one.
 */
export function vectorAsBytes(column: string): string {
  return `vector_send(${column})`;
}

/** The vector of `vectorAsBytes`: each element the stored float4 exactly (its text form rounds to the same float4). */
export function vectorFromBytes(bytes: Buffer): number[] {
  const dimensions = bytes.readUInt16BE(0);
  if (bytes.length !== 4 + 4 * dimensions)
    throw new Error(`a vector of ${dimensions} dimensions in ${bytes.length} bytes`);
  const out = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) out[i] = bytes.readFloatBE(4 + 4 * i);
  return out;
}
