import { squareCrop, toNhwcFloat, type Box, type RgbImage } from '@storelens/vision';
import { decodeAge, decodeFaceApiExpression, decodeGender, type EmotionResult, type GenderResult } from '../decode/attributes';
import type { OnnxSession } from '../onnx/session';
import { openModel, type ModelOptions } from './model-base';

/** Both face-api models take a 112x112 square crop of 1.0 x the detector box (best on the selection set). */
export const ATTRIBUTE_CROP_FACTOR = 1.0;
export const ATTRIBUTE_CROP_SIZE = 112;
/** Faces per model call: batching amortises the per-call overhead; 16 keeps a crowded frame to one or two calls. */
const BATCH = 16;

export function attributeCrop(img: RgbImage, box: Box): RgbImage {
  return squareCrop(img, box, ATTRIBUTE_CROP_FACTOR, ATTRIBUTE_CROP_SIZE);
}

async function batched<T>(crops: RgbImage[], run: (batch: RgbImage[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < crops.length; i += BATCH) out.push(...(await run(crops.slice(i, i + BATCH))));
  return out;
}

export interface AgeGender {
  age: number;
  gender: GenderResult;
  /** raw p(male), kept so that the decision rule can be re-applied or audited */
  pMale: number;
}

export interface AgeGenderOptions extends ModelOptions {
  maleThreshold?: number;
}

/** face-api AgeGenderNet: age in years and p(male) per face crop. */
export class AgeGenderEstimator {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
    readonly maleThreshold: number,
  ) {}

  static async create(opts: AgeGenderOptions = {}): Promise<AgeGenderEstimator> {
    const { entry, session } = await openModel('ageGender', opts);
    return new AgeGenderEstimator(session, entry.id, opts.maleThreshold ?? DEFAULT_MALE_THRESHOLD);
  }

  estimate(crops: RgbImage[]): Promise<AgeGender[]> {
    return batched(crops, async (batch) => {
      const out = await this.session.run({ input: { data: toNhwcFloat(batch), dims: [batch.length, 112, 112, 3] } });
      const age = out['age'].data;
      const gender = out['gender'].data;
      return batch.map((_, i) => ({
        age: decodeAge(age[i]),
        pMale: gender[i * 2],
        gender: decodeGender(gender[i * 2], this.maleThreshold),
      }));
    });
  }
}

/** face-api FaceExpressionNet: seven emotion probabilities per face crop. */
export class EmotionClassifier {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
  ) {}

  static async create(opts: ModelOptions = {}): Promise<EmotionClassifier> {
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

/** p(male) at or above which a face is called male. Chosen on fixtures/demographics; see README "Fair demographics". */
export const DEFAULT_MALE_THRESHOLD = 0.5;
