import { cosine, identify, type NamingRule } from '@storelens/decision';
import { EMOTIONS, normaliseEmotion, type AgeRange, type Emotion, type Gender } from './dataset';

/**
 * Pure evaluation metrics. Conventions shared by every function here:
 *
 * - A score is a similarity: higher means "more likely the same person". A pair is predicted "same" when
 *   `score >= threshold`.
 * - A pair where no face was found is scored `-Infinity`: it is below every finite threshold, so it is always
 *   predicted "different" (a miss for a genuine pair, a correct rejection for an impostor pair) and it ranks
 *   below every real score in the AUC. NaN scores are rejected with an error.
 * - Any metric without data (no pairs, only one class, no probes…) is `null`, never NaN.
 * - Thresholds reported here always follow the `score >= threshold` rule, so they can be used as-is.
 */

function checkScores(scores: readonly number[], labels: readonly boolean[], fn: string): void {
  if (scores.length !== labels.length) {
    throw new Error(`${fn}: ${scores.length} scores but ${labels.length} labels`);
  }
  for (const s of scores) {
    if (Number.isNaN(s) || s === Infinity) throw new Error(`${fn}: invalid score ${s}`);
  }
}

function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

function ascending(a: number, b: number): number {
  // Not `a - b`: -Infinity - -Infinity is NaN, which would make the sort order undefined.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The smallest double above x (x finite or -Infinity). Accepting `score >= nextUp(x)` is accepting `score > x`. */
export function nextUp(x: number): number {
  if (x === -Infinity) return -Number.MAX_VALUE;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

/**
 * ROC AUC by ranks (Mann–Whitney U): the probability that a random genuine pair scores above a random impostor
 * pair, ties counting one half. Tied scores get their average rank. Null unless both classes are present.
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number | null {
  checkScores(scores, labels, 'rocAuc');
  const nPos = labels.filter(Boolean).length;
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const order = scores.map((s, i) => ({ s, pos: labels[i] })).sort((x, y) => ascending(x.s, y.s));
  let rankSumPos = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].s === order[i].s) j++;
    const avgRank = (i + 1 + (j + 1)) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) if (order[k].pos) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Fraction of pairs classified correctly with `score >= threshold` meaning "same". Null when there are no pairs. */
export function accuracyAt(scores: readonly number[], labels: readonly boolean[], threshold: number): number | null {
  checkScores(scores, labels, 'accuracyAt');
  let correct = 0;
  scores.forEach((s, i) => {
    if (s >= threshold === labels[i]) correct++;
  });
  return ratio(correct, scores.length);
}

/** True accept rate (genuine pairs accepted) and false accept rate (impostor pairs accepted) at a threshold. */
export function ratesAt(
  scores: readonly number[],
  labels: readonly boolean[],
  threshold: number,
): { tar: number | null; far: number | null } {
  checkScores(scores, labels, 'ratesAt');
  let tp = 0;
  let fp = 0;
  let pos = 0;
  scores.forEach((s, i) => {
    if (labels[i]) {
      pos++;
      if (s >= threshold) tp++;
    } else if (s >= threshold) fp++;
  });
  return { tar: ratio(tp, pos), far: ratio(fp, scores.length - pos) };
}

export interface BestThreshold {
  /** Null only when no pair has a finite score (every threshold then gives the same accuracy). */
  threshold: number | null;
  accuracy: number;
}

/**
 * The threshold with the highest accuracy. Candidates are the lowest finite score (accept every finite score),
 * the midpoints between consecutive distinct finite scores, and just above the highest (reject everything).
 * Among equally good candidates the lowest threshold wins. Null when there are no pairs.
 */
export function bestThreshold(scores: readonly number[], labels: readonly boolean[]): BestThreshold | null {
  checkScores(scores, labels, 'bestThreshold');
  const n = scores.length;
  if (n === 0) return null;
  const finite = scores
    .map((s, i) => ({ s, pos: labels[i] }))
    .filter((x) => x.s !== -Infinity)
    .sort((x, y) => ascending(x.s, y.s));
  // -Infinity (no face) pairs are always rejected: right for impostors, wrong for genuine pairs.
  const negInfImpostors = scores.filter((s, i) => s === -Infinity && !labels[i]).length;
  if (finite.length === 0) return { threshold: null, accuracy: negInfImpostors / n };

  // Start by accepting every finite score, then raise the threshold past one group of tied scores at a time.
  let correct = negInfImpostors + finite.filter((x) => x.pos).length;
  let best: BestThreshold = { threshold: finite[0].s, accuracy: correct / n };
  let i = 0;
  while (i < finite.length) {
    let j = i;
    while (j + 1 < finite.length && finite[j + 1].s === finite[i].s) j++;
    for (let k = i; k <= j; k++) correct += finite[k].pos ? -1 : 1; // this group is now rejected
    const lo = finite[i].s;
    let threshold: number;
    if (j + 1 < finite.length) {
      const hi = finite[j + 1].s;
      let mid = (lo + hi) / 2;
      if (!Number.isFinite(mid)) mid = lo + (hi - lo) / 2; // lo + hi overflowed
      threshold = mid > lo ? mid : hi; // adjacent doubles: the midpoint rounds down onto lo
    } else {
      threshold = nextUp(lo);
    }
    if (correct / n > best.accuracy) best = { threshold, accuracy: correct / n };
    i = j + 1;
  }
  return best;
}

export interface TarAtFar {
  /** Fraction of genuine pairs accepted at `threshold`. */
  tar: number;
  /** Accept when `score >= threshold` (= strictly above the highest impostor score that must be rejected). */
  threshold: number;
  /** FAR actually reached among the impostor pairs (≤ the target; lower when tied impostor scores straddle it). */
  far: number;
  targetFar: number;
  genuine: number;
  impostor: number;
  /** Impostor pairs allowed to be accepted: floor(targetFar × impostor). */
  allowedFalseAccepts: number;
  /** False when there are fewer than 1/targetFar impostor pairs, so no false accept can be allowed at all. */
  resolved: boolean;
}

/**
 * TAR at a target FAR. The threshold is the smallest one that keeps the impostor accept rate ≤ `far`:
 * with N impostor pairs at most k = floor(far·N) may be accepted, so the threshold lies just above v, the
 * (k+1)-th highest impostor score. Ties: every pair scoring exactly v is rejected, genuine or impostor
 * (accepting any of them could accept more than k impostors), so the FAR reached can be below the target.
 * When k ≥ N every pair with a face is accepted. Null unless both classes are present.
 */
export function tarAtFar(scores: readonly number[], labels: readonly boolean[], far: number): TarAtFar | null {
  checkScores(scores, labels, 'tarAtFar');
  if (!(far >= 0 && far <= 1)) throw new Error(`tarAtFar: far must be in [0, 1], got ${far}`);
  const impostors = scores.filter((_, i) => !labels[i]).sort((a, b) => ascending(b, a));
  const genuines = scores.filter((_, i) => labels[i]);
  if (impostors.length === 0 || genuines.length === 0) return null;
  // The epsilon keeps e.g. 0.29 × 100 = 28.999999999999996 from rounding down to 28.
  const k = Math.floor(far * impostors.length + 1e-9);
  const v = k < impostors.length ? impostors[k] : -Infinity;
  const threshold = nextUp(v);
  const tp = genuines.filter((s) => s > v).length;
  const fp = impostors.filter((s) => s > v).length;
  return {
    tar: tp / genuines.length,
    threshold,
    far: fp / impostors.length,
    targetFar: far,
    genuine: genuines.length,
    impostor: impostors.length,
    allowedFalseAccepts: Math.min(k, impostors.length),
    resolved: impostors.length * far >= 1 - 1e-9,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Identification

/** One face of the identification set. `embedding` null = the image was read but no face was found. */
export interface IdentifiedFace {
  identity: string;
  embedding: ArrayLike<number> | null;
}

export type Rank1Method = 'nearest-neighbour' | 'centroid';

export interface Rank1Result {
  method: Rank1Method;
  /** Probes scored: faces whose identity has at least one other face with an embedding. */
  probes: number;
  correct: number;
  /** correct / probes; null without probes. */
  accuracy: number | null;
  /** Probes among `probes` where no face was found (each counted as wrong). */
  noFace: number;
  /** Faces not scored because their identity has no other face with an embedding. */
  skippedSingletons: number;
}

function normalised(e: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < e.length; i++) n += e[i] * e[i];
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  const out = new Float64Array(e.length);
  for (let i = 0; i < e.length; i++) out[i] = e[i] * inv;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`embedding lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

interface Prepared {
  identity: string;
  unit: Float64Array | null;
}

function prepare(faces: readonly IdentifiedFace[]): { items: Prepared[]; withFace: Map<string, number> } {
  const withFace = new Map<string, number>();
  const items = faces.map((f) => {
    if (f.embedding) withFace.set(f.identity, (withFace.get(f.identity) ?? 0) + 1);
    return { identity: f.identity, unit: f.embedding ? normalised(f.embedding) : null };
  });
  return { items, withFace };
}

/** Nearest gallery face by cosine similarity; ties go to the earliest face in input order. */
function nearest(
  probe: Float64Array,
  gallery: readonly Prepared[],
  skip: number,
): { index: number; similarity: number } | null {
  let best = -1;
  let bestSim = -Infinity;
  for (let g = 0; g < gallery.length; g++) {
    const u = gallery[g].unit;
    if (g === skip || !u) continue;
    const sim = dot(probe, u);
    if (sim > bestSim) {
      bestSim = sim;
      best = g;
    }
  }
  return best < 0 ? null : { index: best, similarity: bestSim };
}

/**
 * Closed-set leave-one-out rank-1 accuracy: each face in turn is the probe and every *other* face of the set is
 * the gallery.
 * - 'nearest-neighbour' (the one reported by evaluateDataset): the probe takes the identity of the single most
 *   similar other face (cosine; ties go to the earliest face in input order).
 * - 'centroid': the probe takes the identity whose mean unit embedding is most similar; the probe's own identity
 *   mean is computed without the probe.
 * A probe is scored only if its identity has another face with an embedding (otherwise it cannot be right).
 * A scored probe with no face found counts as wrong.
 */
export function leaveOneOutRank1(
  faces: readonly IdentifiedFace[],
  method: Rank1Method = 'nearest-neighbour',
): Rank1Result {
  const { items, withFace } = prepare(faces);
  let probes = 0;
  let correct = 0;
  let noFace = 0;
  let skippedSingletons = 0;

  // For the centroid method: per-identity sums of unit embeddings.
  const sums = new Map<string, { sum: Float64Array; n: number }>();
  if (method === 'centroid') {
    for (const it of items) {
      if (!it.unit) continue;
      let acc = sums.get(it.identity);
      if (!acc) {
        acc = { sum: new Float64Array(it.unit.length), n: 0 };
        sums.set(it.identity, acc);
      }
      if (acc.sum.length !== it.unit.length) throw new Error('embedding lengths differ');
      for (let d = 0; d < it.unit.length; d++) acc.sum[d] += it.unit[d];
      acc.n++;
    }
  }
  const identityOrder = [...new Set(items.map((it) => it.identity))];

  items.forEach((it, idx) => {
    const others = (withFace.get(it.identity) ?? 0) - (it.unit ? 1 : 0);
    if (others < 1) {
      skippedSingletons++;
      return;
    }
    probes++;
    if (!it.unit) {
      noFace++;
      return;
    }
    let predicted: string | null = null;
    if (method === 'nearest-neighbour') {
      const nn = nearest(it.unit, items, idx);
      predicted = nn ? items[nn.index].identity : null;
    } else {
      let bestSim = -Infinity;
      for (const name of identityOrder) {
        const acc = sums.get(name);
        if (!acc) continue;
        let mean: Float64Array = acc.sum;
        if (name === it.identity) {
          mean = new Float64Array(acc.sum.length);
          for (let d = 0; d < mean.length; d++) mean[d] = acc.sum[d] - it.unit[d];
        }
        const sim = cosine(it.unit, mean);
        if (sim > bestSim) {
          bestSim = sim;
          predicted = name;
        }
      }
    }
    if (predicted === it.identity) correct++;
  });
  return { method, probes, correct, accuracy: ratio(correct, probes), noFace, skippedSingletons };
}

/**
 * Which identities to hold out of the gallery for open-set testing: names sorted by code unit, and the i-th
 * (0-based) is held out when floor((i+1)·f) > floor(i·f). That spreads floor(N·f) held-out names evenly through
 * the sorted list; for f = 1/k it is exactly every k-th name (the k-th, 2k-th, …).
 */
export function selectHeldOut(names: readonly string[], fraction: number): string[] {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`heldOutFraction must be in [0, 1), got ${fraction}`);
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const eps = 1e-9;
  return sorted.filter((_, i) => Math.floor((i + 1) * fraction + eps) > Math.floor(i * fraction + eps));
}

export interface OpenSetResult {
  threshold: number;
  /** the platform's margin: the named identity beats every other identity by at least this much */
  margin: number;
  heldOutIdentities: string[];
  knownIdentities: number;
  /** Faces of gallery identities, each matched leave-one-out against the rest of the gallery. */
  known: {
    probes: number;
    /** The platform's rule names the right identity (best ≥ threshold and ahead of the next by the margin). */
    correct: number;
    /** The rule names another identity. */
    misidentified: number;
    /** The rule names nobody (below the threshold or within the margin), or no face found: "unknown" although enrolled. */
    rejected: number;
    noFace: number;
    skippedSingletons: number;
    correctIdentificationRate: number | null;
    misidentificationRate: number | null;
    falseRejectRate: number | null;
  };
  /** Faces of held-out identities, matched against the whole gallery. */
  unknown: {
    probes: number;
    /** Nearest similarity ≥ threshold: a stranger was given a gallery name. */
    falseAccepts: number;
    /** Nearest similarity < threshold, or no face found: correctly called "unknown". */
    correctRejects: number;
    noFace: number;
    falseAcceptRate: number | null;
    correctRejectRate: number | null;
  };
}

/**
 * Open-set identification at one threshold. The gallery is every face (with an embedding) of the identities not
 * in `heldOut`. Known probes are matched leave-one-out against the rest of the gallery; a known face whose identity
 * has no other gallery face is skipped. Held-out probes are matched against the whole gallery. A probe is named
 * when its nearest gallery face (cosine, ties to the earliest) reaches `threshold`, else it is "unknown".
 * A probe with no face found is never named (same rule as verification).
 */
export function openSetIdentification(
  faces: readonly IdentifiedFace[],
  opts: { rule: NamingRule; heldOut: readonly string[] },
): OpenSetResult {
  const held = new Set(opts.heldOut);
  const { items, withFace } = prepare(faces);
  const gallery = items.map((it) => (held.has(it.identity) ? { identity: it.identity, unit: null } : it));
  const known = { probes: 0, correct: 0, misidentified: 0, rejected: 0, noFace: 0, skippedSingletons: 0 };
  const unknown = { probes: 0, falseAccepts: 0, correctRejects: 0, noFace: 0 };
  /** The platform's decision for a probe against every other gallery face. */
  const decide = (probe: Float64Array, skip: number) =>
    identify(
      gallery.flatMap((g, i) => (i === skip || !g.unit ? [] : [{ identityId: g.identity, similarity: dot(probe, g.unit) }])),
      opts.rule,
    ).named;

  items.forEach((it, idx) => {
    if (held.has(it.identity)) {
      unknown.probes++;
      if (!it.unit) {
        unknown.noFace++;
        unknown.correctRejects++;
        return;
      }
      if (decide(it.unit, -1)) unknown.falseAccepts++;
      else unknown.correctRejects++;
      return;
    }
    const others = (withFace.get(it.identity) ?? 0) - (it.unit ? 1 : 0);
    if (others < 1) {
      known.skippedSingletons++;
      return;
    }
    known.probes++;
    if (!it.unit) {
      known.noFace++;
      known.rejected++;
      return;
    }
    const named = decide(it.unit, idx);
    if (!named) known.rejected++;
    else if (named.identityId === it.identity) known.correct++;
    else known.misidentified++;
  });

  const knownNames = new Set(items.filter((it) => !held.has(it.identity)).map((it) => it.identity));
  return {
    threshold: opts.rule.threshold,
    margin: opts.rule.margin,
    heldOutIdentities: [...held].filter((h) => items.some((it) => it.identity === h)).sort(),
    knownIdentities: knownNames.size,
    known: {
      ...known,
      correctIdentificationRate: ratio(known.correct, known.probes),
      misidentificationRate: ratio(known.misidentified, known.probes),
      falseRejectRate: ratio(known.rejected, known.probes),
    },
    unknown: {
      ...unknown,
      falseAcceptRate: ratio(unknown.falseAccepts, unknown.probes),
      correctRejectRate: ratio(unknown.correctRejects, unknown.probes),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Attributes

export const AGE_GROUPS = ['0-2', '3-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70+'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];
/** First year of each age group, in AGE_GROUPS order. */
export const AGE_GROUP_STARTS: readonly number[] = [0, 3, 10, 20, 30, 40, 50, 60, 70];
/** The age groups the gender decision rule is chosen on ("adults": 20 and over; see docs/evaluation.md). */
export const ADULT_AGE_GROUPS: readonly AgeGroup[] = ['20-29', '30-39', '40-49', '50-59', '60-69', '70+'];

/**
 * The age band of an age in years or of an age range. Bands are whole years: 2.7 is in 0-2 (the person is 2).
 * A range [min, max] uses its midpoint, or `min` when it is open-ended (max = Infinity). Null for negative or
 * non-finite input.
 */
export function ageGroupOf(age: number | AgeRange): AgeGroup | null {
  let a: number;
  if (typeof age === 'number') a = age;
  else {
    const [min, max] = age;
    a = Number.isFinite(max) ? (min + max) / 2 : min;
  }
  if (!Number.isFinite(a) || a < 0) return null;
  let g = 0;
  while (g + 1 < AGE_GROUP_STARTS.length && a >= AGE_GROUP_STARTS[g + 1]) g++;
  return AGE_GROUPS[g];
}

export interface Tally {
  n: number;
  correct: number;
  accuracy: number | null;
}

export function emptyTally(): Tally {
  return { n: 0, correct: 0, accuracy: null };
}

/** Counts one outcome into a tally and updates its accuracy. */
export function addOutcome(t: Tally, ok: boolean): void {
  t.n++;
  if (ok) t.correct++;
  t.accuracy = t.correct / t.n;
}

/** An object with one freshly made value per key, in key order. */
export function byKey<K extends string, V>(keys: readonly K[], make: () => V): Record<K, V> {
  const out = {} as Record<K, V>;
  for (const k of keys) out[k] = make();
  return out;
}

export interface GenderRecord {
  truth: Gender;
  predicted: Gender;
  ageGroup?: AgeGroup | null;
}

/**
 * Gender accuracy of adults (ADULT_AGE_GROUPS) per sex: the figures the decision rule is chosen on.
 * `balancedAccuracy` is the mean of the two per-sex accuracies; `gap` is male minus female accuracy (positive: men
 * are read better). Both null unless each sex has at least one adult.
 */
export interface AdultGenderStats {
  bySex: Record<Gender, Tally>;
  balancedAccuracy: number | null;
  gap: number | null;
}

export interface GenderStats extends Tally {
  /** Keyed by the true sex. */
  bySex: Record<Gender, Tally>;
  /** Keyed by the true age group; records without one count only in the overall and per-sex figures. */
  byAgeGroup: Record<AgeGroup, Tally>;
  /** Keyed by the true age group, then the true sex. */
  byAgeGroupAndSex: Record<AgeGroup, Record<Gender, Tally>>;
  adults: AdultGenderStats;
  /** Predicted label counts (to spot a bias towards one answer). */
  predicted: Record<Gender, number>;
}

export function genderStats(records: readonly GenderRecord[]): GenderStats {
  const all = emptyTally();
  const bySex = byKey<Gender, Tally>(['male', 'female'], emptyTally);
  const byAgeGroup = byKey<AgeGroup, Tally>(AGE_GROUPS, emptyTally);
  const byAgeGroupAndSex = byKey<AgeGroup, Record<Gender, Tally>>(AGE_GROUPS, () =>
    byKey<Gender, Tally>(['male', 'female'], emptyTally),
  );
  const adultBySex = byKey<Gender, Tally>(['male', 'female'], emptyTally);
  const predicted: Record<Gender, number> = { male: 0, female: 0 };
  for (const r of records) {
    const ok = r.truth === r.predicted;
    addOutcome(all, ok);
    addOutcome(bySex[r.truth], ok);
    if (r.ageGroup) {
      addOutcome(byAgeGroup[r.ageGroup], ok);
      addOutcome(byAgeGroupAndSex[r.ageGroup][r.truth], ok);
      if (ADULT_AGE_GROUPS.includes(r.ageGroup)) addOutcome(adultBySex[r.truth], ok);
    }
    predicted[r.predicted]++;
  }
  const m = adultBySex.male.accuracy;
  const f = adultBySex.female.accuracy;
  const adults: AdultGenderStats = {
    bySex: adultBySex,
    balancedAccuracy: m !== null && f !== null ? (m + f) / 2 : null,
    gap: m !== null && f !== null ? m - f : null,
  };
  return { ...all, bySex, byAgeGroup, byAgeGroupAndSex, adults, predicted };
}

export interface AgeRecord {
  predicted: number;
  /** Exact true age in years, if known. */
  age?: number | null;
  /** True age range in whole years (inclusive), if known. */
  range?: AgeRange | null;
}

export interface AgeStats {
  /** Records with an exact true age. */
  exact: number;
  /** Mean absolute error in years over `exact` records; null without any. */
  mae: number | null;
  /** Mean signed error (predicted − true): positive = the model guesses too old. */
  bias: number | null;
  /** MAE per true age group (exact ages only). */
  maeByAgeGroup: Record<AgeGroup, { n: number; mae: number | null }>;
  /** Records with an age range. */
  ranged: number;
  /** Predictions inside the range: min ≤ predicted < max + 1 (whole years, so 32.6 is inside 25-32). */
  rangeHits: number;
  rangeHitRate: number | null;
  /** Range hits per true age group (of the range, as ageGroupOf reads it). */
  rangeHitsByAgeGroup: Record<AgeGroup, Tally>;
}

/** Whether a predicted age falls in a whole-year range: [25, 32] accepts 25 ≤ predicted < 33. */
export function ageInRange(predicted: number, range: AgeRange): boolean {
  return predicted >= range[0] && predicted < range[1] + 1;
}

export function ageStats(records: readonly AgeRecord[]): AgeStats {
  let exact = 0;
  let absSum = 0;
  let signedSum = 0;
  let ranged = 0;
  let rangeHits = 0;
  const groups = byKey<AgeGroup, { n: number; sum: number }>(AGE_GROUPS, () => ({ n: 0, sum: 0 }));
  const rangeHitsByAgeGroup = byKey<AgeGroup, Tally>(AGE_GROUPS, emptyTally);
  for (const r of records) {
    if (!Number.isFinite(r.predicted)) throw new Error(`ageStats: invalid predicted age ${r.predicted}`);
    if (r.age !== null && r.age !== undefined) {
      const err = r.predicted - r.age;
      exact++;
      absSum += Math.abs(err);
      signedSum += err;
      const g = ageGroupOf(r.age);
      if (g) {
        groups[g].n++;
        groups[g].sum += Math.abs(err);
      }
    }
    if (r.range) {
      ranged++;
      const hit = ageInRange(r.predicted, r.range);
      if (hit) rangeHits++;
      const g = ageGroupOf(r.range);
      if (g) addOutcome(rangeHitsByAgeGroup[g], hit);
    }
  }
  const maeByAgeGroup = byKey<AgeGroup, { n: number; mae: number | null }>(AGE_GROUPS, () => ({ n: 0, mae: null }));
  for (const g of AGE_GROUPS) maeByAgeGroup[g] = { n: groups[g].n, mae: ratio(groups[g].sum, groups[g].n) };
  return {
    exact,
    mae: ratio(absSum, exact),
    bias: ratio(signedSum, exact),
    maeByAgeGroup,
    ranged,
    rangeHits,
    rangeHitRate: ratio(rangeHits, ranged),
    rangeHitsByAgeGroup,
  };
}

export interface EmotionRecord {
  truth: Emotion;
  /** The model's label; normalised like the dataset's (case, synonyms). Labels outside EMOTIONS are kept as given. */
  predicted: string;
}

export interface EmotionStats extends Tally {
  /**
   * confusion[trueLabel][predictedLabel] = count. Every emotion in EMOTIONS is present as a row and a column
   * (zero-filled); a predicted label outside EMOTIONS adds a column to every row.
   */
  confusion: Record<string, Record<string, number>>;
  /** Per true emotion: n, correct and accuracy (= recall of that class). */
  byEmotion: Record<Emotion, Tally>;
}

export function emotionStats(records: readonly EmotionRecord[]): EmotionStats {
  const all = emptyTally();
  const byEmotion = byKey<Emotion, Tally>(EMOTIONS, emptyTally);
  const columns: string[] = [...EMOTIONS];
  const preds = records.map((r) => normaliseEmotion(r.predicted) ?? (r.predicted.trim().toLowerCase() || 'none'));
  for (const p of preds) if (!columns.includes(p)) columns.push(p);
  const confusion: Record<string, Record<string, number>> = {};
  for (const t of EMOTIONS) confusion[t] = Object.fromEntries(columns.map((c) => [c, 0]));
  records.forEach((r, i) => {
    const ok = preds[i] === r.truth;
    addOutcome(all, ok);
    addOutcome(byEmotion[r.truth], ok);
    confusion[r.truth][preds[i]]++;
  });
  return { ...all, confusion, byEmotion };
}
