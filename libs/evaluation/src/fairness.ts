import type { AgeRange, Gender } from './dataset';
import {
  ADULT_AGE_GROUPS,
  AGE_GROUP_STARTS,
  AGE_GROUPS,
  addOutcome,
  ageGroupOf,
  ageInRange,
  byKey,
  emptyTally,
  genderStats,
  type AgeGroup,
  type GenderStats,
  type Tally,
} from './metrics';

/**
 * The demographics fairness study, as pure functions: stratified folds, the choice of a gender decision rule
 * (threshold, or a weighted combination of model logits) and of an age calibration, estimated out of fold.
 *
 * Gender objective (on adults, ADULT_AGE_GROUPS): among thresholds whose male − female accuracy gap is within
 * `maxGap`, the one with the highest balanced accuracy (mean of the two per-sex accuracies); ties go to the middle
 * of the tied thresholds. Age calibrations are judged by the age-group hit rate, per group and balanced over groups.
 * See docs/evaluation.md for why, and for the numbers.
 */

/** One labelled face, with every model output a rule may use. */
export interface DemographicSample {
  /** the file, as the labels name it */
  id: string;
  sex: Gender;
  ageRange: AgeRange;
  ageGroup: AgeGroup;
  /** Male scores in logit units by name (higher: more likely male). */
  maleLogits: Readonly<Record<string, number>>;
  /** Age estimates in years by name. */
  ages: Readonly<Record<string, number>>;
  /** The face's embedding (L2-normalised), when collected: what appearance groups are formed from. */
  embedding?: readonly number[];
}

/** Names of the model outputs the study uses (the CLI fills them from the real models). */
export const STUDY_SCORES = {
  /** face-api AgeGenderNet on the 1.0x crop */
  faceapi: 'faceapi',
  /** the same model on the mirror image of that crop */
  faceapiMirrored: 'faceapiMirrored',
  /** HSE FaceRes on its 1.3x crop */
  faceres: 'faceres',
  /**
   * face-api on four copies of the crop shifted by about 5 % of the box (left, right, up, down), each with its mirror
   * image: the mean of those eight logits (AgeGender.raw.pMaleShifted).
   */
  faceapiShifted: 'faceapiShifted',
} as const;

export const STUDY_AGES = {
  faceapi: 'faceapi',
  /** mean of the crop's and the mirror image's estimates: what the pipeline reports */
  faceapiMirrorMean: 'faceapiMirrorMean',
  faceres: 'faceres',
} as const;

export interface FairnessOptions {
  /** Folds of the cross-validation (stratified by sex × age group). */
  folds: number;
  seed: number;
  /** Largest |male − female| adult accuracy gap a fitted threshold may leave on the data it is fitted on. */
  maxGap: number;
}

export const DEFAULT_FAIRNESS_OPTIONS: FairnessOptions = { folds: 5, seed: 1, maxGap: 0.03 };

// ---------------------------------------------------------------------------------------------------------------
// Folds

/** A small seeded PRNG (mulberry32): the same folds on every machine and Node version. Returns [0, 1). */
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

/**
 * Fold index (0..k-1) per item, stratified: each stratum (strata sorted by name) is shuffled with the seeded PRNG
 * and dealt round-robin, the deal continuing where the previous stratum stopped, so every fold gets a near-equal
 * share of every stratum and fold sizes differ by at most one.
 */
