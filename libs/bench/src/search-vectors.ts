/**
 * Synthetic face embeddings for the search row: clustered unit vectors shaped like a recognition model's output, so
 * that nearest-neighbour recall means something (uniform noise on the sphere has no neighbours worth finding).
 *
 * - Each person has a centre; every face of that person is the centre plus noise, normalised. With the noise used
 *   here two faces of one person have a cosine similarity of ~0.6, two people ~0 with a long tail, as with
 *   MobileFaceNet on real faces.
 * - The space is anisotropic (variance falls off over the dimensions), as real embeddings are, which makes the
 *   neighbourhoods denser and the search harder than on an isotropic sphere.
 * - Every tenant draws people from the same distribution: a chain's stores see the same kind of faces, so a
 *   tenant's neighbours in a shared index are mostly other tenants' faces, the hard case for a filtered search.
 */

/** A small, fast, seeded generator (mulberry32): the same seed gives the same data on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates from a uniform source (Box-Muller; both values used). */
export function gaussian(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = random();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * random();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

export function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

export { cosine } from '@storelens/decision';

/** Draws people (centres) and their faces. */
export class FaceSpace {
  private readonly normal: () => number;
  /** per-dimension standard deviation: 1/sqrt(1 + i/10), i.e. the first dimensions carry most of the variance */
  private readonly scale: Float32Array;
  /** noise scale giving a face-to-centre cosine of ~0.8 (face-to-face of one person ~0.6) */
  private readonly noise: number;

  constructor(
    readonly dimensions: number,
    random: () => number,
    noiseNorm = 0.75,
  ) {
    this.normal = gaussian(random);
    this.scale = new Float32Array(dimensions);
    let total = 0;
    for (let i = 0; i < dimensions; i++) {
      this.scale[i] = 1 / Math.sqrt(1 + i / 10);
      total += this.scale[i] ** 2;
    }
    this.noise = noiseNorm / Math.sqrt(total);
  }

  person(): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (let i = 0; i < v.length; i++) v[i] = this.scale[i] * this.normal();
    return normalise(v);
  }

  /** A face of the person `centre`; `noiseScale` < 1 gives a mean of several faces (a track's or visitor's centroid). */
  face(centre: Float32Array, noiseScale = 1): Float32Array {
    const v = new Float32Array(this.dimensions);
    const noise = this.noise * noiseScale;
    for (let i = 0; i < v.length; i++) v[i] = centre[i] + noise * this.scale[i] * this.normal();
    return normalise(v);
  }
}

/**
 * How many vectors each of `tenants` tenants holds: a Zipf-like spread (a few large chains, many small ones), as a
 * platform's customers are. Sums to `total`; every tenant gets at least `min`.
 */
export function tenantSizes(total: number, tenants: number, exponent = 0.8, min = 11): number[] {
  const weights = Array.from({ length: tenants }, (_, i) => 1 / (i + 1) ** exponent);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(min, Math.floor((total * w) / sum)));
  let rest = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; rest !== 0; i = (i + 1) % tenants) {
    const step = rest > 0 ? 1 : sizes[i] > min ? -1 : 0;
    sizes[i] += step;
    rest -= step;
  }
  return sizes;
}
