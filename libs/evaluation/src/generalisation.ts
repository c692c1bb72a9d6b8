import type { Gender } from './dataset';
import {
  STUDY_AGES,
  STUDY_SCORES,
  YOUNG_BELOW_AGE,
  fitFairThreshold,
  fitGenderRule,
  seededRandom,
  weightedScore,
  type DemographicSample,
  type GenderRuleSpec,
  type LogitWeights,
  MIRROR,
  SHIFTS,
} from './fairness';
import { ADULT_AGE_GROUPS, AGE_GROUPS } from './metrics';

/**
 * Gender rules judged on faces of groups they were not fitted on. Stratified folds (the study in fairness.ts) mix
 * every kind of face into every fold, so they say how a rule does on more faces *like* the set. A chain's cameras
 * see other people in other light; what carries over is better judged by holding out whole groups: a whole age
 * group, or a whole appearance cluster (faces that look alike to the embedder: skin tone, light, pose, photo style).
 *
 * The rule that ships is chosen by a procedure, and the procedure is what is reported: nested leave-one-group-out,
 * where the choice among rule families is made again inside each outer training set, so no face reported as a test
 * ever helped choose or fit the rule it is judged by.
 */

// ---------------------------------------------------------------------------------------------------------------
// Intervals

const Z95 = 1.959963984540054;

/** Wilson score interval for k successes in n trials (95 % by default); [0, 1] when n is 0. */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Newcombe's hybrid score interval (method 10) for p1 − p2 of two independent proportions. */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): [number, number] {
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const [l1, u1] = wilson(k1, n1, z);
  const [l2, u2] = wilson(k2, n2, z);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

/** k-means++ on the embeddings (cosine geometry: the vectors are L2-normalised), seeded; returns a cluster per face. */
export function appearanceClusters(embeddings: readonly (readonly number[])[], k: number, seed: number): number[] {
  const n = embeddings.length;
  if (n < k) throw new Error(`appearanceClusters: ${n} faces for ${k} clusters`);
  const dim = embeddings[0].length;
  const rnd = seededRandom(seed);
  const dist = (a: readonly number[], b: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += (a[i] - b[i]) ** 2;
    return s;
  };
  const centres: number[][] = [[...embeddings[Math.floor(rnd() * n)]]];
  while (centres.length < k) {
    const d = embeddings.map((e) => Math.min(...centres.map((c) => dist(e, c))));
    const total = d.reduce((a, b) => a + b, 0);
    let r = rnd() * total;
    let pick = 0;
    while (pick < n - 1 && r >= d[pick]) r -= d[pick++];
    centres.push([...embeddings[pick]]);
  }
  const assign = new Array<number>(n).fill(-1);
  for (let iter = 0; iter < 100; iter++) {
    let moved = false;
    embeddings.forEach((e, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (dist(e, centres[c]) < dist(e, centres[best])) best = c;
      if (assign[i] !== best) {
        assign[i] = best;
        moved = true;
      }
    });
    if (!moved) break;
    for (let c = 0; c < k; c++) {
      const members = embeddings.filter((_, i) => assign[i] === c);
      if (members.length === 0) continue;
      centres[c] = new Array<number>(dim).fill(0).map((_, j) => members.reduce((s, m) => s + m[j], 0) / members.length);
    }
  }
  return assign;
}

/** Six clusters of the 427 demographics faces hold 54–84 faces each. */
export const DEFAULT_APPEARANCE_CLUSTERS = 6;

export interface Grouping {
  name: string;
  description: string;
  /** A group label per sample, in sample order. */
  groups: string[];
}

export function ageGroupGrouping(samples: readonly DemographicSample[]): Grouping {
  return {
    name: 'age group',
    description: 'leave one of the nine age groups out',
    groups: samples.map((s) => s.ageGroup),
  };
}

