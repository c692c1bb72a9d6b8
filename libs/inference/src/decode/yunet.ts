import type { Detection, Point } from '@storelens/vision';

export const YUNET_STRIDES = [8, 16, 32] as const;

/** YuNet's raw outputs for one image: cls_s, obj_s, bbox_s, kps_s per stride. */
export type YunetOutputs = Record<string, { data: Float32Array }>;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Decodes YuNet's anchor-free outputs for an input of inputWidth x inputHeight into detections in input
 * pixel coordinates (before any NMS). Anchors run row-major per stride: i = r * cols + c.
 */
export function decodeYunet(
  outputs: YunetOutputs,
  inputWidth: number,
  inputHeight: number,
  threshold: number,
): Detection[] {
  const dets: Detection[] = [];
  for (const s of YUNET_STRIDES) {
    const cols = inputWidth / s;
    const rows = inputHeight / s;
    const cls = outputs[`cls_${s}`]?.data;
    const obj = outputs[`obj_${s}`]?.data;
    const bbox = outputs[`bbox_${s}`]?.data;
    const kps = outputs[`kps_${s}`]?.data;
    if (!cls || !obj || !bbox || !kps) throw new Error(`YuNet output for stride ${s} is missing`);
    if (cls.length !== rows * cols)
      throw new Error(`YuNet cls_${s} has ${cls.length} anchors, expected ${rows * cols}`);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
        if (score < threshold) continue;
        const cx = (c + bbox[i * 4]) * s;
        const cy = (r + bbox[i * 4 + 1]) * s;
        const w = Math.exp(bbox[i * 4 + 2]) * s;
        const h = Math.exp(bbox[i * 4 + 3]) * s;
        const landmarks: Point[] = [];
        for (let k = 0; k < 5; k++) landmarks.push([(kps[i * 10 + 2 * k] + c) * s, (kps[i * 10 + 2 * k + 1] + r) * s]);
        dets.push({ box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, score, landmarks });
      }
    }
  }
  return dets;
}
