import { Client } from 'pg';
import { config } from '@storelens/config';
import { ensureInfra } from '@storelens/testing';
import { parseSearchEf } from './command';
import { DEFAULT_SEARCH_SETTINGS, searchOptions, searchRow, type SearchRow } from './search-row';
import { cosine, FaceSpace, seededRandom, tenantSizes } from './search-vectors';

describe('search vectors', () => {
  it('are clustered: faces of one person are close, two people are not', () => {
    const space = new FaceSpace(128, seededRandom(1));
    const a = space.person();
    const b = space.person();
    const same: number[] = [];
    for (let i = 0; i < 20; i++) same.push(cosine(space.face(a), space.face(a)));
    const mean = same.reduce((x, y) => x + y, 0) / same.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(0.8);
    expect(Math.abs(cosine(space.face(a), space.face(b)))).toBeLessThan(0.45);
  });

  it('keeps the defaults for options given as undefined (as the command line passes them)', () => {
    const o = searchOptions({ vectors: 1000, databaseUrl: 'postgres://x', queries: undefined, tenants: undefined });
    expect(o).toMatchObject({ vectors: 1000, queries: 200, tenants: 50, seed: 12 });
  });

  it('reads --search-ef as fixed ef_search values or ones that follow the tenant graph size', () => {
    expect(parseSearchEf('100:150_000,200, 40')).toEqual([
      { efSearch: 100, iterativeScan: 'relaxed_order', efSearchRows: 150_000 },
      { efSearch: 200, iterativeScan: 'relaxed_order' },
      { efSearch: 40, iterativeScan: 'relaxed_order' },
    ]);
    for (const bad of ['0', '1001', '100:', 'x', '100:-5', ''])
      expect(() => parseSearchEf(bad)).toThrow(/search-ef must be/);
  });

  it('spreads tenants from large to small and sums to the total', () => {
    const sizes = tenantSizes(100_000, 50);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(100_000);
    expect(sizes[0]).toBeGreaterThan(sizes[49]! * 10);
  });
});

