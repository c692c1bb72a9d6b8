import { config } from '@storelens/config';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';
import { SnakeNamingStrategy } from './naming-strategy';

export interface DataSourceOptions {
  /** Connections in the pool; defaults to DATABASE_POOL_SIZE. */
  poolSize?: number;
  /** Log every SQL statement (debugging only). */
  logging?: boolean;
}

/**
 * A TypeORM DataSource for the StoreLens schema; call `initialize()` before use and `destroy()` on shutdown.
 * The schema comes only from the migrations (`synchronize` stays off), run by `runMigrations` or migrate.ts.
 */
export function createDataSource(url: string = config().database.url, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // The migration creates the vector extension; TypeORM should not try on every connect.
    installExtensions: false,
    poolSize: options.poolSize ?? config().database.poolSize,
    applicationName: 'storelens',
    logging: options.logging ?? false,
  });
}

/** Applies pending migrations, each in its own transaction; returns the names of those applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
