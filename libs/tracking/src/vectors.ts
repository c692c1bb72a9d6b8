// cosine similarity has one home, beside the decision rule that reads it
export { cosine } from '@storelens/decision';

/** The L2-normalised mean of unit vectors: the direction a group of faces of one person points in. */
export function centroid(vectors: readonly (readonly number[])[]): number[] {
  if (vectors.length === 0) throw new RangeError('centroid of no vectors');
  const sum = new Array<number>(vectors[0]!.length).fill(0);
  for (const v of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += v[i]!;
  const norm = Math.sqrt(sum.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? sum : sum.map((x) => x / norm);
}

/**
 * A visitor's centroid after one more track joins it: the L2-normalised running mean of its `count` tracks'
 * centroids and the new one. What the visitors table keeps, and what `VisitorBook` replays in memory.
 */
export function absorbCentroid(old: readonly number[], count: number, joining: readonly number[]): number[] {
  const sum = old.map((x, i) => x * count + joining[i]!);
  const norm = Math.hypot(...sum) || 1;
  return sum.map((x) => x / norm);
}