describe('search row on a real Postgres (5,500 vectors, 50 tenants)', () => {
  let row: SearchRow;

  beforeAll(async () => {
    await ensureInfra();
    row = await searchRow({
      vectors: 5_500,
      queries: 50,
      databaseUrl: config().database.url,
      // the platform's default (its graphs are all under 15k, so 100 throughout), then fixed values, then 40
      // candidates up to 60 vectors per graph, which the larger tenants here exceed
      settings: [...DEFAULT_SEARCH_SETTINGS, { efSearch: 40, iterativeScan: 'relaxed_order', efSearchRows: 60 }],
    });
  });

  it('loads the split it was asked for and rebuilds the HNSW indexes (gallery, visitors), one graph per tenant', () => {
    expect(row).toMatchObject({ name: 'search', vectors: 5_500, tenants: 50 });
    expect(row.enrolled + row.visitors).toBe(5_500);
    expect(Math.abs(row.enrolled - 500)).toBeLessThanOrEqual(25); // 1:10 per tenant, rounded per tenant
    expect(row.indexes).toHaveLength(2);
    const [gallery, visitors] = [...row.indexes].sort(); // face_embeddings_gallery_…, visitors_…
    expect(gallery).toMatch(/USING hnsw \(embedding vector_cosine_ops\) WHERE \(gallery_identity_id IS NOT NULL\)/);
    expect(visitors).toMatch(/ON ONLY public\.visitors USING hnsw \(centroid vector_cosine_ops\)$/);
    expect(row.buildSeconds).toBeGreaterThan(0);
    expect(row.indexMiB).toBeGreaterThan(0);
    expect(row.tenantVectors.max).toBeGreaterThan(row.tenantVectors.min * 10);
  });

  it('times the decision for every setting, with recall against exact search', () => {
    expect(row.settings.map((s) => [s.efSearch, s.iterativeScan, s.efSearchRows ?? 0])).toEqual([
      [100, 'relaxed_order', 15_000],
      [100, 'relaxed_order', 0],
      [40, 'relaxed_order', 0],
      [40, 'strict_order', 0],
      [64, 'relaxed_order', 0],
      [40, 'relaxed_order', 60],
    ]);
    for (const s of row.settings) {
      expect(s.p95Ms).toBeGreaterThanOrEqual(s.p50Ms);
      // the decision is the two searches one after the other
      expect(s.galleryMs.p50 + s.visitorsMs.p50).toBeLessThanOrEqual(s.p50Ms * 1.5);
      expect(s.galleryMs.p50).toBeGreaterThan(0);
      expect(s.visitorsMs.p95).toBeGreaterThanOrEqual(s.visitorsMs.p50);
      expect(s.recallAt10).toBeGreaterThanOrEqual(0.9);
      expect(s.recallAt10).toBeLessThanOrEqual(1);
      // the nearest visitor (what a track joins) is found for nearly every query at this size
      expect(s.visitorRecallAt1).toBeGreaterThanOrEqual(0.95);
      expect(s.visitorRecallAt1).toBeLessThanOrEqual(1);
      expect(s.serverCpuP50Ms).toBeGreaterThan(0);
      // the two halves' recall average to the whole (equal numbers of queries per tenant)
      expect(s.smallTenantsRecallAt10).toBeGreaterThanOrEqual(0.9);
      expect(s.largeTenantsRecallAt10).toBeGreaterThanOrEqual(0.9);
      expect(Math.min(s.smallTenantsRecallAt10, s.largeTenantsRecallAt10)).toBeLessThanOrEqual(s.recallAt10 + 1e-4);
      expect(Math.max(s.smallTenantsRecallAt10, s.largeTenantsRecallAt10)).toBeGreaterThanOrEqual(s.recallAt10 - 1e-4);
    }
    expect(row.p95Ms).toBe(row.settings[0]!.p95Ms);
    expect(row).toMatchObject({ efSearch: 100, efSearchRows: 15_000, efSearchUsed: { min: 100, max: 100 } });
  });

  it('searches the larger tenants with more candidates when ef_search follows the graph size', () => {
    const fixed = row.settings[2]!;
    const following = row.settings[5]!;
    expect(fixed.efSearchUsed).toEqual({ min: 40, max: 40 });
    // the smallest tenants' graphs (a few enrolled faces) keep 40; the largest tenant's ~700 visitors get
    // ceil(40 × (700/60)^0.69) ≈ 219
    expect(following.efSearchUsed.min).toBe(40);
    expect(following.efSearchUsed.max).toBeGreaterThan(150);
    expect(following.largeTenantsRecallAt10).toBeGreaterThanOrEqual(fixed.largeTenantsRecallAt10);
  });

  it('breaks recall down by the size of the graph each search walked', () => {
    for (const s of row.settings) {
      const bands = s.recallBySize;
      expect(bands.reduce((n, b) => n + b.searches, 0)).toBe(2 * row.queries);
      for (const graph of ['gallery', 'visitors']) {
        const mine = bands.filter((b) => b.graph === graph);
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.map((b) => b.upToRows)).toEqual([...mine.map((b) => b.upToRows)].sort((a, b) => a - b));
      }
      for (const b of bands) {
        expect(b.recallAt10).toBeGreaterThanOrEqual(0);
        expect(b.recallAt10).toBeLessThanOrEqual(1);
      }
    }
    // each band says the ef_search its searches ran with: the fixed 40, or more where it follows the size
    expect(row.settings[2]!.recallBySize.every((b) => b.efSearch === 40)).toBe(true);
    expect(Math.max(...row.settings[5]!.recallBySize.map((b) => b.efSearch))).toBeGreaterThan(40);
  });

  it('drops its database afterwards', async () => {
    const c = new Client({ connectionString: config().database.url.replace(/\/[^/]*$/, '/postgres') });
    await c.connect();
    const { rows } = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [
      `storelens_bench_search_${process.pid}`,
    ]);
    await c.end();
    expect(rows).toHaveLength(0);
  });
});
