import { EF_GROWTH, efSearchFor, MAX_EF_SEARCH } from './vector-search';

describe('efSearchFor: candidates that follow the size of a tenant graph', () => {
  const platform = { efSearch: 100, iterativeScan: 'relaxed_order' as const, efSearchRows: 150_000 };

  it('keeps efSearch for graphs up to efSearchRows, and for a graph never analyzed (0 rows)', () => {
    for (const rows of [0, 1, 5_000, 149_999, 150_000]) expect(efSearchFor(platform, rows)).toBe(100);
  });

  it('gives the sizes measured by the search bench what held recall@10 at 0.95 there', () => {
    // 3M vectors: the largest tenant's 460k visitors needed ~200 candidates (0.965 for the larger half)
    expect(efSearchFor(platform, 460_000)).toBe(201);
    // a tenant of 1.7M visitors (the full-size run) ~450, where 100 found 0.75 of the visitors' top 10
    expect(efSearchFor(platform, 1_700_000)).toBeGreaterThan(400);
    expect(efSearchFor(platform, 1_700_000)).toBeLessThan(500);
  });

  it('grows with the graph, sublinearly, and never past pgvector’s 1000', () => {
    const sizes = [150_001, 300_000, 1e6, 3e6, 1e7, 1e8, 1e10];
    const efs = sizes.map((rows) => efSearchFor(platform, rows));
    for (let i = 1; i < efs.length; i++) expect(efs[i]).toBeGreaterThanOrEqual(efs[i - 1]!);
    expect(efSearchFor(platform, 1_500_000) / 100).toBeCloseTo(10 ** EF_GROWTH, 1);
    expect(efs[efs.length - 1]).toBe(MAX_EF_SEARCH);
  });

  it('is a fixed efSearch when efSearchRows is 0 or absent', () => {
    expect(efSearchFor({ ...platform, efSearchRows: 0 }, 5e6)).toBe(100);
    expect(efSearchFor({ efSearch: 40, iterativeScan: 'strict_order' }, 5e6)).toBe(40);
  });

  it('never goes below efSearch, however it is set', () => {
    expect(efSearchFor({ efSearch: 999, iterativeScan: 'off', efSearchRows: 10 }, 10)).toBe(999);
    expect(efSearchFor({ efSearch: 999, iterativeScan: 'off', efSearchRows: 10 }, 1e6)).toBe(1000);
    expect(efSearchFor({ efSearch: 1, iterativeScan: 'off', efSearchRows: 10 }, 11)).toBe(2);
  });
});
