import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@storelens/config';
import { squareCrop, tensorLength, toNhwcFloat, type Box, type RgbImage } from '@storelens/vision';
import {
  decodeAge,
  decodeFaceApiExpression,
  decodeGender,
  expectedAge,
  fuseMirrored,
  logit,
  maleThresholdFor,
  sigmoid,
  type EmotionResult,
  type GenderResult,
  type GenderRule,
} from '../decode/attributes';
import type { ModelEntry } from '../manifest';
import { OnnxSession } from '../onnx/session';
import { TensorPool } from '../onnx/tensor-pool';
import { openModel, type ModelOptions } from './model-base';

/** Both face-api models take a 112x112 square crop of 1.0 x the detector box (best on the selection set). */
export const ATTRIBUTE_CROP_FACTOR = 1.0;
export const ATTRIBUTE_CROP_SIZE = 112;
/** Faces per model call: batching amortises the per-call overhead; 16 keeps a crowded frame to one or two calls. */
const BATCH = 16;

/**
 * p(male) at or above which a face is called male, applied to the p(male) fused from the crop, its shifted windows
 * and their mirror images. Chosen on fixtures/demographics so that adult men and adult women are read equally well,
 * and judged out of fold and on whole groups held out (`storelens eval-fairness`, docs/evaluation.md); at 0.5 adult
 * women were read far worse than adult men.
 */
export const DEFAULT_MALE_THRESHOLD = 0.78764;
/** The same, for faces estimated younger than YOUNG_BELOW_AGE, chosen the same way on the faces estimated that young. */
export const DEFAULT_YOUNG_MALE_THRESHOLD = 0.54405;
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

/**
 * The age/gender model also reads the face shifted by this many pixels of its 112 crop (about 5 % of the face box)
 * left, right, up and down: averaging those reads carries over to faces the gender rule was not fitted on better
 * than the crop and its mirror alone (docs/evaluation.md, "Faces the rule has not seen").
 */
export const ATTRIBUTE_SHIFT_PX = 6;
/** Side of the attribute view: the 112 crop with ATTRIBUTE_SHIFT_PX of margin on every side. */
export const ATTRIBUTE_VIEW_SIZE = ATTRIBUTE_CROP_SIZE + 2 * ATTRIBUTE_SHIFT_PX;

/**
 * The attribute view of a face: the same square and scale as attributeCrop, with ATTRIBUTE_SHIFT_PX more on every
 * side, so that its centre window is the attribute crop and the shifted windows are cut from it without resampling.
 * This is the image the detection stage stores for the attribute stage.
 */
export function attributeView(img: RgbImage, box: Box): RgbImage {
  return squareCrop(img, box, (ATTRIBUTE_CROP_FACTOR * ATTRIBUTE_VIEW_SIZE) / ATTRIBUTE_CROP_SIZE, ATTRIBUTE_VIEW_SIZE);
}

/** The 112 window of a view whose top-left corner is (left, top). */
function viewWindow(view: RgbImage, left: number, top: number): RgbImage {
  const size = ATTRIBUTE_CROP_SIZE;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * view.width + left) * 3;
    out.set(view.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { data: out, width: size, height: size };
}

function isView(img: RgbImage): boolean {
  return img.width === ATTRIBUTE_VIEW_SIZE && img.height === ATTRIBUTE_VIEW_SIZE;
}

function checkAttributeInput(img: RgbImage): void {
  const ok = isView(img) || (img.width === ATTRIBUTE_CROP_SIZE && img.height === ATTRIBUTE_CROP_SIZE);
  if (!ok) {
    throw new Error(
      `attribute input is ${img.width}x${img.height}: expected a ${ATTRIBUTE_VIEW_SIZE} view or a ${ATTRIBUTE_CROP_SIZE} crop`,
    );
  }
}

/**
 * The attribute crop of a view (what the emotion model reads). A 112 crop stored before views existed is its own
 * centre.
 */
export function centreCrop(view: RgbImage): RgbImage {
  checkAttributeInput(view);
  return isView(view) ? viewWindow(view, ATTRIBUTE_SHIFT_PX, ATTRIBUTE_SHIFT_PX) : view;
}

