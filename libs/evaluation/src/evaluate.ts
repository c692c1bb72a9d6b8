import path from 'node:path';
import { reidentification, type ReidentificationResult } from './reidentification';
import { cosine, DEFAULT_MARGIN, DEFAULT_VISITOR_THRESHOLD, type NamingRule } from '@storelens/decision';
import {
  readDataset,
  type AttributesData,
  type Dataset,
  type Emotion,
  type FileRef,
  type Gender,
  type IdentitiesData,
  type PairsData,
  type RowIssue,
} from './dataset';
import {
  accuracyAt,
  ageGroupOf,
  ageStats,
  bestThreshold,
  emotionStats,
  genderStats,
  leaveOneOutRank1,
  openSetIdentification,
  ratesAt,
  rocAuc,
  selectHeldOut,
  tarAtFar,
  type AdultGenderStats,
  type AgeGroup,
  type AgeRecord,
  type EmotionRecord,
  type GenderRecord,
  type IdentifiedFace,
  type OpenSetResult,
  type Rank1Result,
  type Tally,
  type TarAtFar,
} from './metrics';

/** What the analyser reports for the largest face of one image. */
export interface FaceAnalysis {
  embedding: ArrayLike<number>;
  /** Estimated age in years. */
  age: number;
  gender: { label: Gender; confidence: number };
  emotion: { label: string; confidence?: number };
}

/**
 * The model side, injected. `analyzeLargestFace` resolves to null when the image holds no face, and throws (or
 * rejects) when the file cannot be decoded or analysed; such files are counted as unreadable, never fatal.
 */
export interface FaceAnalyser {
  analyzeLargestFace(file: string): Promise<FaceAnalysis | null>;
}

export interface EvaluateOptions {
  /** Default similarity threshold (cosine, accept when score >= threshold) for verification and open-set. */
  threshold: number;
  /** Open-set margin of the platform's rule (default the platform's); see @storelens/decision. */
  margin?: number;
  /** Fraction of identities held out of the gallery for open-set identification, in [0, 1). Default 0.25. */
  heldOutFraction?: number;
  /** The platform's visitor threshold (default the platform's), for the re-identification section. */
  visitorThreshold?: number;
  /** Called with (0, total) before the first image, then after each image is analysed. */
  onProgress?: (done: number, total: number) => void;
  /** Images analysed at the same time. Default 1 (models are usually CPU-bound and not re-entrant). */
  concurrency?: number;
  /** What the analyser is (model ids, decision thresholds), copied into the result so numbers stay traceable. */
  analyser?: Record<string, string>;
}

export const DEFAULT_HELD_OUT_FRACTION = 0.25;

export type FileOutcome =
  | { kind: 'face'; analysis: FaceAnalysis }
  | { kind: 'noFace' }
  | { kind: 'missing' }
  | { kind: 'unreadable'; error: string };

export interface VerificationResult {
  /** Pairs scored (pairs whose files both exist and could be read). */
  pairs: number;
  accuracyAtDefault: number | null;
  bestAccuracy: number | null;
  bestThreshold: number | null;
  auc: number | null;
  tarAtFar1e2: number | null;
  tarAtFar1e3: number | null;
  /** Scored pairs where no face was found in at least one image (scored as "different"). */
  noFace: number;
  // extras
  defaultThreshold: number;
  genuine: number;
  impostor: number;
  /** Genuine pairs accepted / impostor pairs accepted at the default threshold. */
  tarAtDefault: number | null;
  farAtDefault: number | null;
  /** Full detail of both TAR@FAR points (threshold used, FAR reached, whether enough impostor pairs). */
  tarAtFarDetail: { '1e-2': TarAtFar | null; '1e-3': TarAtFar | null };
  /** Rows in pairs.csv, and rows left out: bad rows, pairs with a missing file, pairs with an unreadable file. */
  rows: number;
  invalidRows: number;
  missingPairs: number;
  unreadablePairs: number;
}

export interface IdentificationResult {
  /** Identity folders holding at least one image. */
  identities: number;
  images: number;
  /** Images where a face was found. */
  faces: number;
  noFace: number;
  unreadable: number;
  /** Identity folders without any image file. */
  emptyIdentities: number;
  /** Leave-one-out rank-1, nearest neighbour (the headline figure). */
  rank1Accuracy: number | null;
  closedSet: Rank1Result;
  /** The same leave-one-out protocol against per-identity mean embeddings, for comparison. */
  closedSetCentroid: Rank1Result;
  openSet: OpenSetResult & { heldOutFraction: number };
}

