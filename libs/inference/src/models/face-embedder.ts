import {
  alignFace,
  ARCFACE_TEMPLATE_112,
  similarityTransform,
  toNchwNormalized,
  toNhwcFloat,
  warpAffine,
  type Point,
  type RgbImage,
} from '@storelens/vision';
import { l2normalize } from '../decode/attributes';
import type { ModelKey } from '../manifest';
import type { OnnxSession } from '../onnx/session';
import { EMBEDDER_KEYS, openModel, type ModelOptions } from './model-base';

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** Both embedders give 128 numbers; vectors of different models are never compared (the model id says which). */
export const EMBEDDING_DIM = 128;

/** The identity models StoreLens can run (`STORELENS_EMBEDDER`). */
export type EmbedderName = 'mobilefacenet' | 'facerecnet';

export const FACERECNET_SIZE = 150;
/**
 * Where FaceRecognitionNet (dlib's ResNet) wants the five landmarks in its 150x150 input: dlib's face chip
 * (`get_face_chip_details`, size 150, padding 0.25) placed from dlib's mean face shape — eye centres (landmarks
 * 36-41, 42-47), nose tip (30) and mouth corners (48, 54). The ArcFace template sits ~22 px lower on the face; fed
 * that crop, the network separates people far worse.
 */
export const FACERECNET_TEMPLATE: Point[] = [
  [47.55, 46.6],
  [100.48, 46.6],
  [74.01, 76.56],
  [50.41, 103.02],
  [97.61, 103.02],
];

/**
 * The 150x150 FaceRecognitionNet input made from a 112x112 ArcFace-aligned crop (what the platform stores): the
 * similarity that takes the ArcFace template onto dlib's. The chip reaches ~8 px below the ArcFace crop at the chin,
 * which reads as black.
 */
export function faceRecNetInput(aligned: RgbImage): RgbImage {
  const scaled = ARCFACE_TEMPLATE_112.map(([x, y]) => [(x * aligned.width) / 112, (y * aligned.height) / 112] as Point);
  return warpAffine(aligned, similarityTransform(scaled, FACERECNET_TEMPLATE), FACERECNET_SIZE, FACERECNET_SIZE);
}

/** What differs between the identity models: the input size, layout and normalisation, the tensor names. */
interface EmbedderSpec {
  key: ModelKey;
  input(aligned: RgbImage): { name: string; data: Float32Array; dims: number[] };
}

const SPECS: Record<EmbedderName, EmbedderSpec> = {
  mobilefacenet: {
    key: EMBEDDER_KEYS.mobilefacenet,
    // NCHW, ImageNet normalisation (the model's training transform); the exported graph fixes batch at 1
    input: (aligned) => ({ name: 'input0', data: toNchwNormalized(aligned, IMAGENET_MEAN, IMAGENET_STD), dims: [1, 3, 112, 112] }),
  },
  facerecnet: {
    key: EMBEDDER_KEYS.facerecnet,
    // NHWC RGB 0-255: face-api's normalisation is inside the graph
    input: (aligned) => ({
      name: 'input',
      data: toNhwcFloat([faceRecNetInput(aligned)]),
      dims: [1, FACERECNET_SIZE, FACERECNET_SIZE, 3],
    }),
  },
};

export interface EmbedderOptions extends ModelOptions {
  /** which identity model (default: `STORELENS_EMBEDDER`) */
  model?: EmbedderName;
}

/**
 * A 128-d, L2-normalised identity vector from a face aligned on its five landmarks, by MobileFaceNet or by face-api's
 * FaceRecognitionNet (dlib's ResNet). `modelId` goes on every stored vector.
 */
export class FaceEmbedder {
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
    readonly model: EmbedderName,
    private readonly spec: EmbedderSpec,
  ) {}

  static async create(opts: EmbedderOptions): Promise<FaceEmbedder> {
    const model = opts.model ?? opts.embedder ?? 'mobilefacenet';
    const spec = SPECS[model];
    const { entry, session } = await openModel('embedder', opts, spec.key);
    return new FaceEmbedder(session, entry.id, model, spec);
  }

  /** The 112x112 ArcFace-aligned crop every embedding is computed from (and the platform stores). */
  align(img: RgbImage, landmarks: Point[]): RgbImage {
    return alignFace(img, landmarks, 112);
  }

  async embedAligned(aligned: RgbImage): Promise<Float32Array> {
    const { name, data, dims } = this.spec.input(aligned);
    // One face per call: MobileFaceNet's exported graph fixes batch at 1.
    const out = await this.session.run({ [name]: { data, dims } });
    const raw = Object.values(out)[0].data;
    if (raw.length !== EMBEDDING_DIM) throw new Error(`embedding has ${raw.length} values, expected ${EMBEDDING_DIM}`);
    return l2normalize(raw);
  }

  async embed(img: RgbImage, landmarks: Point[]): Promise<Float32Array> {
    return this.embedAligned(this.align(img, landmarks));
  }
}
