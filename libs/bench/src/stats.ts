/** Small pure helpers for turning repeated timings into the numbers the bench reports. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The q-quantile (0 <= q <= 1), interpolating between the two nearest ranks (so `quantile(xs, 0.5)` is the median;
 * with few values a high quantile lies between the largest ones rather than on the maximum).
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** count per second for `count` items done in `ms` milliseconds (0 when nothing was done). */
export function perSecond(count: number, ms: number): number {
  return count > 0 && ms > 0 ? (count * 1000) / ms : 0;
}

/** ms per item, or null when there are no items (e.g. ms per face when no face was found). */
export function perItem(ms: number, count: number): number | null {
  return count > 0 ? ms / count : null;
}

/** Rounds for output: the bench's timings are not meaningful beyond 0.01 ms. */
export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The rate fields every bench row reports, from one timing of `images` images holding `faces` faces. */
export function rates(images: number, faces: number, ms: number) {
  const msPerFace = perItem(ms, faces);
  return {
    imagesPerSec: round(perSecond(images, ms)),
    facesPerSec: round(perSecond(faces, ms)),
    msPerImage: round(ms / images),
    msPerFace: msPerFace === null ? null : round(msPerFace),
  };
}