export interface AttributesResult {
  /** The labels file read: attributes.csv, or labels.csv when there is no attributes.csv. */
  file: string;
  genderAccuracy: number | null;
  genderAccuracyBySex: Record<Gender, number | null>;
  genderAccuracyByAgeGroup: Record<AgeGroup, number | null>;
  /**
   * Adults (20 and over) per sex, their balanced accuracy and the male − female gap: the figures the gender
   * decision rule is chosen on (docs/evaluation.md).
   */
  genderAdults: AdultGenderStats;
  /** Per true age group, per true sex. */
  genderByAgeGroupAndSex: Record<AgeGroup, Record<Gender, Tally>>;
  ageMae: number | null;
  ageRangeHitRate: number | null;
  /** Predicted age inside the labelled range, per true age group. */
  ageRangeHitsByAgeGroup: Record<AgeGroup, Tally>;
  emotionAccuracy: number | null;
  counts: {
    rows: number;
    /** Rows left out for an empty `file` field. */
    invalidRows: number;
    /** Rows with an unusable label value (that label is ignored, the others are used). */
    rowsWithBadValues: number;
    /** Rows with no usable label at all (not analysed). */
    unlabelled: number;
    /** Rows whose file is missing / could not be read / held no face: left out of every attribute metric. */
    missing: number;
    unreadable: number;
    noFace: number;
    /** Rows with at least one label whose image had a face. */
    evaluated: number;
    /** Per metric: rows with that label that were scored. */
    gender: number;
    genderBySex: Record<Gender, number>;
    genderByAgeGroup: Record<AgeGroup, number>;
    age: number;
    ageRange: number;
    emotion: number;
    emotionByLabel: Record<Emotion, number>;
  };
  emotionConfusion: Record<string, Record<string, number>>;
  // extras
  ageBias: number | null;
  ageMaeByAgeGroup: Record<AgeGroup, { n: number; mae: number | null }>;
  genderPredicted: Record<Gender, number>;
  genderBySex: Record<Gender, Tally>;
  emotionByLabel: Record<Emotion, Tally>;
}

export interface EvaluationResult {
  verification: VerificationResult | null;
  identification: IdentificationResult | null;
  /** identities/ as strangers: each photo one sighting through the visitor rule (reidentification.ts). */
  reidentification: ReidentificationResult | null;
  attributes: AttributesResult | null;
  dataset: string;
  threshold: number;
  heldOutFraction: number;
  /** EvaluateOptions.analyser, or null. */
  analyser: Record<string, string> | null;
  /** Every distinct image analysed (shared between sections) and how those analyses ended. */
  files: { analysed: number; faces: number; noFace: number; unreadable: number; missing: number };
  /** Files named by a CSV that do not exist, and files the analyser failed on (relative to the dataset). */
  problems: { missing: string[]; unreadable: { file: string; error: string }[] };
  /** Bad CSV rows and unreadable CSVs or folders: reported, never fatal. */
  warnings: string[];
}

/** Runs the analyser at most once per file (by absolute path), whichever sections use it. */
export class AnalysisCache {
  private readonly results = new Map<string, Promise<FileOutcome>>();

  constructor(private readonly analyser: FaceAnalyser) {}

  get(file: string): Promise<FileOutcome> {
    const key = path.resolve(file);
    let hit = this.results.get(key);
    if (!hit) {
      hit = this.run(key);
      this.results.set(key, hit);
    }
    return hit;
  }

  get size(): number {
    return this.results.size;
  }

  private async run(file: string): Promise<FileOutcome> {
    try {
      const a = await this.analyser.analyzeLargestFace(file);
      if (a === null || a === undefined) return { kind: 'noFace' };
      const bad = invalidAnalysis(a);
      return bad ? { kind: 'unreadable', error: `analyser returned ${bad}` } : { kind: 'face', analysis: a };
    } catch (err) {
      return { kind: 'unreadable', error: err instanceof Error ? err.message : String(err) };
    }
  }
}