/** Null when the samples carry no embeddings. */
export function appearanceGrouping(samples: readonly DemographicSample[], k: number, seed: number): Grouping | null {
  if (samples.some((s) => !s.embedding)) return null;
  const assign = appearanceClusters(
    samples.map((s) => s.embedding as readonly number[]),
    k,
    seed,
  );
  return {
    name: 'appearance cluster',
    description: `leave one of ${k} k-means clusters of the face embeddings out`,
    groups: assign.map((c) => `cluster ${c + 1}`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Rule families

/** A fitted rule: male or not for a face. */
export interface Predictor {
  predictMale(s: DemographicSample): boolean;
  /** What was fitted, for the report. */
  describe: Record<string, unknown>;
}

export interface RuleFamily {
  name: string;
  description: string;
  /** Scores the family needs on every face. */
  needs: string[];
  fit(train: readonly DemographicSample[], maxGap: number): Predictor;
}

const isAdult = (s: DemographicSample): boolean => ADULT_AGE_GROUPS.includes(s.ageGroup);
const ageOf = (s: DemographicSample): number => s.ages[STUDY_AGES.faceapiMirrorMean] ?? NaN;

/** A rule of fairness.ts (fair adult threshold, plus the under-20 threshold) as a family. */
function specFamily(spec: GenderRuleSpec, needs: string[]): RuleFamily {
  return {
    name: spec.name,
    description: spec.description,
    needs,
    fit(train, maxGap) {
      const rule = fitGenderRule(spec, train, maxGap);
      const young = rule.young;
      return {
        predictMale: (s) =>
          weightedScore(rule.weights, s) >= (young && ageOf(s) < young.below ? young.threshold : rule.threshold),
        describe: { weights: rule.weights, threshold: rule.threshold, young: young?.threshold ?? null },
      };
    },
  };
}

/**
 * Logistic regression of sex on the given logits (with an intercept), each sex weighted to half the total so the
 * fit is not pulled towards the commoner one; L2 penalty `ridge` on the slopes; Newton's method.
 */
export function fitLogistic(
  xs: readonly (readonly number[])[],
  male: readonly boolean[],
  ridge = 1e-3,
): { intercept: number; slopes: number[] } {
  const d = xs[0].length + 1;
  const nMale = male.filter(Boolean).length;
  const nFemale = male.length - nMale;
  if (nMale === 0 || nFemale === 0) throw new Error('fitLogistic needs faces of both sexes');
  const w = male.map((m) => (m ? male.length / (2 * nMale) : male.length / (2 * nFemale)));
  const beta = new Array<number>(d).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    xs.forEach((x, i) => {
      const row = [1, ...x];
      const z = row.reduce((s, v, j) => s + v * beta[j], 0);
      const p = 1 / (1 + Math.exp(-z));
      const y = male[i] ? 1 : 0;
      for (let a = 0; a < d; a++) {
        grad[a] += w[i] * (p - y) * row[a];
        for (let b = 0; b < d; b++) hess[a][b] += w[i] * p * (1 - p) * row[a] * row[b];
      }
    });
    for (let a = 1; a < d; a++) {
      grad[a] += ridge * beta[a];
      hess[a][a] += ridge;
    }
    const step = solve(hess, grad);
    let change = 0;
    for (let a = 0; a < d; a++) {
      beta[a] -= step[a];
      change = Math.max(change, Math.abs(step[a]));
    }
    if (change < 1e-10) break;
  }
  return { intercept: beta[0], slopes: beta.slice(1) };
}

/** Gaussian elimination with partial pivoting (small systems). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    if (Math.abs(m[c][c]) < 1e-15) throw new Error('solve: singular system');
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** Estimated-age bands above the young line, each with its own threshold in the banded family. */
export const AGE_BANDS: readonly [number, number][] = [
  [YOUNG_BELOW_AGE, 40],
  [40, 60],
  [60, Infinity],
];
/**
 * Pseudo-count of the shrinkage: a band's threshold is (n·t_band + λ·t_all) / (n + λ), n the band's training
 * faces. Set in advance (a band of λ faces gets half its own threshold), not tuned.
 */
export const BAND_SHRINKAGE = 40;

export const GENERALISATION_FAMILIES = {
  mirror: 'face-api + mirror, under-20 threshold',
  shifts: 'face-api + mirror + shifts, under-20 threshold',
  calibrated: 'face-api + mirror & FaceRes, logistic, under-20 threshold',
  banded: 'face-api + mirror, per-age-band thresholds shrunk, under-20 threshold',
} as const;

/** face-api's own rule, nothing fitted: the reference the families are read against (never chosen). */
export const REFERENCE_RULE = "face-api @ 0.5 (the model's default, for reference)";

function referenceFamily(): RuleFamily {
  return specFamily(
    {
      name: REFERENCE_RULE,
      description: 'face-api p(male) on the crop, male at >= 0.5',
      scorers: [{ [STUDY_SCORES.faceapi]: 1 }],
      fixedThreshold: 0,
    },
    [STUDY_SCORES.faceapi],
  );
}

export function ruleFamilies(available: ReadonlySet<string>): RuleFamily[] {
  const F = GENERALISATION_FAMILIES;
  const young = { age: STUDY_AGES.faceapiMirrorMean, below: YOUNG_BELOW_AGE };
  const families: RuleFamily[] = [
    specFamily(
      { name: F.mirror, description: 'the shipped form: crop and mirror logits averaged', scorers: [MIRROR], young },
      [STUDY_SCORES.faceapi, STUDY_SCORES.faceapiMirrored],
    ),
    specFamily(
      {
        name: F.shifts,
        description: 'mean logit of the crop, four crops shifted by 5 % of the box, and the mirror of each',
        scorers: [SHIFTS],
        young,
      },
      Object.keys(SHIFTS),
    ),
    {
      name: F.calibrated,
      description: 'logistic regression of sex on the face-api (crop + mirror) and FaceRes logits, fair thresholds',
      needs: [STUDY_SCORES.faceapi, STUDY_SCORES.faceapiMirrored, STUDY_SCORES.faceres],
      fit(train, maxGap) {
        const adults = train.filter(isAdult);
        const { slopes } = fitLogistic(
          adults.map((s) => [weightedScore(MIRROR, s), s.maleLogits[STUDY_SCORES.faceres]]),
          adults.map((s) => s.sex === 'male'),
        );
        const weights: LogitWeights = {
          [STUDY_SCORES.faceapi]: slopes[0] / 2,
          [STUDY_SCORES.faceapiMirrored]: slopes[0] / 2,
          [STUDY_SCORES.faceres]: slopes[1],
        };
        return specFamily({ name: F.calibrated, description: '', scorers: [weights], young }, []).fit(train, maxGap);
      },
    },
    {
      name: F.banded,
      description: `one fair threshold per estimated-age band (${AGE_BANDS.map(([a, b]) => (b === Infinity ? `${a}+` : `${a}-${b - 1}`)).join(', ')}), shrunk towards the pooled adult one (λ = ${BAND_SHRINKAGE})`,
      needs: [STUDY_SCORES.faceapi, STUDY_SCORES.faceapiMirrored],
      fit(train, maxGap) {
        const score = (s: DemographicSample): number => weightedScore(MIRROR, s);
        const scored = (xs: readonly DemographicSample[]) =>
          xs.map((s) => ({ score: score(s), male: s.sex === 'male' }));
        const pooled = fitFairThreshold(scored(train.filter(isAdult)), maxGap).threshold;
        const youngFaces = train.filter((s) => ageOf(s) < YOUNG_BELOW_AGE);
        const youngT = fitFairThreshold(scored(youngFaces), maxGap).threshold;
        const bands = AGE_BANDS.map(([lo, hi]) => {
          const inBand = train.filter((s) => ageOf(s) >= lo && ageOf(s) < hi);
          const both = inBand.some((s) => s.sex === 'male') && inBand.some((s) => s.sex === 'female');
          const own = both ? fitFairThreshold(scored(inBand), maxGap).threshold : pooled;
          const n = both ? inBand.length : 0;
          return { lo, hi, n, threshold: (n * own + BAND_SHRINKAGE * pooled) / (n + BAND_SHRINKAGE) };
        });
        return {
          predictMale(s) {
            const a = ageOf(s);
            if (a < YOUNG_BELOW_AGE) return score(s) >= youngT;
            const band = bands.find((b) => a >= b.lo && a < b.hi) ?? bands[bands.length - 1];
            return score(s) >= band.threshold;
          },
          describe: { pooled, young: youngT, bands },
        };
      },
    },
  ];
  return families.filter((f) => f.needs.every((n) => available.has(n)));
}

// ---------------------------------------------------------------------------------------------------------------
// Leave-one-group-out, plain and nested

export interface SexAccuracy {
  right: number;
  n: number;
  accuracy: number | null;
  ci95: [number, number];
}

export interface HeldOutResult {
  rule: string;
  /** Adults (20+), each judged by the rule fitted without its group. */
  adults: Record<Gender, SexAccuracy>;
  balanced: number | null;
  /** men − women accuracy, with Newcombe's 95 % interval. */
  gap: { value: number | null; ci95: [number, number] | null };
  /** Adult women read wrong per adult man read wrong (the issue's "twice as often"); null when no man is. */
  errorRatio: number | null;
  /** All ages, each face by its held-out fit. */
  allAges: { right: number; n: number };
  /** For the nested row: how often each family was chosen, over the held-out groups. */
  choices?: Record<string, number>;
}

function sexAccuracy(right: number, n: number): SexAccuracy {
  return { right, n, accuracy: n ? right / n : null, ci95: wilson(right, n) };
}

export function summariseHeldOut(
  rule: string,
  samples: readonly DemographicSample[],
  predictedMale: readonly boolean[],
): HeldOutResult {
  const tally = { male: [0, 0], female: [0, 0] } as Record<Gender, [number, number]>;
  let right = 0;
  samples.forEach((s, i) => {
    const ok = predictedMale[i] === (s.sex === 'male');
    if (ok) right++;
    if (!isAdult(s)) return;
    tally[s.sex][1]++;
    if (ok) tally[s.sex][0]++;
  });
  const men = sexAccuracy(...tally.male);
  const women = sexAccuracy(...tally.female);
  const both = men.accuracy !== null && women.accuracy !== null;
  const menWrong = men.n - men.right;
  const womenWrong = women.n - women.right;
  return {
    rule,
    adults: { male: men, female: women },
    balanced: both ? ((men.accuracy as number) + (women.accuracy as number)) / 2 : null,
    gap: both
      ? {
          value: (men.accuracy as number) - (women.accuracy as number),
          ci95: newcombeDifference(men.right, men.n, women.right, women.n),
        }
      : { value: null, ci95: null },
    errorRatio: menWrong > 0 && men.n && women.n ? womenWrong / women.n / (menWrong / men.n) : null,
    allAges: { right, n: samples.length },
  };
}

/** Each face predicted by the family fitted on every other group. */
export function leaveOneGroupOut(
  family: RuleFamily,
  samples: readonly DemographicSample[],
  groups: readonly string[],
  maxGap: number,
): boolean[] {
  const out = new Array<boolean>(samples.length).fill(false);
  for (const g of new Set(groups)) {
    const train = samples.filter((_, i) => groups[i] !== g);
    const rule = family.fit(train, maxGap);
    samples.forEach((s, i) => {
      if (groups[i] === g) out[i] = rule.predictMale(s);
    });
  }
  return out;
}

/**
 * How the choice among families is made on a training set: leave-one-group-out inside it; the highest balanced
 * adult accuracy among families whose gap is within `maxGap` + 2 points, else the smallest gap. Earlier families
 * win ties (the list starts with the cheapest, shipped form).
 */
export function chooseFamily(
  families: readonly RuleFamily[],
  samples: readonly DemographicSample[],
  groups: readonly string[],
  maxGap: number,
): RuleFamily {
  return bestFamily(
    families,
    families.map((f) => summariseHeldOut(f.name, samples, leaveOneGroupOut(f, samples, groups, maxGap))),
    maxGap,
  );
}

/** chooseFamily's rule on held-out results already computed (one per family, in family order). */
function bestFamily(families: readonly RuleFamily[], results: readonly HeldOutResult[], maxGap: number): RuleFamily {
  const scored = families.map((f, i) => ({ f, r: results[i] }));
  const ok = scored.filter((x) => x.r.gap.value !== null && Math.abs(x.r.gap.value) <= maxGap + 0.02);
  const pool = ok.length ? ok : scored;
  const key = (x: (typeof scored)[number]): number =>
    ok.length ? (x.r.balanced ?? -1) : -Math.abs(x.r.gap.value ?? Infinity);
  return pool.reduce((best, x) => (key(x) > key(best) + 1e-12 ? x : best)).f;
}

/** Nested leave-one-group-out: per held-out group, the family is chosen (chooseFamily) and fitted on the others. */
export function nestedLeaveOneGroupOut(
  families: readonly RuleFamily[],
  samples: readonly DemographicSample[],
  groups: readonly string[],
  maxGap: number,
): { predictedMale: boolean[]; choices: Record<string, number> } {
  const predictedMale = new Array<boolean>(samples.length).fill(false);
  const choices: Record<string, number> = {};
  for (const g of new Set(groups)) {
    const idx = samples.map((_, i) => i).filter((i) => groups[i] !== g);
    const train = idx.map((i) => samples[i]);
    const family = chooseFamily(
      families,
      train,
      idx.map((i) => groups[i]),
      maxGap,
    );
    choices[family.name] = (choices[family.name] ?? 0) + 1;
    const rule = family.fit(train, maxGap);
    samples.forEach((s, i) => {
      if (groups[i] === g) predictedMale[i] = rule.predictMale(s);
    });
  }
  return { predictedMale, choices };
}

export interface GeneralisationStudy {
  maxGap: number;
  clusters: { k: number; seed: number };
  groupings: {
    name: string;
    description: string;
    /** Faces per group, and adults per sex per group. */
    groups: Record<string, { faces: number; adultMen: number; adultWomen: number }>;
    rules: HeldOutResult[];
    /** The choosing procedure, judged on groups it never saw. */
    nested: HeldOutResult;
  }[];
  /** The family the procedure chooses on the whole set (by its first grouping), and its fit: what should ship. */
  chosen: { family: string; describe: Record<string, unknown> };
}

export const NESTED_ROW = 'chosen by nested leave-one-group-out';

export function runGeneralisationStudy(
  samples: readonly DemographicSample[],
  opts: { maxGap: number; clusters: number; seed: number },
): GeneralisationStudy {
  const available = new Set(
    Object.keys(samples[0]?.maleLogits ?? {}).filter((k) => samples.every((s) => k in s.maleLogits)),
  );
  const families = ruleFamilies(available);
  const groupings = [ageGroupGrouping(samples), appearanceGrouping(samples, opts.clusters, opts.seed)].filter(
    (g): g is Grouping => g !== null,
  );
  const out = groupings.map((grouping) => {
    const groups: Record<string, { faces: number; adultMen: number; adultWomen: number }> = {};
    const order = grouping.name === 'age group' ? [...AGE_GROUPS] : [...new Set(grouping.groups)].sort();
    for (const g of order) groups[g] = { faces: 0, adultMen: 0, adultWomen: 0 };
    samples.forEach((s, i) => {
      const g = groups[grouping.groups[i]];
      g.faces++;
      if (isAdult(s) && s.sex === 'male') g.adultMen++;
      else if (isAdult(s)) g.adultWomen++;
    });
    for (const g of Object.keys(groups)) if (groups[g].faces === 0) delete groups[g];
    const rules = [referenceFamily(), ...families].map((f) =>
      summariseHeldOut(f.name, samples, leaveOneGroupOut(f, samples, grouping.groups, opts.maxGap)),
    );
    const nested = nestedLeaveOneGroupOut(families, samples, grouping.groups, opts.maxGap);
    return {
      name: grouping.name,
      description: grouping.description,
      groups,
      rules,
      nested: { ...summariseHeldOut(NESTED_ROW, samples, nested.predictedMale), choices: nested.choices },
    };
  });
  // the same choice on the whole set, by the first grouping's held-out results (computed above: the rules after the
  // reference row, in family order)
  const family = bestFamily(families, out[0].rules.slice(1), opts.maxGap);
  return {
    maxGap: opts.maxGap,
    clusters: { k: opts.clusters, seed: opts.seed },
    groupings: out,
    chosen: { family: family.name, describe: family.fit(samples, opts.maxGap).describe },
  };
}
