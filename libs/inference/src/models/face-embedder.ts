import { alignFace, toNchwNormalized, type Point, type RgbImage } from '@storelens/vision';
import { l2normalize } from '../decode/attributes';
import type { OnnxSession } from '../onnx/session';
import { openModel, type ModelOptions } from './model-base';

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
export const EMBEDDING_DIM = 128;

/** MobileFaceNet: a 128-d, L2-normalised identity vector from a face aligned on its five landmarks. */
export class FaceEmbedder {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
  ) {}

  static async create(opts: ModelOptions = {}): Promise<FaceEmbedder> {
    const { entry, session } = await openModel('embedder', opts);
    return new FaceEmbedder(session, entry.id);
  }

  /** The aligned 112x112 crop the embedding is computed from. */
  align(img: RgbImage, landmarks: Point[]): RgbImage {
    return alignFace(img, landmarks, 112);
  }

  async embedAligned(aligned: RgbImage): Promise<Float32Array> {
    const input = toNchwNormalized(aligned, IMAGENET_MEAN, IMAGENET_STD);
    // The exported graph fixes batch at 1, so faces run one at a time.
    const out = await this.session.run({ input0: { data: input, dims: [1, 3, 112, 112] } });
    const raw = Object.values(out)[0].data;
    if (raw.length !== EMBEDDING_DIM) throw new Error(`embedding has ${raw.length} values, expected ${EMBEDDING_DIM}`);
    return l2normalize(raw);
  }

  async embed(img: RgbImage, landmarks: Point[]): Promise<Float32Array> {
    return this.embedAligned(this.align(img, landmarks));
  }
}
