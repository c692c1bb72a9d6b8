import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { config } from '@storelens/config';
import {
  AGE_GROUPS,
  DEFAULT_APPEARANCE_CLUSTERS,
  DEFAULT_FAIRNESS_OPTIONS,
  STUDY_AGES,
  STUDY_SCORES,
  addOutcome,
  ageGroupOf,
  byKey,
  emptyTally,
  evaluateDataset,
  readAttributes,
  renderFairnessReport,
  renderReport,
  runFairnessStudy,
  runGeneralisationStudy,
  studySpecs,
  type AgeGroup,
  type DemographicSample,
  type FaceAnalyser,
  type FaceAnalysis,
  type FairnessOptions,
  type FairnessReport,
  type FairnessRunInfo,
  type Gender,
  type Tally,
  writeRecognitionSet,
} from '@storelens/evaluation';
import {
  DEFAULT_MALE_THRESHOLD,
  DEFAULT_YOUNG_MALE_THRESHOLD,
  FaceResEstimator,
  YOUNG_BELOW_AGE,
  attributeView,
  decodeAge,
  faceResCrop,
  logit,
  modelOptions,
} from '@storelens/inference';
import { FacePipeline, type FaceResult } from '@storelens/pipeline';
import { area } from '@storelens/vision';
import { errorMessage, printJson } from '../output';

/** Image files larger than this are refused before they are read (as `analyze` does). */
const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

async function readImageFile(file: string): Promise<Buffer> {
  const st = await stat(file);
  if (!st.isFile()) throw new Error('not a file');
  if (st.size > MAX_IMAGE_BYTES) throw new Error(`file is ${(st.size / 2 ** 20).toFixed(0)} MiB, over the image limit`);
  return readFile(file);
}

function largest<T extends { box: FaceResult['box'] }>(faces: T[]): T {
  return faces.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
}

/** The real pipeline as the evaluation's analyser: the largest face of each image, or null when there is none. */
export class PipelineAnalyser implements FaceAnalyser {
  constructor(private readonly pipeline: FacePipeline) {}

  async analyzeLargestFace(file: string): Promise<FaceAnalysis | null> {
    const { faces } = await this.pipeline.analyzeBuffer(await readImageFile(file));
    if (faces.length === 0) return null;
    const f = largest(faces);
    return {
      embedding: f.embedding,
      age: f.age,
      gender: f.gender,
      emotion: { label: f.emotion.label, confidence: f.emotion.scores[f.emotion.label] },
    };
  }

  /** Model ids and the gender threshold, stamped on the evaluation result. */
  describe(): Record<string, string> {
    const rule = this.pipeline.ageGender.genderRule;
    return {
      ...this.pipeline.modelIds,
      genderRule: `crop, 4 shifts and their mirrors, male at p(male) >= ${rule.maleThreshold} (>= ${rule.youngMaleThreshold} when estimated under ${rule.youngBelowAge})`,
    };
  }
}

