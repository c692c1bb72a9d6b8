import {
  letterboxGeometry,
  nms,
  resizeRgb,
  scaleDetection,
  toPaddedChw,
  type Detection,
  type RgbImage,
} from '@storelens/vision';
import { decodeYunet } from '../decode/yunet';
import type { OnnxSession } from '../onnx/session';
import { TensorPool } from '../onnx/tensor-pool';
import { openModel, type ModelOptions } from './model-base';

export interface DetectorOptions extends ModelOptions {
  /** YuNet score threshold (OpenCV's default 0.9: at 0.6 paintings gave false faces) */
  threshold?: number;
  /** faces smaller than this (shorter box side, original pixels) are dropped */
  minFaceSize?: number;
  /** search a faceless image once more, shrunk inside a padded input (default on; see `rescue`) */
  rescue?: boolean;
}

/** The detector's input sizes. YuNet misses faces that fill a large input, and tiny faces in a shrunk one,
 * so a large image may be searched at two scales and the results merged. */
const PRIMARY_SIDE = 640;
const DETAIL_SIDE = 1280;
const NMS_IOU = 0.3;
/**
 * The rescue pass for an image where nothing was found: YuNet scores a face that fills most of its input low
 * (0.4-0.9, INFRA.md), as in tight portrait crops and enrolment photos. The image is shrunk to 1/RESCUE_PAD of a
 * RESCUE_SIDE input (top-left, zero padding) so the face is of a size YuNet knows, and a face there counts from
 * RESCUE_THRESHOLD. On fixtures/demographics this found the face in 46 of the 47 photos the main pass missed
 * (scores 0.85-0.91, all central), and nothing on the fixture photos with their faces painted out; at 0.9 it found 17
 * (README, "Missed faces"). It only runs when the main pass found nothing, so it cannot add a face next to a found one.
 */
export const RESCUE_PAD = 2;
export const RESCUE_THRESHOLD = 0.8;
/**
 * A rescued face must be at least this fraction of the image's shorter side: the main pass fails on faces too big
 * for it, while a small face it missed at full resolution and "found" shrunk is most likely not a face (at 0.8 the
 * pass also marked a 90 px patch in the corner of a 448 px portrait).
 */
export const RESCUE_MIN_FRACTION = 0.25;
const RESCUE_SIDE = 640;

/**
 * When the first (640-px) pass leaves a reason to search a large image again at 1280 px. The detail pass is
 * about as costly as the first one again and twice that on its own, so it runs only when:
 * - the first pass found no face at the threshold (a crowd far away, or faces the small input blurred away);
 * - it found a face small at its scale (under `smallSide` input pixels): where one small face is, more that are
 *   smaller still may be;
 * - it saw a candidate scoring between `hintScore` and the threshold: a face too blurred at 640 to be sure of.
 * A large photo of a few people close up, the common case of an upload, is searched once.
 */
export interface DetailPassRule {
  smallSide: number;
  hintScore: number;
}

export const DETAIL_PASS_RULE: DetailPassRule = { smallSide: 40, hintScore: 0.5 };

/** `candidates`: the first pass's detections down to `rule.hintScore`, in its input pixels. */
export function needsDetailPass(
  candidates: readonly Detection[],
  threshold: number,
  rule: DetailPassRule = DETAIL_PASS_RULE,
): boolean {
  const sure = candidates.filter((d) => d.score >= threshold);
  if (sure.length === 0) return true;
  if (sure.some((d) => Math.min(d.box.width, d.box.height) < rule.smallSide)) return true;
  return candidates.some((d) => d.score >= rule.hintScore && d.score < threshold);
}

