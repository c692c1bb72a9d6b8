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