function invalidAnalysis(a: FaceAnalysis): string | null {
  if (!a.embedding || a.embedding.length === 0) return 'an empty embedding';
  for (let i = 0; i < a.embedding.length; i++) {
    if (!Number.isFinite(a.embedding[i])) return 'a non-finite embedding value';
  }
  if (!Number.isFinite(a.age)) return `a non-finite age (${a.age})`;
  if (a.gender?.label !== 'male' && a.gender?.label !== 'female') return `gender ${JSON.stringify(a.gender?.label)}`;
  if (typeof a.emotion?.label !== 'string') return 'no emotion label';
  return null;
}

async function runAll(files: string[], cache: AnalysisCache, opts: EvaluateOptions): Promise<void> {
  const total = files.length;
  let done = 0;
  opts.onProgress?.(0, total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      await cache.get(file);
      done++;
      opts.onProgress?.(done, total);
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 1, total || 1));
  await Promise.all(Array.from({ length: n }, worker));
}

function outcomeOf(ref: FileRef, outcomes: Map<string, FileOutcome>): FileOutcome {
  if (!ref.exists) return { kind: 'missing' };
  return outcomes.get(path.resolve(ref.path)) ?? { kind: 'missing' };
}

function issuesToWarnings(source: string, issues: RowIssue[], error?: string): string[] {
  const out = issues.map((i) => (i.line > 0 ? `${source}:${i.line}: ${i.message}` : `${source}: ${i.message}`));
  if (error) out.unshift(error);
  return out;
}

function verification(data: PairsData, outcomes: Map<string, FileOutcome>, threshold: number): VerificationResult {
  const scores: number[] = [];
  const labels: boolean[] = [];
  let noFace = 0;
  let missingPairs = 0;
  let unreadablePairs = 0;
  for (const p of data.pairs) {
    const a = outcomeOf(p.a, outcomes);
    const b = outcomeOf(p.b, outcomes);
    if (a.kind === 'missing' || b.kind === 'missing') {
      missingPairs++;
      continue;
    }
    if (a.kind === 'unreadable' || b.kind === 'unreadable') {
      unreadablePairs++;
      continue;
    }
    labels.push(p.same);
    if (a.kind === 'face' && b.kind === 'face') {
      scores.push(cosine(a.analysis.embedding, b.analysis.embedding));
    } else {
      noFace++;
      scores.push(-Infinity); // no face: below every threshold, i.e. predicted "different"
    }
  }
  const best = bestThreshold(scores, labels);
  const t2 = tarAtFar(scores, labels, 1e-2);
  const t3 = tarAtFar(scores, labels, 1e-3);
  const rates = ratesAt(scores, labels, threshold);
  const genuine = labels.filter(Boolean).length;
  return {
    pairs: scores.length,
    accuracyAtDefault: accuracyAt(scores, labels, threshold),
    bestAccuracy: best?.accuracy ?? null,
    bestThreshold: best?.threshold ?? null,
    auc: rocAuc(scores, labels),
    tarAtFar1e2: t2?.tar ?? null,
    tarAtFar1e3: t3?.tar ?? null,
    noFace,
    defaultThreshold: threshold,
    genuine,
    impostor: labels.length - genuine,
    tarAtDefault: rates.tar,
    farAtDefault: rates.far,
    tarAtFarDetail: { '1e-2': t2, '1e-3': t3 },
    rows: data.rows,
    invalidRows: data.rows - data.pairs.length,
    missingPairs,
    unreadablePairs,
  };
}

/**
 * Each identity photo with a face as an unknown person's sighting, its person and its embedding; each stranger photo
 * as a person seen once.
 */
function sightingsOf(
  data: IdentitiesData,
  strangers: readonly FileRef[],
  outcomes: Map<string, FileOutcome>,
): IdentifiedFace[] {
  const out: IdentifiedFace[] = [];
  const add = (person: string, f: FileRef): void => {
    const o = outcomeOf(f, outcomes);
    if (o.kind === 'face') out.push({ identity: person, embedding: o.analysis.embedding });
  };
  for (const id of data.identities) for (const f of id.files) add(id.name, f);
  for (const f of strangers) add(f.rel, f);
  return out;
}