export function stratifiedFolds(strata: readonly string[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be an integer >= 2, got ${k}`);
  const rnd = seededRandom(seed);
  const byStratum = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const list = byStratum.get(s);
    if (list) list.push(i);
    else byStratum.set(s, [i]);
  });
  const folds = new Array<number>(strata.length).fill(0);
  let dealt = 0;
  for (const key of [...byStratum.keys()].sort()) {
    const idx = byStratum.get(key) as number[];
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    for (const i of idx) folds[i] = dealt++ % k;
  }
  return folds;
}

// ---------------------------------------------------------------------------------------------------------------
// Gender: threshold choice

export interface ScoredSex {
  score: number;
  male: boolean;
}

export interface ThresholdFit {
  /** Call male when score >= threshold. */
  threshold: number;
  male: number;
  female: number;
  balanced: number;
  /** male − female */
  gap: number;
  /** |gap| <= maxGap (when no threshold manages that, the fit is the one with the smallest gap) */
  withinGap: boolean;
}

function sexRates(scored: readonly ScoredSex[], threshold: number): { male: number; female: number } {
  let m = 0;
  let mOk = 0;
  let fOk = 0;
  for (const s of scored) {
    if (s.male) {
      m++;
      if (s.score >= threshold) mOk++;
    } else if (s.score < threshold) fOk++;
  }
  return { male: mOk / m, female: fOk / (scored.length - m) };
}

/**
 * The fair threshold: candidates are the midpoints between consecutive distinct scores (plus one below and one
 * above all of them); among those with |male − female| <= maxGap the highest balanced accuracy wins, ties going to
 * the middle one of the tied candidates (in threshold order), which keeps the most margin on both sides. When no
 * candidate is within maxGap, the smallest gap wins (then balanced accuracy). Both sexes must be present.
 */
export function fitFairThreshold(scored: readonly ScoredSex[], maxGap: number): ThresholdFit {
  const nMale = scored.filter((s) => s.male).length;
  if (nMale === 0 || nMale === scored.length) throw new Error('fitFairThreshold needs faces of both sexes');
  for (const s of scored) if (!Number.isFinite(s.score)) throw new Error(`fitFairThreshold: invalid score ${s.score}`);
  const values = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  const candidates = [values[0] - 1];
  for (let i = 1; i < values.length; i++) candidates.push((values[i - 1] + values[i]) / 2);
  candidates.push(values[values.length - 1] + 1);

  const fits: ThresholdFit[] = candidates.map((threshold) => {
    const { male, female } = sexRates(scored, threshold);
    const gap = male - female;
    return { threshold, male, female, balanced: (male + female) / 2, gap, withinGap: Math.abs(gap) <= maxGap + 1e-12 };
  });
  const feasible = fits.filter((f) => f.withinGap);
  const EPS = 1e-12;
  let tied: ThresholdFit[];
  if (feasible.length > 0) {
    const best = Math.max(...feasible.map((f) => f.balanced));
    tied = feasible.filter((f) => f.balanced >= best - EPS);
  } else {
    const smallest = Math.min(...fits.map((f) => Math.abs(f.gap)));
    const closest = fits.filter((f) => Math.abs(f.gap) <= smallest + EPS);
    const best = Math.max(...closest.map((f) => f.balanced));
    tied = closest.filter((f) => f.balanced >= best - EPS);
  }
  return tied[Math.floor((tied.length - 1) / 2)];
}

// ---------------------------------------------------------------------------------------------------------------
// Gender: rules and cross-validation

/** Weights over named male logits; the score is their weighted sum. */
export type LogitWeights = Readonly<Record<string, number>>;

/**
 * A second threshold for faces the model estimates younger than `below` years (by the estimate named `age`): the
 * adult threshold, applied to children, calls most boys girls. It is fitted the same fair way, on the training faces
 * estimated that young, with the scorer the adult fit chose.
 */
export interface YoungThresholdSpec {
  age: string;
  below: number;
}

export interface GenderRuleSpec {
  name: string;
  description: string;
  /** The scores the rule may use. With several (e.g. a grid of combination weights) each fit picks the best. */
  scorers: readonly LogitWeights[];
  /** A threshold given in advance (logit units) instead of one fitted on the data. */
  fixedThreshold?: number;
  young?: YoungThresholdSpec;
  /** With a fixed threshold and `young`: the fixed threshold (logit units) for the young faces. */
  fixedYoungThreshold?: number;
  /** Set when the fixed threshold was itself chosen on this data: its figures are then in-sample, not held out. */
  inSample?: boolean;
}

export interface FittedThreshold {
  /** Logit units: male when the weighted sum >= threshold. */
  threshold: number;
  /** The same threshold as a p(male) when the weights sum to 1 (the score is then a fused logit); else null. */
  pMaleThreshold: number | null;
}

export interface FittedGenderRule extends FittedThreshold {
  weights: LogitWeights;
  /** The threshold for faces estimated younger than `below` years, when the rule has one. */
  young: (FittedThreshold & YoungThresholdSpec & { fit: ThresholdFit | null }) | null;
}

export interface GenderRuleResult {
  name: string;
  description: string;
  fitted: boolean;
  inSample: boolean;
  /** Each face judged by a rule fitted without its fold (a fixed rule simply by that rule). */
  outOfFold: GenderStats;
  /** What each fold's fit chose (empty for a fixed rule). */
  folds: FittedGenderRule[];
  /** The rule fitted on every adult of the set: the one to ship. For a fixed rule, the rule itself. */
  final: FittedGenderRule & { fit: ThresholdFit | null };
}

export function weightedScore(weights: LogitWeights, sample: DemographicSample): number {
  let s = 0;
  for (const [name, w] of Object.entries(weights)) {
    const v = sample.maleLogits[name];
    if (v === undefined) throw new Error(`sample ${sample.id} has no score ${name}`);
    s += w * v;
  }
  return s;
}

function describeThreshold(weights: LogitWeights, threshold: number): FittedThreshold {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return { threshold, pMaleThreshold: Math.abs(total - 1) < 1e-9 ? 1 / (1 + Math.exp(-threshold)) : null };
}

function estimatedAge(s: DemographicSample, key: string): number {
  const v = s.ages[key];
  if (v === undefined) throw new Error(`sample ${s.id} has no age ${key}`);
  return v;
}

function scoredSexes(weights: LogitWeights, samples: readonly DemographicSample[]): ScoredSex[] {
  return samples.map((s) => ({ score: weightedScore(weights, s), male: s.sex === 'male' }));
}

function isAdult(s: DemographicSample): boolean {
  return ADULT_AGE_GROUPS.includes(s.ageGroup);
}

/**
 * Fits a rule on `train`: per scorer the fair threshold on the adults, then the best scorer (list order on ties);
 * then, if the rule has one, the young threshold for that scorer on the faces estimated young.
 */
export function fitGenderRule(
  spec: GenderRuleSpec,
  train: readonly DemographicSample[],
  maxGap: number,
): FittedGenderRule & { fit: ThresholdFit | null } {
  if (spec.fixedThreshold !== undefined) {
    if (spec.scorers.length !== 1) throw new Error(`${spec.name}: a fixed threshold needs exactly one scorer`);
    const weights = spec.scorers[0];
    let young: FittedGenderRule['young'] = null;
    if (spec.young) {
      if (spec.fixedYoungThreshold === undefined)
        throw new Error(`${spec.name}: a fixed rule with young needs fixedYoungThreshold`);
      young = { ...spec.young, ...describeThreshold(weights, spec.fixedYoungThreshold), fit: null };
    }
    return { weights, ...describeThreshold(weights, spec.fixedThreshold), young, fit: null };
  }
  const adults = train.filter(isAdult);
  let best: { weights: LogitWeights; fit: ThresholdFit } | null = null;
  for (const weights of spec.scorers) {
    const fit = fitFairThreshold(scoredSexes(weights, adults), maxGap);
    const better =
      !best ||
      (fit.withinGap && !best.fit.withinGap) ||
      (fit.withinGap === best.fit.withinGap &&
        (fit.balanced > best.fit.balanced + 1e-12 ||
          (Math.abs(fit.balanced - best.fit.balanced) <= 1e-12 && Math.abs(fit.gap) < Math.abs(best.fit.gap) - 1e-12)));
    if (better) best = { weights, fit };
  }
  if (!best) throw new Error(`${spec.name}: no scorer`);
  let young: FittedGenderRule['young'] = null;
  if (spec.young) {
    const { age, below } = spec.young;
    const fit = fitFairThreshold(
      scoredSexes(
        best.weights,
        train.filter((s) => estimatedAge(s, age) < below),
      ),
      maxGap,
    );
    young = { age, below, ...describeThreshold(best.weights, fit.threshold), fit };
  }
  return { weights: best.weights, ...describeThreshold(best.weights, best.fit.threshold), young, fit: best.fit };
}

function predictMale(rule: FittedGenderRule, s: DemographicSample): boolean {
  const young = rule.young && estimatedAge(s, rule.young.age) < rule.young.below;
  return weightedScore(rule.weights, s) >= (young && rule.young ? rule.young.threshold : rule.threshold);
}

function genderBreakdown(samples: readonly DemographicSample[], predictedMale: readonly boolean[]): GenderStats {
  return genderStats(
    samples.map((s, i) => ({ truth: s.sex, predicted: predictedMale[i] ? 'male' : 'female', ageGroup: s.ageGroup })),
  );
}

/** Out-of-fold predictions of a rule, and the fold fits. */
export function crossValidateGenderRule(
  spec: GenderRuleSpec,
  samples: readonly DemographicSample[],
  folds: readonly number[],
  opts: FairnessOptions,
): { predictedMale: boolean[]; fits: FittedGenderRule[] } {
  const predictedMale = new Array<boolean>(samples.length).fill(false);
  if (spec.fixedThreshold !== undefined) {
    const rule = fitGenderRule(spec, samples, opts.maxGap);
    samples.forEach((s, i) => (predictedMale[i] = predictMale(rule, s)));
    return { predictedMale, fits: [] };
  }
  const fits: FittedGenderRule[] = [];
  for (let k = 0; k < opts.folds; k++) {
    const train = samples.filter((_, i) => folds[i] !== k);
    const { fit: _unused, ...rule } = fitGenderRule(spec, train, opts.maxGap);
    fits.push(rule);
    samples.forEach((s, i) => {
      if (folds[i] === k) predictedMale[i] = predictMale(rule, s);
    });
  }
  return { predictedMale, fits };
}

// ---------------------------------------------------------------------------------------------------------------
// Paired comparison

/** Two-sided exact McNemar test: p-value of `onlyA` vs `onlyB` discordant pairs under "equally good" (Binomial(n, ½)). */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  const k = Math.min(onlyA, onlyB);
  // log C(n, i) - n log 2, summed for i <= k
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

export interface PairedComparison {
  a: string;
  b: string;
  /** Faces compared (adults). */
  n: number;
  /** Read right by a only / by b only. */
  onlyA: number;
  onlyB: number;
  /** Exact McNemar two-sided p-value. */
  pValue: number;
}

function compare(
  a: string,
  b: string,
  samples: readonly DemographicSample[],
  predA: readonly boolean[],
  predB: readonly boolean[],
): PairedComparison {
  let n = 0;
  let onlyA = 0;
  let onlyB = 0;
  samples.forEach((s, i) => {
    if (!isAdult(s)) return;
    n++;
    const okA = predA[i] === (s.sex === 'male');
    const okB = predB[i] === (s.sex === 'male');
    if (okA && !okB) onlyA++;
    if (okB && !okA) onlyB++;
  });
  return { a, b, n, onlyA, onlyB, pValue: mcnemarExact(onlyA, onlyB) };
}

// ---------------------------------------------------------------------------------------------------------------
// Age calibration

export type AgeCalibration =
  | { kind: 'identity' }
  | { kind: 'linear'; intercept: number; slope: number }
  /**
   * Monotone, piecewise linear: `cuts[k-1]` is the estimate at which age group k (AGE_GROUP_STARTS[k]) begins, for
   * k = 1..8. Between two cuts the estimate maps linearly onto that group's years; past the last cut, +1 year per
   * year. A cut of 150 means the group is never predicted.
   */
  | { kind: 'boundaries'; cuts: number[] };

/** Cut used for an age group the fit never predicts (no estimate reaches it). */
const NEVER = 150;

export function applyAgeCalibration(c: AgeCalibration, age: number): number {
  switch (c.kind) {
    case 'identity':
      return age;
    case 'linear':
      return Math.max(0, c.intercept + c.slope * age);
    case 'boundaries': {
      const k = c.cuts.filter((cut) => cut <= age).length; // the group this estimate falls in
      const start = AGE_GROUP_STARTS[k];
      if (k === c.cuts.length) return start + (age - c.cuts[k - 1]);
      const lo = k === 0 ? 0 : c.cuts[k - 1];
      const hi = c.cuts[k];
      const span = AGE_GROUP_STARTS[k + 1] - start;
      const frac = hi > lo ? Math.max(0, (age - lo) / (hi - lo)) : 0;
      return start + Math.min(frac, 1 - 1e-9) * span;
    }
  }
}

/** The age a range stands for when fitting: its middle, over at most its first ten years (70-99 counts as 74.5). */
export function rangeTarget(range: AgeRange): number {
  return (range[0] + Math.min(range[1], range[0] + 9)) / 2;
}

export interface AgeFitSample {
  age: number;
  range: AgeRange;
}

/** Least squares of rangeTarget on the estimate. */
export function fitLinearAgeCalibration(samples: readonly AgeFitSample[]): AgeCalibration {
  const n = samples.length;
  if (n < 2) throw new Error('fitLinearAgeCalibration needs at least two samples');
  const mx = samples.reduce((s, x) => s + x.age, 0) / n;
  const my = samples.reduce((s, x) => s + rangeTarget(x.range), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const x of samples) {
    sxy += (x.age - mx) * (rangeTarget(x.range) - my);
    sxx += (x.age - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 1;
  return { kind: 'linear', intercept: my - slope * mx, slope };
}

/**
 * Group boundaries that maximise the hit rate balanced over age groups (each face weighted 1 / faces of its group),
 * found exactly by dynamic programming over the sorted estimates: a monotone assignment of groups to estimates.
 * Each cut sits halfway between the last estimate of one group and the first of the next.
 */
export function fitBoundaryCalibration(samples: readonly AgeFitSample[]): AgeCalibration {
  const G = AGE_GROUPS.length;
  const groupOf = samples.map((s) => AGE_GROUPS.indexOf(ageGroupOf(s.range) as AgeGroup));
  if (groupOf.some((g) => g < 0)) throw new Error('fitBoundaryCalibration: a range has no age group');
  const perGroup = new Array<number>(G).fill(0);
  for (const g of groupOf) perGroup[g]++;
  const values = [...new Set(samples.map((s) => s.age))].sort((a, b) => a - b);
  const at = new Map(values.map((v, i) => [v, i]));
  const gain = values.map(() => new Array<number>(G).fill(0));
  samples.forEach((s, i) => (gain[at.get(s.age) as number][groupOf[i]] += 1 / perGroup[groupOf[i]]));

  // best[i][g]: best total over values[0..i] with values[i] in group g; from[i][g]: group of values[i-1] then.
  const best = values.map(() => new Array<number>(G).fill(0));
  const from = values.map(() => new Array<number>(G).fill(0));
  for (let i = 0; i < values.length; i++) {
    let runBest = -Infinity;
    let runArg = 0;
    for (let g = 0; g < G; g++) {
      const prev = i === 0 ? 0 : best[i - 1][g];
      if (prev > runBest + 1e-12) {
        runBest = prev;
        runArg = g;
      }
      best[i][g] = runBest + gain[i][g];
      from[i][g] = runArg;
    }
  }
  const assign = new Array<number>(values.length).fill(0);
  const last = best[values.length - 1];
  let g = last.indexOf(Math.max(...last));
  for (let i = values.length - 1; i >= 0; i--) {
    assign[i] = g;
    g = from[i][g];
  }
  const cuts: number[] = [];
  for (let k = 1; k < G; k++) {
    const j = assign.findIndex((a) => a >= k);
    cuts.push(j < 0 ? NEVER : j === 0 ? 0 : (values[j - 1] + values[j]) / 2);
  }
  return { kind: 'boundaries', cuts };
}

export interface AgeCandidateSpec {
  name: string;
  description: string;
  /** Which estimate (DemographicSample.ages key). */
  age: string;
  fit: 'none' | 'linear' | 'boundaries';
}

export interface AgeBreakdown {
  /** Estimates inside the labelled range (min ≤ estimate < max + 1). */
  all: Tally;
  /** Mean over the age groups present of each group's hit rate. */
  balanced: number | null;
  byAgeGroup: Record<AgeGroup, Tally>;
  bySex: Record<Gender, Tally>;
  /** The group read worst. */
  worst: { group: AgeGroup; rate: number } | null;
}

export interface AgeCandidateResult {
  name: string;
  description: string;
  age: string;
  fitted: boolean;
  outOfFold: AgeBreakdown;
  folds: AgeCalibration[];
  /** Fitted on the whole set (identity when not fitted). */
  final: AgeCalibration;
}

export function ageBreakdown(samples: readonly DemographicSample[], estimates: readonly number[]): AgeBreakdown {
  const all = emptyTally();
  const byAgeGroup = byKey<AgeGroup, Tally>(AGE_GROUPS, emptyTally);
  const bySex = byKey<Gender, Tally>(['male', 'female'], emptyTally);
  samples.forEach((s, i) => {
    const hit = ageInRange(estimates[i], s.ageRange);
    addOutcome(all, hit);
    addOutcome(byAgeGroup[s.ageGroup], hit);
    addOutcome(bySex[s.sex], hit);
  });
  const present = AGE_GROUPS.filter((g) => byAgeGroup[g].n > 0);
  const rate = (g: AgeGroup): number => byAgeGroup[g].accuracy as number;
  const worstGroup = present.reduce<AgeGroup | null>((w, g) => (w === null || rate(g) < rate(w) ? g : w), null);
  return {
    all,
    balanced: present.length > 0 ? present.reduce((s, g) => s + rate(g), 0) / present.length : null,
    byAgeGroup,
    bySex,
    worst: worstGroup ? { group: worstGroup, rate: rate(worstGroup) } : null,
  };
}

function fitAge(spec: AgeCandidateSpec, train: readonly DemographicSample[]): AgeCalibration {
  const data = train.map((s) => ({ age: ageOf(spec, s), range: s.ageRange }));
  if (spec.fit === 'linear') return fitLinearAgeCalibration(data);
  if (spec.fit === 'boundaries') return fitBoundaryCalibration(data);
  return { kind: 'identity' };
}

function ageOf(spec: AgeCandidateSpec, s: DemographicSample): number {
  const v = s.ages[spec.age];
  if (v === undefined) throw new Error(`sample ${s.id} has no age ${spec.age}`);
  return v;
}

export function crossValidateAgeCandidate(
  spec: AgeCandidateSpec,
  samples: readonly DemographicSample[],
  folds: readonly number[],
  opts: FairnessOptions,
): AgeCandidateResult {
  const estimates = samples.map((s) => ageOf(spec, s));
  const fits: AgeCalibration[] = [];
  if (spec.fit !== 'none') {
    for (let k = 0; k < opts.folds; k++) {
      const cal = fitAge(
        spec,
        samples.filter((_, i) => folds[i] !== k),
      );
      fits.push(cal);
      samples.forEach((s, i) => {
        if (folds[i] === k) estimates[i] = applyAgeCalibration(cal, ageOf(spec, s));
      });
    }
  }
  return {
    name: spec.name,
    description: spec.description,
    age: spec.age,
    fitted: spec.fit !== 'none',
    outOfFold: ageBreakdown(samples, estimates),
    folds: fits,
    final: fitAge(spec, samples),
  };
}

/**
 * A calibration is adopted only if, out of fold, it raises the balanced age-group hit rate over the uncalibrated
 * estimate AND does not lower the worst group's hit rate: a gain bought by reading one age group worse is the
 * same skew the gender rule exists to remove.
 */
export function judgeAgeCalibration(base: AgeBreakdown, candidate: AgeBreakdown): { adopted: boolean; reason: string } {
  if (base.balanced === null || candidate.balanced === null || !base.worst || !candidate.worst) {
    return { adopted: false, reason: 'no age labels to judge by' };
  }
  const pts = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const balanced = `balanced hit rate ${pts(base.balanced)} → ${pts(candidate.balanced)}`;
  const worst = `worst group ${base.worst.group} ${pts(base.worst.rate)} → ${candidate.worst.group} ${pts(candidate.worst.rate)}`;
  if (candidate.balanced <= base.balanced) return { adopted: false, reason: `no gain out of fold (${balanced})` };
  if (candidate.worst.rate < base.worst.rate) return { adopted: false, reason: `${balanced}, but ${worst}` };
  return { adopted: true, reason: `${balanced}; ${worst}` };
}

// ---------------------------------------------------------------------------------------------------------------
// The study

/** Weights of the crop-and-mirror score: the mean of the two logits, as `fuseMirrored` in @storelens/inference. */
export const MIRROR: LogitWeights = { [STUDY_SCORES.faceapi]: 0.5, [STUDY_SCORES.faceapiMirrored]: 0.5 };
/**
 * The pipeline's score: the mean of all ten face-api logits (crop, mirror, and the four shifted windows with their
 * mirrors), as AgeGenderEstimator fuses them.
 */
export const SHIFTS: LogitWeights = {
  [STUDY_SCORES.faceapi]: 0.1,
  [STUDY_SCORES.faceapiMirrored]: 0.1,
  [STUDY_SCORES.faceapiShifted]: 0.8,
};
/** Combination weights tried for face-api (crop + mirror) against FaceRes: w on face-api, 1 − w on FaceRes. */
export const COMBINATION_WEIGHTS = [0, 0.25, 0.5, 0.75, 1] as const;

/** Faces the model estimates younger than this get the young threshold (the same line as "adults: 20+"). */
export const YOUNG_BELOW_AGE = 20;

export const GENDER_RULES = {
  before: 'face-api @ 0.5',
  mirrorAtHalf: 'face-api + mirror @ 0.5',
  faceapiFitted: 'face-api, fitted',
  mirrorFitted: 'face-api + mirror, fitted',
  mirrorYoung: 'face-api + mirror, fitted, under-20 threshold',
  chosen: 'face-api + mirror + shifts, fitted, under-20 threshold',
  faceres: 'FaceRes, fitted, under-20 threshold',
  combination: 'face-api + mirror & FaceRes, fitted, under-20 threshold',
  shipped: 'shipped',
} as const;

export const AGE_CANDIDATES = {
  before: 'face-api crop',
  shipped: 'face-api + mirror',
  linear: 'face-api + mirror, linear',
  boundaries: 'face-api + mirror, group boundaries',
  faceres: 'FaceRes',
} as const;

/**
 * The rules and age candidates of the study. `shippedMaleThreshold` is DEFAULT_MALE_THRESHOLD as configured (its
 * row is in-sample, since it was chosen on this set); FaceRes rows need the FaceRes scores.
 */
export function studySpecs(opts: {
  shippedMaleThreshold: number;
  shippedYoungMaleThreshold: number;
  /** The age below which the pipeline uses its young threshold. */
  youngBelowAge?: number;
  withFaceRes: boolean;
}): {
  gender: GenderRuleSpec[];
  age: AgeCandidateSpec[];
  comparisons: [string, string][];
} {
  const logit = (p: number): number => Math.log(p / (1 - p));
  const R = GENDER_RULES;
  const below = opts.youngBelowAge ?? YOUNG_BELOW_AGE;
  const young: YoungThresholdSpec = { age: STUDY_AGES.faceapiMirrorMean, below };
  const gender: GenderRuleSpec[] = [
    {
      name: R.before,
      description: 'face-api p(male) on the crop, male at >= 0.5 (the model default)',
      scorers: [{ [STUDY_SCORES.faceapi]: 1 }],
      fixedThreshold: 0,
    },
    {
      name: R.mirrorAtHalf,
      description: 'crop and mirror image, logits averaged, male at >= 0.5',
      scorers: [MIRROR],
      fixedThreshold: 0,
    },
    {
      name: R.faceapiFitted,
      description: 'face-api on the crop, fair threshold fitted',
      scorers: [{ [STUDY_SCORES.faceapi]: 1 }],
    },
    {
      name: R.mirrorFitted,
      description: 'crop and mirror image, logits averaged, one fair threshold fitted on adults',
      scorers: [MIRROR],
    },
    {
      name: R.mirrorYoung,
      description: `as above, plus a fair threshold for faces estimated under ${below}`,
      scorers: [MIRROR],
      young,
    },
    {
      name: R.chosen,
      description: 'as above, the score averaging also the four crops shifted by ~5 % of the box and their mirrors',
      scorers: [SHIFTS],
      young,
    },
  ];
  if (opts.withFaceRes) {
    gender.push(
      {
        name: R.faceres,
        description: 'HSE FaceRes p(male), fair thresholds fitted',
        scorers: [{ [STUDY_SCORES.faceres]: 1 }],
        young,
      },
      {
        name: R.combination,
        description: `w·(face-api crop + mirror) + (1 − w)·FaceRes logits, w in {${COMBINATION_WEIGHTS.join(', ')}} and thresholds fitted`,
        scorers: COMBINATION_WEIGHTS.map((w) => ({
          [STUDY_SCORES.faceapi]: w / 2,
          [STUDY_SCORES.faceapiMirrored]: w / 2,
          [STUDY_SCORES.faceres]: 1 - w,
        })),
        young,
      },
    );
  }
  gender.push({
    name: R.shipped,
    description:
      `the pipeline's rule: crop, shifts and mirror images, male at >= ${opts.shippedMaleThreshold} ` +
      `(>= ${opts.shippedYoungMaleThreshold} when estimated under ${below}); chosen on this set, so in-sample`,
    scorers: [SHIFTS],
    fixedThreshold: logit(opts.shippedMaleThreshold),
    young,
    fixedYoungThreshold: logit(opts.shippedYoungMaleThreshold),
    inSample: true,
  });
  const comparisons: [string, string][] = [
    [R.before, R.chosen],
    [R.faceapiFitted, R.mirrorFitted],
    [R.mirrorFitted, R.mirrorYoung],
    [R.mirrorYoung, R.chosen],
  ];
  if (opts.withFaceRes) comparisons.push([R.chosen, R.combination]);

  const A = AGE_CANDIDATES;
  const age: AgeCandidateSpec[] = [
    { name: A.before, description: 'face-api age on the crop', age: STUDY_AGES.faceapi, fit: 'none' },
    {
      name: A.shipped,
      description: 'mean of the crop and mirror estimates (the pipeline)',
      age: STUDY_AGES.faceapiMirrorMean,
      fit: 'none',
    },
    {
      name: A.linear,
      description: 'least-squares line onto the middle of the labelled range',
      age: STUDY_AGES.faceapiMirrorMean,
      fit: 'linear',
    },
    {
      name: A.boundaries,
      description: 'monotone map whose group boundaries maximise the balanced hit rate',
      age: STUDY_AGES.faceapiMirrorMean,
      fit: 'boundaries',
    },
  ];
  if (opts.withFaceRes)
    age.push({ name: A.faceres, description: 'HSE FaceRes expected age', age: STUDY_AGES.faceres, fit: 'none' });
  return { gender, age, comparisons };
}

