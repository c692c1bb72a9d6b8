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
 * so a large image is searched at two scales and the results merged. */
const PRIMARY_SIDE = 640;
const DETAIL_SIDE = 1280;
const NMS_IOU = 0.3;

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
    const sides = [PRIMARY_SIDE];
    if (longSide > PRIMARY_SIDE * 1.25) sides.push(Math.min(longSide, DETAIL_SIDE));
    const found: Detection[] = [];
    for (const side of sides) found.push(...(await this.detectAt(img, side)));
    return nms(found, NMS_IOU).filter((d) => Math.min(d.box.width, d.box.height) >= this.minFaceSize);
  }

  private async detectAt(img: RgbImage, maxSide: number): Promise<Detection[]> {
    const g = letterboxGeometry(img.width, img.height, maxSide, 32);
    const scaled = await resizeRgb(img, g.scaledWidth, g.scaledHeight);
    const input = toPaddedChw(scaled.data, scaled.width, scaled.height, g.inputWidth, g.inputHeight, 'bgr');
    const out = await this.session.run({ input: { data: input, dims: [1, 3, g.inputHeight, g.inputWidth] } });
    const dets = decodeYunet(out, g.inputWidth, g.inputHeight, this.threshold);
    const sx = g.scaledWidth / img.width;
    return nms(dets, NMS_IOU).map((d) => scaleDetection(d, sx));
  }
}
