import { readFile } from 'node:fs/promises';
import type { StoreLensConfig } from '@storelens/config';
import {
  AgeGenderEstimator,
  EmotionClassifier,
  modelOptions,
  FaceDetector,
  FaceEmbedder,
  attributeView,
  type ModelResolver,
} from '@storelens/inference';
import { area, decodeImage, type RgbImage } from '@storelens/vision';
import type { NamingRule } from '@storelens/decision';
import { Gallery, listGalleryFolder } from './gallery';
import type { FaceResult, StageTimings } from './types';

/** Overrides of the configuration's settings (a study or a test may try other values). */
export interface PipelineOptions {
  detectThreshold?: number;
  minFaceSize?: number;
  maleThreshold?: number;
  maxPixels?: number;
  threads?: number;
  resolver?: ModelResolver;
}

export interface ImageAnalysis {
  width: number;
  height: number;
  faces: FaceResult[];
}

/** A photo that could not go into the gallery, and why. */
export interface EnrolmentIssue {
  file: string;
  reason: string;
}

/** An image decoded, and shrunk already to the detector's first input: the part of the work made in libvips' threads. */
export interface ReadyImage {
  image: RgbImage;
  firstInput: RgbImage;
}

export const newTimings = (): StageTimings => ({ decodeMs: 0, detectMs: 0, alignEmbedMs: 0, attributesMs: 0, matchMs: 0 });

/** Image in, faces out: detection, alignment, embedding, age, gender, emotion and (with a gallery) a name. */
export class FacePipeline {
  private constructor(
    readonly detector: FaceDetector,
    readonly embedder: FaceEmbedder,
    readonly ageGender: AgeGenderEstimator,
    readonly emotion: EmotionClassifier,
    private readonly maxPixels: number,
  ) {}

  /** The pipeline of a configuration (read once by the program that runs it), with `opts` on top. */
  static async create(c: StoreLensConfig, opts: PipelineOptions = {}): Promise<FacePipeline> {
    const models = modelOptions(c);
    const common = { ...models, resolver: opts.resolver ?? models.resolver, threads: opts.threads ?? models.threads };
    const [detector, embedder, ageGender, emotion] = await Promise.all([
      FaceDetector.create({
        ...common,
        threshold: opts.detectThreshold ?? c.vision.detectThreshold,
        minFaceSize: opts.minFaceSize ?? c.vision.minFaceSize,
      }),
      FaceEmbedder.create(common),
      AgeGenderEstimator.create({ ...common, maleThreshold: opts.maleThreshold }),
      EmotionClassifier.create(common),
    ]);
    return new FacePipeline(detector, embedder, ageGender, emotion, opts.maxPixels ?? c.vision.maxPixels);
  }

  get modelIds(): FaceResult['models'] {
    return {
      detector: this.detector.modelId,
      embedder: this.embedder.modelId,
      ageGender: this.ageGender.modelId,
      emotion: this.emotion.modelId,
    };
  }

  async decode(buf: Buffer, t?: StageTimings): Promise<RgbImage> {
    const start = performance.now();
    const img = await decodeImage(buf, { maxPixels: this.maxPixels });
    if (t) t.decodeMs += performance.now() - start;
    return img;
  }

  /**
   * Decodes an image and shrinks it for the detector's first pass, both in libvips' threads: what a caller can have
   * made for the next image while the models hold the main thread on this one (see `readAhead`).
   */
  async ready(buf: Buffer, t?: StageTimings): Promise<ReadyImage> {
    const image = await this.decode(buf, t);
    const start = performance.now();
    const firstInput = await this.detector.firstInput(image);
    if (t) t.detectMs += performance.now() - start;
    return { image, firstInput };
  }

  /**
   * Every face in the image, left to right. `videoFrame`: a frame of a video, searched without the detector's rescue
   * pass (see FaceDetector.detect). `firstInput`: the detector's first input, made ahead by `ready`.
   */
  async analyzeImage(
    img: RgbImage,
    gallery?: Gallery,
    t: StageTimings = newTimings(),
    { videoFrame = false, firstInput }: { videoFrame?: boolean; firstInput?: RgbImage } = {},
  ): Promise<FaceResult[]> {
    let start = performance.now();
    const dets = await this.detector.detect(img, { rescue: !videoFrame, firstInput });
    dets.sort((a, b) => a.box.x - b.box.x);
    t.detectMs += performance.now() - start;
    if (dets.length === 0) return [];

    start = performance.now();
    const embeddings: Float32Array[] = [];
    for (const d of dets) embeddings.push(await this.embedder.embed(img, d.landmarks));
    t.alignEmbedMs += performance.now() - start;

    start = performance.now();
    const views = dets.map((d) => attributeView(img, d.box));
    const [ag, em] = [await this.ageGender.estimate(views), await this.emotion.classify(views)];
    t.attributesMs += performance.now() - start;

    start = performance.now();
    const models = this.modelIds;
    const faces = dets.map((d, i) => ({
      box: d.box,
      score: d.score,
      landmarks: d.landmarks,
      embedding: embeddings[i],
      age: ag[i].age,
      gender: ag[i].gender,
      emotion: em[i],
      identity: gallery ? gallery.match(embeddings[i]) : null,
      models,
    }));
    t.matchMs += performance.now() - start;
    return faces;
  }

  async analyzeBuffer(buf: Buffer, gallery?: Gallery, t?: StageTimings): Promise<ImageAnalysis> {
    const img = await this.decode(buf, t);
    return { width: img.width, height: img.height, faces: await this.analyzeImage(img, gallery, t) };
  }

  async analyzeFile(file: string, gallery?: Gallery, t?: StageTimings): Promise<ImageAnalysis> {
    return this.analyzeBuffer(await readFile(file), gallery, t);
  }

  /** Embeddings of every face, largest first (no attributes): what enrolment and `embed` need. */
  async embedFaces(img: RgbImage): Promise<{ box: FaceResult['box']; score: number; embedding: Float32Array }[]> {
    const dets = (await this.detector.detect(img)).sort((a, b) => area(b.box) - area(a.box));
    const out = [];
    for (const d of dets) out.push({ box: d.box, score: d.score, embedding: await this.embedder.embed(img, d.landmarks) });
    return out;
  }

  /**
   * Builds a gallery from a folder with one sub-folder of photos per person. Each photo contributes its
   * largest face; a photo with no face, or that cannot be read, is reported and skipped.
   */
  async enrolFolder(dir: string, rule?: NamingRule): Promise<{ gallery: Gallery; issues: EnrolmentIssue[] }> {
    const gallery = new Gallery(rule);
    const issues: EnrolmentIssue[] = [];
    for (const person of await listGalleryFolder(dir)) {
      for (const file of person.files) {
        try {
          const faces = await this.embedFaces(await this.decode(await readFile(file)));
          if (faces.length === 0) issues.push({ file, reason: 'no face found' });
          else gallery.add(person.name, faces[0].embedding, file);
        } catch (err) {
          issues.push({ file, reason: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    return { gallery, issues };
  }
}