export interface FairnessStudy {
  options: FairnessOptions;
  /** Faces in the study (labelled, with a face found), per sex and per age group. */
  samples: {
    total: number;
    adults: Record<Gender, number>;
    bySex: Record<Gender, number>;
    byAgeGroup: Record<AgeGroup, number>;
  };
  gender: {
    rules: GenderRuleResult[];
    /** The rule the study recommends (its `final` fit is what DEFAULT_MALE_THRESHOLD should be). */
    chosen: string;
    comparisons: PairedComparison[];
  };
  age: {
    candidates: AgeCandidateResult[];
    /** The uncalibrated estimate the calibrations are judged against. */
    baseline: string;
    decisions: { name: string; adopted: boolean; reason: string }[];
  };
}

export function runFairnessStudy(
  samples: readonly DemographicSample[],
  specs: { gender: GenderRuleSpec[]; age: AgeCandidateSpec[]; comparisons: [string, string][] },
  opts: FairnessOptions = DEFAULT_FAIRNESS_OPTIONS,
  chosen: string = GENDER_RULES.chosen,
  ageBaseline: string = AGE_CANDIDATES.shipped,
): FairnessStudy {
  if (samples.length === 0) throw new Error('the fairness study needs labelled faces');
  const folds = stratifiedFolds(
    samples.map((s) => `${s.sex}|${s.ageGroup}`),
    opts.folds,
    opts.seed,
  );
  const predictions = new Map<string, boolean[]>();
  const rules: GenderRuleResult[] = specs.gender.map((spec) => {
    const { predictedMale, fits } = crossValidateGenderRule(spec, samples, folds, opts);
    predictions.set(spec.name, predictedMale);
    return {
      name: spec.name,
      description: spec.description,
      fitted: spec.fixedThreshold === undefined,
      inSample: spec.inSample ?? false,
      outOfFold: genderBreakdown(samples, predictedMale),
      folds: fits,
      final: fitGenderRule(spec, samples, opts.maxGap),
    };
  });
  const comparisons = specs.comparisons
    .filter(([a, b]) => predictions.has(a) && predictions.has(b))
    .map(([a, b]) => compare(a, b, samples, predictions.get(a) as boolean[], predictions.get(b) as boolean[]));

  const candidates = specs.age.map((spec) => crossValidateAgeCandidate(spec, samples, folds, opts));
  const base = candidates.find((c) => c.name === ageBaseline);
  const decisions = base
    ? candidates
        .filter((c) => c.fitted)
        .map((c) => ({ name: c.name, ...judgeAgeCalibration(base.outOfFold, c.outOfFold) }))
    : [];

  const count = <K extends string>(
    keys: readonly K[],
    key: (s: DemographicSample) => K,
    only = (_: DemographicSample) => true,
  ) => {
    const out = byKey<K, number>(keys, () => 0);
    for (const s of samples) if (only(s)) out[key(s)]++;
    return out;
  };
  return {
    options: opts,
    samples: {
      total: samples.length,
      adults: count(['male', 'female'] as const, (s) => s.sex, isAdult),
      bySex: count(['male', 'female'] as const, (s) => s.sex),
      byAgeGroup: count(AGE_GROUPS, (s) => s.ageGroup),
    },
    gender: { rules, chosen, comparisons },
    age: { candidates, baseline: ageBaseline, decisions },
  };
}
