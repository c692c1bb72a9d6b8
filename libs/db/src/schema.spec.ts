import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { entities } from './entities';
import { migrations } from './migrations';
import { migratedTestDatabase, type MigratedDatabase } from './test-support';

let t: MigratedDatabase;
beforeAll(async () => {
  t = await migratedTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const tables = [
  'tenants',
  'api_keys',
  'stores',
  'cameras',
  'media',
  'frames',
  'faces',
  'identities',
  'identity_faces',
  'face_embeddings',
];

async function columns(ds: DataSource): Promise<Map<string, { nullable: boolean; type: string }>> {
  const rows: { table_name: string; column_name: string; is_nullable: string; udt_name: string }[] = await ds.query(
    `SELECT table_name, column_name, is_nullable, udt_name FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  return new Map(
    rows.map((r) => [`${r.table_name}.${r.column_name}`, { nullable: r.is_nullable === 'YES', type: r.udt_name }]),
  );
}

describe('schema (migrations on a fresh Postgres database)', () => {
  it('creates every table, and nothing is pending afterwards', async () => {
    const cols = await columns(t.dataSource);
    for (const table of tables) expect([...cols.keys()].some((k) => k.startsWith(`${table}.`))).toBe(true);
    expect(await t.dataSource.showMigrations()).toBe(false);
  });

  it('matches the entities column for column, including nullability (entities and migrations agree)', async () => {
    const cols = await columns(t.dataSource);
    const mapped = new Set<string>();
    for (const entity of entities) {
      const meta = t.dataSource.getMetadata(entity);
      for (const column of meta.columns) {
        const key = `${meta.tableName}.${column.databaseName}`;
        mapped.add(key);
        expect({ key, nullable: cols.get(key)?.nullable }).toEqual({ key, nullable: column.isNullable });
      }
    }
    // and no column exists that no entity maps (it would silently never be read)
    const unmapped = [...cols.keys()].filter((k) => tables.includes(k.split('.')[0] ?? '') && !mapped.has(k));
    expect(unmapped).toEqual([]);
    expect(cols.get('face_embeddings.embedding')?.type).toBe('vector');
  });

  it("stores 128-dimensional vectors, with one HNSW cosine graph: the gallery's (enrolled faces only)", async () => {
    const [{ type }] = await t.dataSource.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'face_embeddings'::regclass AND attname = 'embedding'`,
    );
    expect(type).toBe('vector(128)');
    const graphs: { def: string }[] = await t.dataSource.query(
      `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'face_embeddings' AND indexdef ILIKE '%USING hnsw%'`,
    );
    expect(graphs).toHaveLength(1);
    expect(graphs[0]!.def).toMatch(
      /USING hnsw \(embedding vector_cosine_ops\) WHERE \(gallery_identity_id IS NOT NULL\)/,
    );
  });

  it('indexes every tenant table by tenant_id (an index whose first column is tenant_id)', async () => {
    const rows: { table: string }[] = await t.dataSource.query(`
      SELECT c.table_name AS table FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = c.table_name::regclass AND a.attname = 'tenant_id')`);
    expect(rows).toEqual([]);
  });

  it('reverts every migration cleanly and applies them again', async () => {
    const ds = createDataSource(t.db.url, { poolSize: 1 });
    await ds.initialize();
    try {
      for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration();
      expect([...(await columns(ds)).keys()].filter((k) => tables.includes(k.split('.')[0] ?? ''))).toEqual([]);
      expect(await ds.showMigrations()).toBe(true);
      await ds.runMigrations();
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
    }
  });
});
