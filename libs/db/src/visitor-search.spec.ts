import { randomUUID } from 'node:crypto';
import { createDataSource } from './data-source';
import { nearestVisitorsQuery, ShopperRepository } from './repositories';
import { fromSql } from 'pgvector';
import { tenantGraphRows, vectorAsBytes, vectorFromBytes } from './vector-search';
import { cosineDistance, migratedTestDatabase, near, randomVector, repositories, seedTenant } from './test-support';
import type { MigratedDatabase, Repositories } from './test-support';

let t: MigratedDatabase;
let r: Repositories;
beforeAll(async () => {
  t = await migratedTestDatabase();
  r = repositories(t.dataSource);
});
afterAll(async () => {
  await t?.close();
});

const partitionOf = (tenantId: string) => `visitors_${tenantId.replace(/-/g, '')}`;

/** n visitors with random centroids in one statement; returns their ids and centroids. */
async function visitors(tenantId: string, n: number, modelId = 'mfn'): Promise<Map<string, number[]>> {
  const made = new Map(Array.from({ length: n }, () => [randomUUID(), randomVector()] as const));
  const rows = [...made].map(([id, v]) => `('${id}', '${tenantId}', '[${v.join(',')}]', '${modelId}')`);
  await t.dataSource.query(`INSERT INTO visitors (id, tenant_id, centroid, model_id) VALUES ${rows.join(', ')}`);
  return made;
}

