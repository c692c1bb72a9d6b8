import { EF_GROWTH, efSearchFor, MAX_EF_SEARCH } from './vector-search';

describe('efSearchFor: candidates that follow the size of a tenant graph', () => {
  const platform = { efSearch: 100, iterativeScan: 'relaxed_order' as const, efSearchRows: 15_000 };

  it('keeps efSearch for graphs up to efSearchRows, and for a graph never analyzed (0 rows)', () => {
    for (const rows of [0, 1, 5_000, 14_999, 15_000]) expect(efSearchFor(platform, rows)).toBe(100);
  });

  it('gives the sizes measured by the search bench about what held recall@10 at 0.95 there, a little more', () => {
    // 3M vectors, per band of visitor graph size: 0.95 at ~165 for 35k, ~255 for 70k, ~440 for 140k, ~870 for 420k
    for (const [rows, needed] of [
      [35_000, 165],
      [70_000, 255],
      [140_000, 440],
      [420_000, 870],
    ] as const) {
      expect(efSearchFor(platform, rows)).toBeGreaterThanOrEqual(needed);
      expect(efSearchFor(platform, rows)).toBeLessThan(needed * 1.25);
    }
  });

  it('grows with the graph, sublinearly, and never past pgvector’s 1000', () => {
    const sizes = [15_001, 30_000, 100_000, 300_000, 1e6, 1e8, 1e10];
    const efs = sizes.map((rows) => efSearchFor(platform, rows));
    for (let i = 1; i < efs.length; i++) expect(efs[i]).toBeGreaterThanOrEqual(efs[i - 1]!);
    expect(efSearchFor(platform, 150_000) / 100).toBeCloseTo(10 ** EF_GROWTH, 1);
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