function identification(
  data: IdentitiesData,
  outcomes: Map<string, FileOutcome>,
  rule: NamingRule,
  heldOutFraction: number,
): IdentificationResult {
  const faces: IdentifiedFace[] = [];
  let images = 0;
  let noFace = 0;
  let unreadable = 0;
  for (const id of data.identities) {
    for (const f of id.files) {
      images++;
      const o = outcomeOf(f, outcomes);
      if (o.kind === 'face') faces.push({ identity: id.name, embedding: o.analysis.embedding });
      else if (o.kind === 'noFace') {
        noFace++;
        faces.push({ identity: id.name, embedding: null });
      } else unreadable++; // unreadable (or vanished since listing): left out entirely
    }
  }
  const closedSet = leaveOneOutRank1(faces, 'nearest-neighbour');
  const closedSetCentroid = leaveOneOutRank1(faces, 'centroid');
  const heldOut = selectHeldOut(
    data.identities.map((i) => i.name),
    heldOutFraction,
  );
  const openSet = openSetIdentification(faces, { rule, heldOut });
  return {
    identities: data.identities.length,
    images,
    faces: images - noFace - unreadable,
    noFace,
    unreadable,
    emptyIdentities: data.empty.length,
    rank1Accuracy: closedSet.accuracy,
    closedSet,
    closedSetCentroid,
    openSet: { ...openSet, heldOutFraction },
  };
}

function hasLabel(r: AttributesData['records'][number]): boolean {
  return r.gender !== null || r.age !== null || r.ageRange !== null || r.emotion !== null;
}

function attributes(data: AttributesData, outcomes: Map<string, FileOutcome>): AttributesResult {
  const genderRecs: GenderRecord[] = [];
  const ageRecs: AgeRecord[] = [];
  const emotionRecs: EmotionRecord[] = [];
  let missing = 0;
  let unreadable = 0;
  let noFace = 0;
  let evaluated = 0;
  for (const r of data.records) {
    if (!hasLabel(r)) continue;
    const o = outcomeOf(r.file, outcomes);
    if (o.kind === 'missing') missing++;
    else if (o.kind === 'unreadable') unreadable++;
    else if (o.kind === 'noFace') noFace++;
    else {
      evaluated++;
      const a = o.analysis;
      const group = r.age !== null ? ageGroupOf(r.age) : r.ageRange ? ageGroupOf(r.ageRange) : null;
      if (r.gender) genderRecs.push({ truth: r.gender, predicted: a.gender.label, ageGroup: group });
      if (r.age !== null || r.ageRange) ageRecs.push({ predicted: a.age, age: r.age, range: r.ageRange });
      if (r.emotion) emotionRecs.push({ truth: r.emotion, predicted: a.emotion.label });
    }
  }
  const g = genderStats(genderRecs);
  const ag = ageStats(ageRecs);
  const em = emotionStats(emotionRecs);
  const mapRecord = <K extends string, V, W>(rec: Record<K, V>, f: (v: V) => W): Record<K, W> =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
  const tally = (t: Tally): Tally => ({ n: t.n, correct: t.correct, accuracy: t.accuracy });
  return {
    file: path.basename(data.csv),
    genderAccuracy: g.accuracy,
    genderAccuracyBySex: mapRecord(g.bySex, (t) => t.accuracy),
    genderAccuracyByAgeGroup: mapRecord(g.byAgeGroup, (t) => t.accuracy),
    genderAdults: {
      bySex: mapRecord(g.adults.bySex, tally),
      balancedAccuracy: g.adults.balancedAccuracy,
      gap: g.adults.gap,
    },
    genderByAgeGroupAndSex: mapRecord(g.byAgeGroupAndSex, (bySex) => mapRecord(bySex, tally)),
    ageMae: ag.mae,
    ageRangeHitRate: ag.rangeHitRate,
    ageRangeHitsByAgeGroup: mapRecord(ag.rangeHitsByAgeGroup, tally),
    emotionAccuracy: em.accuracy,
    counts: {
      rows: data.rows,
      invalidRows: data.rows - data.records.length,
      rowsWithBadValues: data.rowsWithBadValues,
      unlabelled: data.records.filter((r) => !hasLabel(r)).length,
      missing,
      unreadable,
      noFace,
      evaluated,
      gender: g.n,
      genderBySex: mapRecord(g.bySex, (t) => t.n),
      genderByAgeGroup: mapRecord(g.byAgeGroup, (t) => t.n),
      age: ag.exact,
      ageRange: ag.ranged,
      emotion: em.n,
      emotionByLabel: mapRecord(em.byEmotion, (t) => t.n),
    },
    emotionConfusion: em.confusion,
    ageBias: ag.bias,
    ageMaeByAgeGroup: ag.maeByAgeGroup,
    genderPredicted: g.predicted,
    genderBySex: mapRecord(g.bySex, tally),
    emotionByLabel: mapRecord(em.byEmotion, tally),
  };
}

