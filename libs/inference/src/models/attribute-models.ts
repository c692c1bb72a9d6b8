import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@storelens/config';
import { squareCrop, toNhwcFloat, type Box, type RgbImage } from '@storelens/vision';
import {
  decodeAge,
  decodeFaceApiExpression,
  decodeGender,
  expectedAge,
  fuseMirrored,
  maleThresholdFor,
  type EmotionResult,
  type GenderResult,
  type GenderRule,
} from '../decode/attributes';
import type { ModelEntry } from '../manifest';
import { OnnxSession } from '../onnx/session';
import { openModel, type ModelOptions } from './model-base';

/** Both face-api models take a 112x112 square crop of 1.0 x the detector box (best on the selection set). */
export const ATTRIBUTE_CROP_FACTOR = 1.0;
export const ATTRIBUTE_CROP_SIZE = 112;
/** Faces per model call: batching amortises the per-call overhead; 16 keeps a crowded frame to one or two calls. */
const BATCH = 16;

/**
 * p(male) at or above which a face is called male, applied to the crop-and-mirror p(male) (`fuseMirrored`).
 * Chosen on fixtures/demographics so that adult men and adult women are read equally well, and checked by 5-fold
 * cross-validation (`storelens eval-fairness`, docs/evaluation.md); at 0.5 adult women were read far worse than
 * adult men.
 */
export const DEFAULT_MALE_THRESHOLD = 0.78;
/** The same, for faces estimated younger than YOUNG_BELOW_AGE, chosen the same way on the faces estimated that young. */
export const DEFAULT_YOUNG_MALE_THRESHOLD = 0.5097;
/** Faces whose estimated age is below this use DEFAULT_YOUNG_MALE_THRESHOLD (the study's "adults" are 20+). */
export const YOUNG_BELOW_AGE = 20;

export const DEFAULT_GENDER_RULE: GenderRule = {
  maleThreshold: DEFAULT_MALE_THRESHOLD,
  youngMaleThreshold: DEFAULT_YOUNG_MALE_THRESHOLD,
  youngBelowAge: YOUNG_BELOW_AGE,
};

export function attributeCrop(img: RgbImage, box: Box): RgbImage {
  return squareCrop(img, box, ATTRIBUTE_CROP_FACTOR, ATTRIBUTE_CROP_SIZE);
}

/** The crop flipped left to right (RGB, HWC). */
export function mirrorCrop(img: RgbImage): RgbImage {
  const { width, height } = img;
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + (width - 1 - x) * 3;
      const to = row + x * 3;
      out[to] = img.data[from];
      out[to + 1] = img.data[from + 1];
      out[to + 2] = img.data[from + 2];
    }
  }
  return { data: out, width, height };
}

/** Inputs the age/gender model gets per face: the crop and its mirror image (callers counting batches need this). */
export const AGE_GENDER_INPUTS_PER_FACE = 2;

async function batched<T>(crops: RgbImage[], run: (batch: RgbImage[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < crops.length; i += BATCH) out.push(...(await run(crops.slice(i, i + BATCH))));
  return out;
}

export interface AgeGender {
  /** Years: the mean of the crop's and the mirror image's estimates. */
  age: number;
  gender: GenderResult;
  /** The p(male) the decision rule thresholds: crop and mirror image fused in logit space (`fuseMirrored`). */
  pMale: number;
  /** The model's own outputs for the crop and for its mirror image, kept so the rule can be re-derived or audited. */
  raw: { pMale: number; pMaleMirrored: number; age: number; ageMirrored: number };
}

export interface AgeGenderOptions extends ModelOptions {
  /** Overrides DEFAULT_MALE_THRESHOLD (faces estimated YOUNG_BELOW_AGE or older). */
  maleThreshold?: number;
  /** Overrides DEFAULT_YOUNG_MALE_THRESHOLD (faces estimated younger). */
  youngMaleThreshold?: number;
}

/**
 * face-api AgeGenderNet: age in years and p(male) per face crop. Each crop runs together with its mirror image
 * (one batch of 2N): about 2 ms more per face at one ONNX Runtime thread, for a better read of adults' sex
 * (docs/evaluation.md).
 */
export class AgeGenderEstimator {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
    readonly genderRule: GenderRule,
  ) {}

  static async create(opts: AgeGenderOptions): Promise<AgeGenderEstimator> {
    const { entry, session } = await openModel('ageGender', opts);
    return new AgeGenderEstimator(session, entry.id, {
      ...DEFAULT_GENDER_RULE,
      maleThreshold: opts.maleThreshold ?? DEFAULT_MALE_THRESHOLD,
      youngMaleThreshold: opts.youngMaleThreshold ?? DEFAULT_YOUNG_MALE_THRESHOLD,
    });
  }

  /** The threshold for faces estimated YOUNG_BELOW_AGE or older. */
  get maleThreshold(): number {
    return this.genderRule.maleThreshold;
  }

  estimate(crops: RgbImage[]): Promise<AgeGender[]> {
    return batched(crops, async (batch) => {
      const n = batch.length;
      // Rows 0..n-1 are the crops, rows n..2n-1 their mirror images.
      const input = toNhwcFloat([...batch, ...batch.map(mirrorCrop)]);
      const out = await this.session.run({
        input: { data: input, dims: [AGE_GENDER_INPUTS_PER_FACE * n, 112, 112, 3] },
      });
      const age = out['age'].data;
      const gender = out['gender'].data; // [2n, 2] = [p(male), p(female)]
      return batch.map((_, i) => {
        const raw = { pMale: gender[i * 2], pMaleMirrored: gender[(n + i) * 2], age: age[i], ageMirrored: age[n + i] };
        const pMale = fuseMirrored(raw.pMale, raw.pMaleMirrored);
        const years = decodeAge((raw.age + raw.ageMirrored) / 2);
        return { age: years, pMale, gender: decodeGender(pMale, maleThresholdFor(this.genderRule, years)), raw };
      });
    });
  }
}

