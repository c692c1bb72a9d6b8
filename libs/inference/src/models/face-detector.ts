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
import { openModel, type ModelOptions } from './model-base';

export interface DetectorOptions extends ModelOptions {
  /** YuNet score threshold (OpenCV's default 0.9: at 0.6 paintings gave false faces) */
  threshold?: number;
  /** faces smaller than this (shorter box side, original pixels) are dropped */
  minFaceSize?: number;
}

/** The detector's input sizes. YuNet misses faces that fill a large input, and tiny faces in a shrunk one,
 * so a large image may be searched at two scales and the results merged. */
const PRIMARY_SIDE = 640;
const DETAIL_SIDE = 1280;
const NMS_IOU = 0.3;

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
  private constructor(
    private readonly session: OnnxSession,
    readonly modelId: string,
    private readonly threshold: number,
    private readonly minFaceSize: number,
  ) {}

  static async create(opts: DetectorOptions = {}): Promise<FaceDetector> {
    const { entry, session } = await openModel('detector', opts);
    return new FaceDetector(session, entry.id, opts.threshold ?? 0.9, opts.minFaceSize ?? 20);
  }

  /** Faces in the image, best score first, in original image coordinates. */
  async detect(img: RgbImage): Promise<Detection[]> {
    const longSide = Math.max(img.width, img.height);
    const large = longSide > PRIMARY_SIDE * 1.25;
    // on a large image, candidates below the threshold are kept from the first pass: they decide the second
    const primary = await this.detectAt(
      img,
      PRIMARY_SIDE,
      large ? Math.min(this.threshold, DETAIL_PASS_RULE.hintScore) : this.threshold,
    );
    const found = primary.detections.filter((d) => d.score >= this.threshold);
    if (large && needsDetailPass(primary.inInput, this.threshold)) {
      found.push(...(await this.detectAt(img, Math.min(longSide, DETAIL_SIDE), this.threshold)).detections);
    }
    return nms(found, NMS_IOU).filter((d) => Math.min(d.box.width, d.box.height) >= this.minFaceSize);
  }

  private async detectAt(
    img: RgbImage,
    maxSide: number,
    threshold: number,
  ): Promise<{ detections: Detection[]; inInput: Detection[] }> {
    const g = letterboxGeometry(img.width, img.height, maxSide, 32);
    const scaled = await resizeRgb(img, g.scaledWidth, g.scaledHeight);
    const input = toPaddedChw(scaled.data, scaled.width, scaled.height, g.inputWidth, g.inputHeight, 'bgr');
    const out = await this.session.run({ input: { data: input, dims: [1, 3, g.inputHeight, g.inputWidth] } });
    const inInput = nms(decodeYunet(out, g.inputWidth, g.inputHeight, threshold), NMS_IOU);
    const sx = g.scaledWidth / img.width;
    return { detections: inInput.map((d) => scaleDetection(d, sx)), inInput };
  }
}