/** A progress bar on stderr when it is a terminal (stdout stays clean for --json); a no-op otherwise. */
function progressBar(unit: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: ` {bar} {value}/{total} ${unit}`, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export interface EvalOptions {
  dataset: string;
  threshold: number;
  json: boolean;
}

/** `storelens eval`: exit code 0 when at least one section could be evaluated. */
export async function evalCommand(opts: EvalOptions, pipeline: FacePipeline): Promise<number> {
  const analyser = new PipelineAnalyser(pipeline);
  const bar = progressBar('images');
  let result;
  try {
    result = await evaluateDataset(opts.dataset, analyser, {
      threshold: opts.threshold,
      // open set is decided by the platform's rule: the configured margin beside the threshold
      margin: config().decision.margin,
      visitorThreshold: config().decision.visitorThreshold,
      onProgress: bar.update,
      analyser: analyser.describe(),
    });
  } finally {
    bar.stop();
  }
  if (opts.json) printJson(result);
  else process.stdout.write(renderReport(result));
  return result.verification || result.identification || result.attributes ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// eval-fairness

export interface CollectedDemographics {
  samples: DemographicSample[];
  labels: FairnessRunInfo['labels'];
  msPerFace: FairnessRunInfo['msPerFace'];
  warnings: string[];
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs the models on every labelled face of a demographics set: the pipeline's detector (largest face), face-api on
 * the crop and its mirror image, and FaceRes when given. Missing and unreadable files are counted, never fatal.
 */
export async function collectDemographics(
  dir: string,
  pipeline: FacePipeline,
  faceres: FaceResEstimator | null,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<CollectedDemographics> {
  const csvName = existsSync(path.join(dir, 'attributes.csv')) ? 'attributes.csv' : 'labels.csv';
  const data = await readAttributes(dir, {}, csvName);
  if (!data) throw new Error(`no attributes.csv or labels.csv in ${dir}`);
  if (data.error) throw new Error(data.error);
  const warnings = data.issues.map((i) => `${csvName}:${i.line}: ${i.message}`);
  const usable = data.records.filter(
    (r) => r.gender !== null && r.ageRange !== null && ageGroupOf(r.ageRange) !== null,
  );
  const foundBySex = byKey<Gender, Tally>(['male', 'female'], emptyTally);
  const foundByAgeGroup = byKey<AgeGroup, Tally>(AGE_GROUPS, emptyTally);
  const samples: DemographicSample[] = [];
  const faceapiMs: number[] = [];
  const faceresMs: number[] = [];
  let noFace = 0;
  let missing = 0;
  let unreadable = 0;
  onProgress(0, usable.length);
  for (const [i, r] of usable.entries()) {
    const sex = r.gender as Gender;
    const range = r.ageRange as [number, number];
    const group = ageGroupOf(range) as AgeGroup;
    if (!r.file.exists) {
      missing++;
      warnings.push(`${r.file.rel}: file not found`);
      onProgress(i + 1, usable.length);
      continue;
    }
    try {
      const img = await pipeline.decode(await readImageFile(r.file.path));
      const dets = await pipeline.detector.detect(img);
      addOutcome(foundBySex[sex], dets.length > 0);
      addOutcome(foundByAgeGroup[group], dets.length > 0);
      if (dets.length === 0) noFace++;
      else {
        const { box } = largest(dets);
        let t = performance.now();
        const [ag] = await pipeline.ageGender.estimate([attributeView(img, box)]);
        faceapiMs.push(performance.now() - t);
        const maleLogits: Record<string, number> = {
          [STUDY_SCORES.faceapi]: logit(ag.raw.pMale),
          [STUDY_SCORES.faceapiMirrored]: logit(ag.raw.pMaleMirrored),
        };
        if (ag.raw.pMaleShifted !== null) maleLogits[STUDY_SCORES.faceapiShifted] = logit(ag.raw.pMaleShifted);
        const ages: Record<string, number> = {
          [STUDY_AGES.faceapi]: decodeAge(ag.raw.age),
          [STUDY_AGES.faceapiMirrorMean]: ag.age,
        };
        const embedding = Array.from(await pipeline.embedder.embed(img, largest(dets).landmarks));
        if (faceres) {
          t = performance.now();
          const [fr] = await faceres.estimate([faceResCrop(img, box)]);
          faceresMs.push(performance.now() - t);
          maleLogits[STUDY_SCORES.faceres] = logit(fr.pMale);
          ages[STUDY_AGES.faceres] = fr.age;
        }
        samples.push({ id: r.file.rel, sex, ageRange: range, ageGroup: group, maleLogits, ages, embedding });
      }
    } catch (err) {
      unreadable++;
      warnings.push(`${r.file.rel}: ${errorMessage(err)}`);
    }
    onProgress(i + 1, usable.length);
  }
  return {
    samples,
    labels: {
      rows: data.rows,
      usable: usable.length,
      faces: samples.length,
      noFace,
      missing,
      unreadable,
      foundBySex,
      foundByAgeGroup,
    },
    msPerFace: { faceapiCropAndMirror: median(faceapiMs), faceres: faceres ? median(faceresMs) : null },
    warnings,
  };
}

export interface EvalFairnessOptions extends FairnessOptions {
  dataset: string;
  json: boolean;
  /** Also measure HSE FaceRes (skipped with a warning when its model file cannot be found). */
  faceres: boolean;
  /** Appearance clusters of the held-out-group study. */
  clusters: number;
}

/** `storelens eval-fairness`: recomputes the gender-rule and age-calibration study and prints it. */
export async function evalFairnessCommand(opts: EvalFairnessOptions, pipeline: FacePipeline): Promise<number> {
  const warnings: string[] = [];
  let faceres: FaceResEstimator | null = null;
  if (opts.faceres) {
    try {
      faceres = await FaceResEstimator.create(modelOptions(config()));
    } catch (err) {
      warnings.push(`FaceRes not measured: ${errorMessage(err)}`);
    }
  }
  const bar = progressBar('faces');
  let collected: CollectedDemographics;
  try {
    collected = await collectDemographics(path.resolve(opts.dataset), pipeline, faceres, bar.update);
  } finally {
    bar.stop();
  }
  const options: FairnessOptions = { folds: opts.folds, seed: opts.seed, maxGap: opts.maxGap };
  const study = runFairnessStudy(
    collected.samples,
    studySpecs({
      shippedMaleThreshold: DEFAULT_MALE_THRESHOLD,
      shippedYoungMaleThreshold: DEFAULT_YOUNG_MALE_THRESHOLD,
      youngBelowAge: YOUNG_BELOW_AGE,
      withFaceRes: faceres !== null,
    }),
    options,
  );
  const models: Record<string, string> = { ageGender: pipeline.ageGender.modelId, detector: pipeline.detector.modelId };
  if (faceres) models.faceres = faceres.modelId;
  const report: FairnessReport = {
    dataset: path.resolve(opts.dataset),
    labels: collected.labels,
    models,
    msPerFace: collected.msPerFace,
    shippedMaleThreshold: DEFAULT_MALE_THRESHOLD,
    shippedYoungMaleThreshold: DEFAULT_YOUNG_MALE_THRESHOLD,
    warnings: [...warnings, ...collected.warnings],
    study,
    generalisation:
      collected.samples.length > 0
        ? runGeneralisationStudy(collected.samples, { maxGap: opts.maxGap, clusters: opts.clusters, seed: opts.seed })
        : null,
  };
  if (opts.json) printJson(report);
  else process.stdout.write(renderFairnessReport(report));
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

const numberIn =
  (name: string, min: number, max: number, integer = false) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };

export function addEvalCommands(program: Command): void {
  program
    .command('eval')
    .description('measure verification, identification and attribute accuracy on a labelled dataset folder')
    .requiredOption('--dataset <dir>', 'folder with pairs.csv, identities/<person>/ and/or attributes.csv')
    .addOption(
      new Option('--threshold <t>', 'similarity at which two faces are the same person')
        .argParser(numberIn('threshold', -1, 1))
        .default(config().decision.threshold),
    )
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      process.exitCode = await evalCommand(
        { dataset: o.dataset, threshold: o.threshold, json: Boolean(o.json) },
        await FacePipeline.create(config()),
      );
    });

  program
    .command('eval-recognition-set')
    .description(
      'write a recognition dataset for eval from the shared fixtures (named people + strangers as impostors)',
    )
    .argument('<outdir>', 'an empty or new folder')
    .action((outdir: string) => {
      const summary = writeRecognitionSet(path.join(config().assetsDir, 'fixtures'), path.resolve(outdir));
      printJson(summary);
    });

  program
    .command('eval-fairness')
    .description('recompute the demographics study: the gender decision rule and age calibration, cross-validated')
    .option(
      '--dataset <dir>',
      'folder with labels.csv or attributes.csv (file,gender,age_min,age_max)',
      path.join(config().assetsDir, 'fixtures', 'demographics'),
    )
    .addOption(
      new Option('--folds <k>', 'cross-validation folds')
        .argParser(numberIn('folds', 2, 50, true))
        .default(DEFAULT_FAIRNESS_OPTIONS.folds),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the fold assignment')
        .argParser(numberIn('seed', 0, 2 ** 32 - 1, true))
        .default(DEFAULT_FAIRNESS_OPTIONS.seed),
    )
    .addOption(
      new Option('--max-gap <g>', 'largest adult men − women accuracy gap a fitted threshold may leave (0-1)')
        .argParser(numberIn('max-gap', 0, 1))
        .default(DEFAULT_FAIRNESS_OPTIONS.maxGap),
    )
    .addOption(
      new Option('--clusters <k>', 'appearance clusters (k-means of the embeddings) held out one at a time')
        .argParser(numberIn('clusters', 2, 20, true))
        .default(DEFAULT_APPEARANCE_CLUSTERS),
    )
    .option('--no-faceres', 'do not measure the alternative model HSE FaceRes')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      process.exitCode = await evalFairnessCommand(
        {
          dataset: o.dataset,
          folds: o.folds,
          seed: o.seed,
          maxGap: o.maxGap,
          clusters: o.clusters,
          faceres: Boolean(o.faceres),
          json: Boolean(o.json),
        },
        await FacePipeline.create(config()),
      );
    });
}