/** face-api FaceExpressionNet: seven emotion probabilities per face crop. */
export class EmotionClassifier {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
  ) {}

  static async create(opts: ModelOptions): Promise<EmotionClassifier> {
    const { entry, session } = await openModel('emotion', opts);
    return new EmotionClassifier(session, entry.id);
  }

  classify(crops: RgbImage[]): Promise<EmotionResult[]> {
    return batched(crops, async (batch) => {
      const out = await this.session.run({ input: { data: toNhwcFloat(batch), dims: [batch.length, 112, 112, 3] } });
      const p = out['expressions'].data;
      return batch.map((_, i) => decodeFaceApiExpression(p.subarray(i * 7, i * 7 + 7)));
    });
  }
}

/**
 * Models that `models/manifest.json` lists under `evaluationModels`: measured by the evaluation tools but not run
 * by the pipeline, so they have no pipeline role (and no place in the bench).
 */
export function evaluationModelEntry(key: string): ModelEntry {
  const raw = JSON.parse(readFileSync(path.join(repoRoot(), 'models', 'manifest.json'), 'utf8'));
  const entry = raw.evaluationModels?.[key] as ModelEntry | undefined;
  if (!entry) throw new Error(`models/manifest.json has no evaluationModels.${key}`);
  return entry;
}

/** HSE FaceRes takes a square of 1.3 x the detector box at 224 px (MODELS.md; Human crops it the same way). */
export const FACERES_CROP_FACTOR = 1.3;
export const FACERES_CROP_SIZE = 224;

export function faceResCrop(img: RgbImage, box: Box): RgbImage {
  return squareCrop(img, box, FACERES_CROP_FACTOR, FACERES_CROP_SIZE);
}

export interface FaceResAgeGender {
  /** the model's p(male) (sigmoid output) */
  pMale: number;
  /** expected value of the 0–99 age softmax, in years */
  age: number;
}

/**
 * HSE FaceRes (faceres_hse.onnx), the alternative age/gender model. Only the fairness study runs it, to measure
 * whether it is worth its cost next to face-api (docs/evaluation.md); the pipeline does not.
 */
export class FaceResEstimator {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
  ) {}

  static async create(opts: ModelOptions): Promise<FaceResEstimator> {
    const entry = evaluationModelEntry('faceres');
    const file = await opts.resolver.resolve(entry);
    const session = await OnnxSession.open(file, { threads: opts.threads });
    return new FaceResEstimator(session, entry.id);
  }

  /** The graph's batch size is fixed at 1, so faces run one call each. */
  async estimate(crops: RgbImage[]): Promise<FaceResAgeGender[]> {
    const out: FaceResAgeGender[] = [];
    for (const crop of crops) {
      const r = await this.session.run({
        input_1: { data: toNhwcFloat([crop]), dims: [1, FACERES_CROP_SIZE, FACERES_CROP_SIZE, 3] },
      });
      out.push({ pMale: r['gender_pred/Sigmoid'].data[0], age: expectedAge(r['age_pred/Softmax'].data) });
    }
    return out;
  }
}