/** YuNet face detector with five landmarks per face. */
export class FaceDetector {
  /** the input tensors' memory, reused: a detect call fills one at a time (first pass, detail pass, rescue) */
  readonly inputs = new TensorPool();

  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
    private readonly threshold: number,
    private readonly minFaceSize: number,
    private readonly rescueEnabled: boolean,
  ) {}

  static async create(opts: DetectorOptions): Promise<FaceDetector> {
    const { entry, session } = await openModel('detector', opts);
    return new FaceDetector(session, entry.id, opts.threshold ?? 0.9, opts.minFaceSize ?? 20, opts.rescue ?? true);
  }

  /**
   * Faces in the image, best score first, in original image coordinates. `rescue: false` skips the rescue pass:
   * for video frames, where it reported faces in more frames without naming anyone in more of them, and would cost
   * a pass on every empty frame; it pays on photos (portraits, enrolment photos). `firstInput`: the image already
   * shrunk for the first pass (by `firstInput(img)`), so that a caller can have it made ahead, off the main thread.
   */
  async detect(
    img: RgbImage,
    { rescue = this.rescueEnabled, firstInput }: { rescue?: boolean; firstInput?: RgbImage } = {},
  ): Promise<Detection[]> {
    const longSide = Math.max(img.width, img.height);
    const large = longSide > PRIMARY_SIDE * 1.25;
    // on a large image, candidates below the threshold are kept from the first pass: they decide the second
    const primary = await this.detectAt(
      img,
      PRIMARY_SIDE,
      large ? Math.min(this.threshold, DETAIL_PASS_RULE.hintScore) : this.threshold,
      firstInput,
    );
    const found = primary.detections.filter((d) => d.score >= this.threshold);
    if (large && needsDetailPass(primary.inInput, this.threshold)) {
      found.push(...(await this.detectAt(img, Math.min(longSide, DETAIL_SIDE), this.threshold)).detections);
    }
    const faces = this.keep(found);
    if (faces.length || !rescue) return faces;
    const minSide = RESCUE_MIN_FRACTION * Math.min(img.width, img.height);
    return this.keep(await this.rescue(img)).filter((d) => Math.min(d.box.width, d.box.height) >= minSide);
  }

  /** The image shrunk to 1/pad of a RESCUE_SIDE input, so a face that filled the image fills 1/pad of the input. */
  async rescue(img: RgbImage, pad = RESCUE_PAD, threshold = Math.min(this.threshold, RESCUE_THRESHOLD)): Promise<Detection[]> {
    const side = RESCUE_SIDE / pad;
    const scale = side / Math.max(img.width, img.height);
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    const inputW = Math.ceil((w * pad) / 32) * 32;
    const inputH = Math.ceil((h * pad) / 32) * 32;
    return (await this.run(await resizeRgb(img, w, h), inputW, inputH, w / img.width, threshold)).detections;
  }

  private keep(found: Detection[]): Detection[] {
    return nms(found, NMS_IOU).filter((d) => Math.min(d.box.width, d.box.height) >= this.minFaceSize);
  }

  /** The image shrunk (in libvips' threads) to the size the first pass reads: pass it to `detect` as `firstInput`. */
  async firstInput(img: RgbImage): Promise<RgbImage> {
    const g = letterboxGeometry(img.width, img.height, PRIMARY_SIDE, 32);
    return resizeRgb(img, g.scaledWidth, g.scaledHeight);
  }

  private async detectAt(
    img: RgbImage,
    maxSide: number,
    threshold: number,
    made?: RgbImage,
  ): Promise<{ detections: Detection[]; inInput: Detection[] }> {
    const g = letterboxGeometry(img.width, img.height, maxSide, 32);
    const fits = made && made.width === g.scaledWidth && made.height === g.scaledHeight;
    const scaled = fits ? made : await resizeRgb(img, g.scaledWidth, g.scaledHeight);
    return this.run(scaled, g.inputWidth, g.inputHeight, g.scaledWidth / img.width, threshold);
  }

  /**
   * YuNet on `scaled` placed top-left in an inputW x inputH input: the detections in input pixels (after NMS) and
   * mapped back to the image by 1/scale.
   */
  private async run(
    scaled: RgbImage,
    inputW: number,
    inputH: number,
    scale: number,
    threshold: number,
  ): Promise<{ detections: Detection[]; inInput: Detection[] }> {
    const out = await this.inputs.use(3 * inputW * inputH, (buffer) => {
      const input = toPaddedChw(scaled.data, scaled.width, scaled.height, inputW, inputH, 'bgr', buffer);
      return this.session.run({ input: { data: input, dims: [1, 3, inputH, inputW] } });
    });
    const inInput = nms(decodeYunet(out, inputW, inputH, threshold), NMS_IOU);
    return { detections: inInput.map((d) => scaleDetection(d, scale)), inInput };
  }
}