/** The crop moved left, right, up and down by ATTRIBUTE_SHIFT_PX; none for a bare 112 crop. */
export function shiftedCrops(view: RgbImage): RgbImage[] {
  checkAttributeInput(view);
  if (!isView(view)) return [];
  const [c, d] = [ATTRIBUTE_SHIFT_PX, 2 * ATTRIBUTE_SHIFT_PX];
  return [viewWindow(view, 0, c), viewWindow(view, d, c), viewWindow(view, c, 0), viewWindow(view, c, d)];
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
  /**
   * The model's own outputs: p(male) and age on the crop and on its mirror image, and the p(male) of the four shifted
   * windows with their mirrors (their logits averaged; null for a bare crop).
   */
  raw: { pMale: number; pMaleMirrored: number; pMaleShifted: number | null; age: number; ageMirrored: number };
}

export interface AgeGenderOptions extends ModelOptions {
  /** Overrides DEFAULT_MALE_THRESHOLD (faces estimated YOUNG_BELOW_AGE or older). */
  maleThreshold?: number;
  /** Overrides DEFAULT_YOUNG_MALE_THRESHOLD (faces estimated younger). */
  youngMaleThreshold?: number;
}

/**
 * face-api AgeGenderNet: age in years and p(male) per face. Each face is read as its attribute view
 * (attributeView): the crop, its four shifted windows and the mirror image of each, ten inputs in one batch. The age
 * is the mean of the crop's and its mirror's estimates; p(male) fuses all ten logits. The shifts cost about 4 ms a
 * face more than the crop and mirror alone at one ONNX Runtime thread, and read women and men equally well on faces
 * of groups the rule never saw (docs/evaluation.md). A bare 112 crop (stored before views) is read with its
 * mirror image only.
 */
export class AgeGenderEstimator {
  /** the input tensors' memory, reused (ten 112x112 rows a face: 1.5 MB, TensorPool) */
  private readonly inputs = new TensorPool();

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

  estimate(views: RgbImage[]): Promise<AgeGender[]> {
    return batched(views, async (batch) => {
      // per face: the crop, then its shifted windows (none for a bare crop); then the mirror of every row
      const perFace = batch.map((v) => [centreCrop(v), ...shiftedCrops(v)]);
      const rows = perFace.flat();
      const crops = [...rows, ...rows.map(mirrorCrop)];
      const out = await this.inputs.use(tensorLength(crops), (buffer) =>
        this.session.run({ input: { data: toNhwcFloat(crops, buffer), dims: [crops.length, 112, 112, 3] } }),
      );
      const age = out['age'].data;
      const gender = out['gender'].data; // [2 rows, 2] = [p(male), p(female)]
      const m = rows.length;
      let first = 0;
      return perFace.map((windows) => {
        const i = first;
        first += windows.length;
        const pMaleAt = (r: number): number => gender[r * 2];
        let shiftedLogits = 0;
        for (let r = i + 1; r < i + windows.length; r++) shiftedLogits += logit(pMaleAt(r)) + logit(pMaleAt(m + r));
        const shifts = windows.length - 1;
        const raw = {
          pMale: pMaleAt(i),
          pMaleMirrored: pMaleAt(m + i),
          pMaleShifted: shifts > 0 ? sigmoid(shiftedLogits / (2 * shifts)) : null,
          age: age[i],
          ageMirrored: age[m + i],
        };
        const pMale =
          shifts > 0
            ? sigmoid((logit(raw.pMale) + logit(raw.pMaleMirrored) + shiftedLogits) / (2 * windows.length))
            : fuseMirrored(raw.pMale, raw.pMaleMirrored);
        const years = decodeAge((raw.age + raw.ageMirrored) / 2);
        return { age: years, pMale, gender: decodeGender(pMale, maleThresholdFor(this.genderRule, years)), raw };
      });
    });
  }
}

/** face-api FaceExpressionNet: seven emotion probabilities per face crop. */
export class EmotionClassifier {
  /** the input tensors' memory, reused (TensorPool) */
  private readonly inputs = new TensorPool();

  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
  ) {}

  static async create(opts: ModelOptions): Promise<EmotionClassifier> {
    const { entry, session } = await openModel('emotion', opts);
    return new EmotionClassifier(session, entry.id);
  }

  /** Views (attributeView) or bare 112 crops: the model reads the crop. */
  classify(views: RgbImage[]): Promise<EmotionResult[]> {
    return batched(views.map(centreCrop), async (batch) => {
      const out = await this.inputs.use(tensorLength(batch), (buffer) =>
        this.session.run({ input: { data: toNhwcFloat(batch, buffer), dims: [batch.length, 112, 112, 3] } }),
      );
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
