import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * The hot statements of the workers, sent straight to the DataSource's pg pool as named prepared statements.
 *
 * Every job of every worker reads its face, frame, media or camera by id and writes a status or a result: about a
 * hundred statements per image across the services. Through TypeORM's repositories each one builds its SQL again
 * (query builder, metadata lookups, parameter escaping) and hydrates its entity through the builder's transformers:
 * in the bench's CPU profiles, TypeORM's own code was 10-20 % of every service's CPU. A prepared statement is parsed
 * and planned once per connection, and its SQL is built once per process.
 *
 * Not for statements inside a TypeORM transaction: these run on whichever pooled connection is free.
 */
export function preparedQuery<R extends QueryResultRow = QueryResultRow>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<QueryResult<R>> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  return pool.query<R>({ name, text, values });
}

/**
 * The rows of a named prepared statement run where `db` runs its own: on the connection of the transaction an
 * EntityManager is in (a prepared statement lives on one connection), else on the DataSource's pool.
 *
 * For the statements whose planning costs more than their run: tracking's reads join four tables and sort them in
 * windows, and on the bench Postgres spent 0.5-6.5 ms planning each against 0.2-2 ms running it. Prepared, a connection
 * plans such a statement for its first five runs and then, when the plan without the values is estimated to cost no
 * more than those did, keeps that one (plan_cache_mode auto); an ANALYZE of a table it reads plans it again. That
 * plan does not know the sizes the values select: on a camera's window of 1,200 faces it walks them by index where
 * the planned one hashes (tracking's run, medians of 12 calls: 16-20 ms against 12 with planning with 41 tenants, the
 * same 10 ms with one), so a statement goes here only when its kept plan was measured on a large case too (the media
 * reads: 10-11 ms against 11-13 on a tenant of 3,000 media and a video of 3,000 frames).
 */
export async function preparedRows<R extends QueryResultRow = QueryResultRow>(
  db: DataSource | EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const runner = 'queryRunner' in db ? db.queryRunner : undefined;
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<R>({ name, text, values })).rows;
  }
  return (await preparedQuery<R>('connection' in db ? db.connection : db, name, text, values)).rows;
}

/** A prepared write (an UPDATE by key): whether it changed any row, i.e. whether the tenant has that row. */
export async function preparedUpdate(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<boolean> {
  const { rowCount } = await preparedQuery(dataSource, name, text, values);
  return (rowCount ?? 0) > 0;
}

/**
 * Reads one entity by the columns named (`tenantId`, `id`, ...) with one prepared statement, hydrated from the
 * entity's own metadata (its columns, types and transformers): the same object `Repository.findOneBy` returns
 * (no `select: false` column, no soft-deleted row), from the same single definition of the table.
 */
export class EntityReader<E extends ObjectLiteral> {
  /** Built on first use, when the DataSource's metadata is there (repositories are made before it initialises). */
  private statement?: {
    name: string;
    text: string;
    meta: EntityMetadata;
    columns: ColumnMetadata[];
    selectList: string;
  };

  /** `orderBy`: the order `all` returns rows in (ascending). */
  constructor(
    private readonly dataSource: DataSource,
    private readonly target: EntityTarget<E>,
    private readonly keys: (keyof E & string)[],
    private readonly orderBy: (keyof E & string)[] = [],
  ) {}

  /** The entity whose key columns equal `values` (in the constructor's order), or null. */
  async one(...values: unknown[]): Promise<E | null> {
    return (await this.all(...values))[0] ?? null;
  }

  /** Every entity whose key columns equal `values`, in `orderBy` order. */
  async all(...values: unknown[]): Promise<E[]> {
    const { name, text } = this.built();
    const { rows } = await preparedQuery(this.dataSource, name, text, values);
    return rows.map((row) => this.fromRow(row));
  }

  /** The columns `fromRow` reads, for a statement of one's own (`INSERT ... RETURNING` them). */
  get selectList(): string {
    return this.built().selectList;
  }

  /**
   * The same columns read from the table under `alias` in a join, each renamed `<prefix><column>` so that the
   * entities of several tables come back in one row (`fromRow(row, prefix)` reads them out).
   */
  selectListAs(alias: string, prefix: string): string {
    const driver = this.dataSource.driver;
    return this.built()
      .columns.map((c) => `${alias}.${driver.escape(c.databaseName)} AS ${driver.escape(prefix + c.databaseName)}`)
      .join(', ');
  }

  /**
   * The entity a row of `selectList`'s columns makes (or of `selectListAs`'s, with its prefix), hydrated as
   * findOneBy hydrates it.
   */
  fromRow(row: QueryResultRow, prefix = ''): E {
    const { meta, columns } = this.built();
    const driver = this.dataSource.driver;
    const entity = meta.create() as E;
    for (const column of columns) {
      column.setEntityValue(entity, driver.prepareHydratedValue(row[prefix + column.databaseName], column));
    }
    return entity;
  }

  private built() {
    return (this.statement ??= this.build());
  }

  private build() {
    const meta = this.dataSource.getMetadata(this.target);
    const driver = this.dataSource.driver;
    const column = (key: string) => {
      const found = meta.findColumnWithPropertyName(key);
      if (!found) throw new Error(`${meta.name} has no column ${key}`);
      return driver.escape(found.databaseName);
    };
    // what findOneBy selects: no virtual columns, none marked `select: false` (a camera's encrypted stream URL)
    const columns = meta.columns.filter((c) => !c.isVirtual && c.isSelect);
    const selectList = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const where = this.keys.map((key, i) => `${column(key)} = $${i + 1}`);
    // like findOneBy, a soft-deleted row (an identity) is not found
    if (meta.deleteDateColumn) where.push(`${driver.escape(meta.deleteDateColumn.databaseName)} IS NULL`);
    const order = this.orderBy.length > 0 ? ` ORDER BY ${this.orderBy.map(column).join(', ')}` : '';
    return {
      name: `storelens_${meta.tableName}_by_${this.keys.join('_')}${this.orderBy.length > 0 ? `_by_${this.orderBy.join('_')}` : ''}`,
      text: `SELECT ${selectList} FROM ${driver.escape(meta.tableName)} WHERE ${where.join(' AND ')}${order}`,
      meta,
      columns,
      selectList,
    };
  }
}
