import { addToSums, emptySums, sumsOf, summariseSums, type SummedFace } from './track-sums';
import { centroid } from './vectors';

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function unit(r: () => number, dims = 128): number[] {
  const v = Array.from({ length: dims }, () => r() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

/** Faces with random vectors and random matches (some none, some empty, some listing an identity twice). */
function faces(n: number, seed: number): SummedFace[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const k = Math.floor(r() * 6) - 1;
    const matches =
      k < 0
        ? null
        : Array.from({ length: k }, () => ({
            identityId: ids[Math.floor(r() * ids.length)]!,
            similarity: r() * 1.2 - 0.2,
          }));
    return { embedding: unit(r), matches };
  });
}

describe("a track's sums", () => {
  it("give the track's name by its rule: per identity, the mean over its faces with matches, a face that did not list the identity counting with the lowest it did", () => {
    const v = unit(rng(1));
    const summary = summariseSums(
      sumsOf([
        {
          embedding: v,
          matches: [
            { identityId: 'a', similarity: 0.6 },
            { identityId: 'b', similarity: 0.3 },
          ],
        },
        { embedding: v, matches: [{ identityId: 'a', similarity: 0.4 }] },
        { embedding: v, matches: [] },
        { embedding: v, matches: null },
      ]),
    )!;
    expect(summary.matches.map((m) => m.identityId)).toEqual(['a', 'b']);
    expect(summary.matches[0]!.similarity).toBeCloseTo(0.5, 8);
    expect(summary.matches[1]!.similarity).toBeCloseTo(0.35, 8);
    summary.centroid.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 8));
  });

  it('an identity listed twice by one face counts at its first listing', () => {
    const v = unit(rng(2));
    const { matches } = summariseSums(
      sumsOf([
        {
          embedding: v,
          matches: [
            { identityId: 'a', similarity: 0.7 },
            { identityId: 'a', similarity: 0.2 },
            { identityId: 'b', similarity: 0.5 },
          ],
        },
      ]),
    )!;
    expect(matches[0]).toEqual({ identityId: 'a', similarity: expect.closeTo(0.7, 8) });
    expect(matches[1]).toEqual({ identityId: 'b', similarity: expect.closeTo(0.5, 8) });
  });

  it('are the same, bit for bit, whatever order the faces came in, and a face taken out leaves the sums it was added to', () => {
    const all = faces(400, 7);
    const inOrder = sumsOf(all);
    const r = rng(11);
    const shuffled = all
      .map((f) => ({ f, k: r() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.f);
    expect(sumsOf(shuffled)).toEqual(inOrder);
    // 100 faces added and taken out again, interleaved with the others
    const extra = faces(100, 8);
    const s = emptySums();
    for (const [i, f] of shuffled.entries()) {
      addToSums(s, f);
      if (i < extra.length) addToSums(s, extra[i]!);
    }
    for (const f of extra.reverse()) addToSums(s, f, -1);
    expect(s).toEqual(inOrder);
    // and they survive being stored as JSON
    expect(JSON.parse(JSON.stringify(inOrder))).toEqual(inOrder);
  });

  it("give the faces' centroid and mean similarities as summing them in floating point does, to within 1e-8", () => {
    const all = faces(300, 3);
    const summary = summariseSums(sumsOf(all))!;
    const want = centroid(all.map((f) => f.embedding));
    summary.centroid.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThan(1e-8));
    const listed = all.filter((f) => f.matches && f.matches.length > 0);
    for (const m of summary.matches) {
      let sum = 0;
      for (const f of listed) {
        const lowest = Math.min(...f.matches!.map((x) => x.similarity));
        sum += f.matches!.find((x) => x.identityId === m.identityId)?.similarity ?? lowest;
      }
      expect(Math.abs(m.similarity - sum / listed.length)).toBeLessThan(1e-8);
    }
  });

  it('of no face summarise to nothing, and refuse a vector of another length', () => {
    const [f] = faces(1, 5);
    const s = sumsOf([f!]);
    expect(summariseSums(addToSums(s, f!, -1))).toBeNull();
    expect(() => addToSums(sumsOf([f!]), { embedding: [1, 0], matches: null })).toThrow(RangeError);
  });
});