describe('visitor search, one graph per tenant', () => {
  let big: Awaited<ReturnType<typeof seedTenant>>;
  let small: Awaited<ReturnType<typeof seedTenant>>;
  let bigVisitors: Map<string, number[]>;
  let smallVisitors: Map<string, number[]>;

  beforeAll(async () => {
    big = await seedTenant(r, 'Big chain');
    small = await seedTenant(r, 'Corner shop');
    bigVisitors = await visitors(big.tenant.id, 2000);
    smallVisitors = await visitors(small.tenant.id, 5);
    await t.dataSource.query('ANALYZE visitors');
  });

  it('gives every new tenant a visitors partition of its own, with its own HNSW graph', async () => {
    const tenant = await r.tenants.create('New chain');
    const rows: { index: string }[] = await t.dataSource.query(
      `SELECT indexdef AS index FROM pg_indexes WHERE tablename = $1`,
      [partitionOf(tenant.id)],
    );
    expect(rows.map((x) => x.index).join('\n')).toMatch(/USING hnsw \(centroid vector_cosine_ops\)/);
  });

  it("walks only the tenant's own graph: a small tenant next to a large one gets all its visitors back", async () => {
    // With one graph of every tenant's visitors and no iterative scan, ef_search 40 candidates from 2005 would
    // hold hardly any of the small tenant's five.
    const { sql, params } = nearestVisitorsQuery(small.tenant.id, randomVector(), 'mfn', 10);
    const rows = await t.dataSource.transaction(async (m) => {
      for (const s of ['enable_seqscan = off', 'enable_sort = off', 'hnsw.iterative_scan = off', 'hnsw.ef_search = 40'])
        await m.query(`SET LOCAL ${s}`);
      const plan: { 'QUERY PLAN': string }[] = await m.query(`EXPLAIN ${sql}`, params);
      const text = plan.map((p) => p['QUERY PLAN']).join('\n');
      expect(text).toMatch(new RegExp(`Index Scan using \\w+ on ${partitionOf(small.tenant.id)}`));
      expect(text).not.toMatch(new RegExp(partitionOf(big.tenant.id)));
      return (await m.query(sql, params)) as { visitorId: string }[];
    });
    expect(rows.map((x) => x.visitorId).sort()).toEqual([...smallVisitors.keys()].sort());
  });

  it('finds the nearest visitor of a large tenant, nearest first, with the connection’s settings', async () => {
    const [id, centroid] = [...bigVisitors][1234]!;
    const query = near(centroid, 0.02);
    const found = await r.shoppers.nearestVisitors(big.tenant.id, query, 'mfn', 10);
    expect(found).toHaveLength(10);
    expect(found[0]).toMatchObject({ visitorId: id, identityId: null });
    expect(found[0]!.similarity).toBeCloseTo(1 - cosineDistance(query, centroid), 5);
    expect(found.map((f) => f.similarity)).toEqual([...found.map((f) => f.similarity)].sort((a, b) => b - a));
    expect((await r.shoppers.nearestVisitor(big.tenant.id, query, 'mfn'))?.visitorId).toBe(id);
  });

  it("never answers with another tenant's visitor, another model's or one whose centroid retention forgot", async () => {
    const [id, centroid] = [...smallVisitors][0]!;
    expect(await r.shoppers.nearestVisitor(big.tenant.id, centroid, 'mfn')).not.toMatchObject({ visitorId: id });
    expect(await r.shoppers.nearestVisitor(small.tenant.id, centroid, 'other-model')).toBeNull();
    const lone = await seedTenant(r, 'Forgotten');
    const [forgotten] = (await visitors(lone.tenant.id, 1)).keys();
    await t.dataSource.query(`UPDATE visitors SET centroid = NULL WHERE tenant_id = $1`, [lone.tenant.id]);
    expect(forgotten).toBeDefined();
    expect(await r.shoppers.nearestVisitor(lone.tenant.id, centroid, 'mfn')).toBeNull();
  });

  it('creates a visitor once: a replay keeps the first centroid', async () => {
    const id = randomUUID();
    const first = randomVector();
    await r.shoppers.createVisitor(small.tenant.id, id, first, 'mfn');
    await r.shoppers.createVisitor(small.tenant.id, id, randomVector(), 'mfn');
    const found = await r.shoppers.nearestVisitor(small.tenant.id, first, 'mfn');
    expect(found).toMatchObject({ visitorId: id });
    expect(found!.similarity).toBeCloseTo(1, 5);
  });

  it('reads a vector in binary as the float4 values its text stands for, and absorbs a track with it', async () => {
    const stored = [...randomVector(), -0, 1e-30, -3.4e38, 0.1].slice(-128);
    const id = randomUUID();
    await r.shoppers.createVisitor(small.tenant.id, id, stored, 'mfn');
    const [row]: { bytes: Buffer; text: string }[] = await t.dataSource.query(
      `SELECT ${vectorAsBytes('centroid')} AS bytes, centroid::text AS text FROM visitors WHERE id = $1`,
      [id],
    );
    // the text holds the shortest decimals that round to each float4; the binary form holds the float4 itself
    expect(vectorFromBytes(row!.bytes)).toEqual((fromSql(row!.text) as number[]).map(Math.fround));
    expect(() => vectorFromBytes(row!.bytes.subarray(0, 100))).toThrow(/128 dimensions in 100 bytes/);
    // the running mean starts from the stored centroid read this way: a track equal to a unit centroid leaves it
    const unit = randomVector();
    const other = randomUUID();
    await r.shoppers.createVisitor(small.tenant.id, other, unit, 'mfn');
    await r.shoppers.absorbIntoVisitor(small.tenant.id, other, unit);
    const [after]: { text: string }[] = await t.dataSource.query(
      `SELECT centroid::text AS text FROM visitors WHERE id = $1`,
      [other],
    );
    (fromSql(after!.text) as number[]).forEach((x, i) => expect(x).toBeCloseTo(unit[i]!, 6));
  });

  it('goes with its tenant', async () => {
    const gone = await seedTenant(r, 'Leaving');
    await visitors(gone.tenant.id, 3);
    await t.dataSource.query(`DELETE FROM tenants WHERE id = $1`, [gone.tenant.id]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM visitors WHERE tenant_id = $1`, [
      gone.tenant.id,
    ]);
    expect(n).toBe(0);
  });

  describe('ef_search that follows the size of the tenant graph', () => {
    // Without the iterative scan an HNSW scan returns at most ef_search rows: the rows a search gets back show the
    // ef_search it ran with. 4 candidates for graphs of up to 500 visitors; the big tenant's 2000 need
    // ceil(4 × 4^0.69) = 11.
    const follow = { efSearch: 4, iterativeScan: 'off' as const, efSearchRows: 500 };

    async function searching(settings: typeof follow, run: (s: ShopperRepository) => Promise<void>): Promise<void> {
      const ds = createDataSource(t.db.url, { poolSize: 1, vectorSearch: settings });
      await ds.initialize();
      try {
        // one pooled connection: a graph of 2000 is small enough that the planner would rather sort
        await ds.query('SET enable_seqscan = off');
        await ds.query('SET enable_sort = off');
        await run(new ShopperRepository(ds));
      } finally {
        await ds.destroy();
      }
    }

    it("reads the graph's size from its partition's index, no count per search", async () => {
      expect(await tenantGraphRows(t.dataSource, 'visitors', big.tenant.id)).toBe(2000);
      expect(await tenantGraphRows(t.dataSource, 'visitors', small.tenant.id)).toBe(5);
      expect(await tenantGraphRows(t.dataSource, 'visitors', randomUUID())).toBe(0);
    });

    it('searches a large tenant with more candidates, a small one with the connection’s own', async () => {
      const query = randomVector();
      await searching({ ...follow, efSearchRows: 0 }, async (s) => {
        expect(await s.nearestVisitors(big.tenant.id, query, 'mfn', 10)).toHaveLength(4);
      });
      await searching(follow, async (s) => {
        expect(await s.nearestVisitors(big.tenant.id, query, 'mfn', 10)).toHaveLength(10);
        expect(await s.nearestVisitors(small.tenant.id, query, 'mfn', 10)).toHaveLength(4);
      });
    });

    it('inside a transaction, sets ef_search for the search alone and back after it', async () => {
      const ds = createDataSource(t.db.url, { poolSize: 1, vectorSearch: follow });
      await ds.initialize();
      try {
        const [during, after] = await ds.transaction(async (m) => {
          await m.query('SET LOCAL enable_seqscan = off');
          await m.query('SET LOCAL enable_sort = off');
          const found = await new ShopperRepository(m).nearestVisitors(big.tenant.id, randomVector(), 'mfn', 10);
          const [row]: { ef: string }[] = await m.query(`SELECT current_setting('hnsw.ef_search') AS ef`);
          return [found.length, row!.ef];
        });
        expect(during).toBe(10);
        expect(after).toBe('4');
      } finally {
        await ds.destroy();
      }
    });
  });
});
