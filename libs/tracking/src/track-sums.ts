import type { IdentitySimilarity } from './track-summary';

/**
 * Sums are kept in units of 2^-30: a vector component or a similarity (each within [-1, 1]) becomes a whole number
 * of at most 2^30, and a sum of up to 2^22 of them stays a whole number below 2^53, which a double holds exactly.
 * So a track's sums are the same whatever order its faces were added in, and a face can be taken out again exactly:
 * what lets a decision update a track by the faces it moves instead of summing up all its faces again.
 */
const UNIT = 2 ** 30;
const units = (x: number) => Math.round(x * UNIT);

/** A face as the sums count it: its vector, and the identities it matched (null or empty: none). */
export interface SummedFace {
  embedding: readonly number[];
  matches: readonly IdentitySimilarity[] | null;
}

/**
 * What a track's summary is computed from, kept with the track (`tracks.sums`): exact sums over its faces (whole
 * numbers of 2^-30 units, see UNIT), so that faces can be added and taken out in any order.
 */
export interface TrackSums {
  /** faces summed */
  faces: number;
  /** the faces' vectors, summed component by component */
  vector: number[];
  /** faces with matches */
  listed: number;
  /** those faces' lowest listed similarity, summed */
  lowest: number;
  /**
   * per identity listed: how far above its face's lowest it was listed (at its first listing in the face), summed,
   * and by how many faces
   */
  lifts: Record<string, [lift: number, faces: number]>;
}

export function emptySums(): TrackSums {
  return { faces: 0, vector: [], listed: 0, lowest: 0, lifts: {} };
}

/** Adds a face to the sums (`sign` 1), or takes one out that was added (`sign` -1). Changes `sums` in place. */
export function addToSums(sums: TrackSums, face: SummedFace, sign: 1 | -1 = 1): TrackSums {
  const { embedding, matches } = face;
  if (sums.vector.length === 0 && sums.faces === 0) sums.vector = new Array<number>(embedding.length).fill(0);
  if (embedding.length !== sums.vector.length) {
    throw new RangeError(`a ${embedding.length}-dimensional vector cannot join sums of ${sums.vector.length}`);
  }
  sums.faces += sign;
  for (let i = 0; i < embedding.length; i++) sums.vector[i]! += sign * units(embedding[i]!);
  if (!matches || matches.length === 0) return sums;
  let lowest = Infinity;
  for (const m of matches) lowest = Math.min(lowest, m.similarity);
  const low = units(lowest);
  sums.listed += sign;
  sums.lowest += sign * low;
  const seen = new Set<string>();
  for (const m of matches) {
    if (seen.has(m.identityId)) continue; // an identity listed twice counts at its first listing
    seen.add(m.identityId);
    const entry = (sums.lifts[m.identityId] ??= [0, 0]);
    entry[0] += sign * (units(m.similarity) - low);
    entry[1] += sign;
    if (entry[1] === 0) delete sums.lifts[m.identityId];
  }
  return sums;
}

/** The sums of these faces. */
export function sumsOf(faces: Iterable<SummedFace>): TrackSums {
  const sums = emptySums();
  for (const f of faces) addToSums(sums, f);
  return sums;
}

/**
 * A track's centroid (the normalised mean of its faces' vectors) and its similarity to each identity its faces
 * matched, best first: per identity, the mean over the faces with matches, a face that did not list the identity
 * counting with the lowest similarity it did list (it was at most that close). Null for sums of no face.
 */
export function summariseSums(sums: TrackSums): { centroid: number[]; matches: IdentitySimilarity[] } | null {
  if (sums.faces <= 0) return null;
  const norm = Math.sqrt(sums.vector.reduce((s, x) => s + x * x, 0));
  const centroid = sums.vector.map((x) => (norm === 0 ? 0 : x / norm));
  const matches = Object.entries(sums.lifts)
    .map(([identityId, [lift]]) => ({ identityId, similarity: (sums.lowest + lift) / sums.listed / UNIT }))
    .sort((a, b) => b.similarity - a.similarity || (a.identityId < b.identityId ? -1 : 1));
  return { centroid, matches };
}