/** The distinct existing files the dataset needs analysed, in a stable order (pairs, identities, attributes). */
export function filesToAnalyse(ds: Dataset): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const take = (ref: FileRef): void => {
    const key = path.resolve(ref.path);
    if (ref.exists && !seen.has(key)) {
      seen.add(key);
      out.push(key);
    }
  };
  for (const p of ds.pairs?.pairs ?? []) {
    take(p.a);
    take(p.b);
  }
  for (const id of ds.identities?.identities ?? []) id.files.forEach(take);
  for (const r of ds.attributes?.records ?? []) if (hasLabel(r)) take(r.file);
  // strangers only matter beside identities (re-identification)
  if (ds.identities?.identities.length) for (const f of ds.strangers ?? []) take(f);
  return out;
}

/**
 * Evaluate a dataset folder (see dataset.ts for the layout) with an injected analyser. Each distinct image is
 * analysed once. Sections whose CSV/folder is absent are null. Throws only when `dir` is not a folder or an option
 * is invalid; missing and unreadable images are counted and listed in `problems`.
 */
export async function evaluateDataset(
  dir: string,
  analyser: FaceAnalyser,
  opts: EvaluateOptions,
): Promise<EvaluationResult> {
  if (!Number.isFinite(opts.threshold)) throw new Error(`threshold must be a finite number, got ${opts.threshold}`);
  const heldOutFraction = opts.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
    throw new Error(`heldOutFraction must be in [0, 1), got ${heldOutFraction}`);
  }
  const ds = await readDataset(dir);
  const cache = new AnalysisCache(analyser);
  const files = filesToAnalyse(ds);
  await runAll(files, cache, opts);
  const outcomes = new Map<string, FileOutcome>();
  for (const f of files) outcomes.set(f, await cache.get(f));

  const rel = (abs: string): string => path.relative(ds.dir, abs) || abs;
  const missing = new Set<string>();
  const noteMissing = (ref: FileRef): void => {
    if (!ref.exists) missing.add(ref.rel);
  };
  ds.pairs?.pairs.forEach((p) => {
    noteMissing(p.a);
    noteMissing(p.b);
  });
  for (const r of ds.attributes?.records ?? []) if (hasLabel(r)) noteMissing(r.file);
  const unreadable: { file: string; error: string }[] = [];
  let faces = 0;
  let noFace = 0;
  for (const [file, o] of outcomes) {
    if (o.kind === 'unreadable') unreadable.push({ file: rel(file), error: o.error });
    else if (o.kind === 'face') faces++;
    else if (o.kind === 'noFace') noFace++;
  }

  const warnings: string[] = [];
  if (ds.pairs) warnings.push(...issuesToWarnings('pairs.csv', ds.pairs.issues, ds.pairs.error));
  if (ds.identities?.error) warnings.push(ds.identities.error);
  if (ds.attributes) {
    warnings.push(...issuesToWarnings(path.basename(ds.attributes.csv), ds.attributes.issues, ds.attributes.error));
  }
  if (!ds.pairs && !ds.identities && !ds.attributes) {
    warnings.push(`nothing to evaluate in ${ds.dir}: no pairs.csv, identities/ or attributes.csv`);
  }

  return {
    verification: ds.pairs && !ds.pairs.error ? verification(ds.pairs, outcomes, opts.threshold) : null,
    identification:
      ds.identities && ds.identities.identities.length > 0
        ? identification(
            ds.identities,
            outcomes,
            { threshold: opts.threshold, margin: opts.margin ?? DEFAULT_MARGIN },
            heldOutFraction,
          )
        : null,
    reidentification:
      ds.identities && ds.identities.identities.length > 0
        ? reidentification(
            sightingsOf(ds.identities, ds.strangers ?? [], outcomes),
            opts.visitorThreshold ?? DEFAULT_VISITOR_THRESHOLD,
          )
        : null,
    attributes: ds.attributes && !ds.attributes.error ? attributes(ds.attributes, outcomes) : null,
    dataset: ds.dir,
    threshold: opts.threshold,
    heldOutFraction,
    analyser: opts.analyser ? { ...opts.analyser } : null,
    files: { analysed: files.length, faces, noFace, unreadable: unreadable.length, missing: missing.size },
    problems: { missing: [...missing].sort(), unreadable },
    warnings,
  };
}
