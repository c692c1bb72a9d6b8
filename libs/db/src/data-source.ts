import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';
import { SnakeNamingStrategy } from './naming-strategy';

export interface VectorSearchSettings {
  /** pgvector hnsw.ef_search: candidates kept per HNSW search */
  efSearch: number;
  /**
   * pgvector hnsw.iterative_scan: lets a filtered search continue until enough rows pass the filters;
   * `strict_order` returns rows exactly in distance order, `relaxed_order` may return them slightly out of order
   * (EmbeddingRepository re-sorts them) and stops sooner.
   */
  iterativeScan: 'off' | 'strict_order' | 'relaxed_order';
  /**
   * Vectors in a tenant's graph up to which `efSearch` candidates hold recall; a larger graph is searched with more
   * (`efSearchFor`). 0 or absent: every graph gets `efSearch`.
   */
  efSearchRows?: number;
}

/** The search settings when none are given (VECTOR_EF_SEARCH, VECTOR_EF_SEARCH_ROWS, VECTOR_ITERATIVE_SCAN's defaults). */
export const DEFAULT_VECTOR_SEARCH: VectorSearchSettings = {
  efSearch: 100,
  iterativeScan: 'relaxed_order',
  efSearchRows: 15_000,
};

/** The vector-search settings each DataSource's connections were opened with. */
const sessionSettings = new WeakMap<DataSource, VectorSearchSettings>();

export function vectorSearchSettingsOf(dataSource: DataSource): VectorSearchSettings | undefined {
  return sessionSettings.get(dataSource);
}

export interface DataSourceOptions {
  /** HNSW search settings for every connection; defaults to VECTOR_EF_SEARCH / VECTOR_ITERATIVE_SCAN. */
  vectorSearch?: VectorSearchSettings;
  /** Connections in the pool; defaults to DATABASE_POOL_SIZE. */
  poolSize?: number;
  /** Log every SQL statement (debugging only). */
  logging?: boolean;
}

/**
 * A TypeORM DataSource for the StoreLens schema; call `initialize()` before use and `destroy()` on shutdown.
 * The schema comes only from the migrations (`synchronize` stays off), run by `runMigrations` or migrate.ts.
 */
export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  const search = options.vectorSearch ?? DEFAULT_VECTOR_SEARCH;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // The migration creates the vector extension; TypeORM should not try on every connect.
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    applicationName: 'storelens',
    logging: options.logging ?? false,
    // Set once per connection (startup parameters) rather than per search: a search is then one round trip, not
    // BEGIN + SET LOCAL + query + COMMIT. They only affect HNSW index scans.
    extra: { options: `-c hnsw.ef_search=${search.efSearch} -c hnsw.iterative_scan=${search.iterativeScan}` },
  });
  sessionSettings.set(dataSource, { ...search });
  return dataSource;
}

/** Applies pending migrations, each in its own transaction; returns the names of those applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
