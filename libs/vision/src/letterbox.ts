/** How an image is scaled into a model input: kept aspect ratio, top-left aligned, zero padding. */
export interface LetterboxGeometry {
  /** scaled size / original size */
  scale: number;
  /** size of the scaled image inside the input */
  scaledWidth: number;
  scaledHeight: number;
  /** size of the model input (scaled image plus padding) */
  inputWidth: number;
  inputHeight: number;
}

/**
 * Fits a width x height image into at most maxSide on its longer side (never upscaling past maxSide, and
 * upscaling only when allowed), then pads right and bottom to a multiple of `multiple` (YuNet needs 32).
 */
export function letterboxGeometry(
  width: number,
  height: number,
  maxSide: number,
  multiple = 32,
  allowUpscale = false,
): LetterboxGeometry {
  if (width <= 0 || height <= 0) throw new RangeError(`image size must be positive, got ${width}x${height}`);
  let scale = maxSide / Math.max(width, height);
  if (!allowUpscale) scale = Math.min(1, scale);
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  const up = (v: number) => Math.max(multiple, Math.ceil(v / multiple) * multiple);
  return { scale, scaledWidth, scaledHeight, inputWidth: up(scaledWidth), inputHeight: up(scaledHeight) };
}

/**
 * Copies an RGB (HWC) image into a zero-padded planar float tensor (CHW), in BGR or RGB channel order,
 * with values left as 0-255: YuNet takes raw BGR.
 */
export function toPaddedChw(
  rgb: Uint8Array,
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
  order: 'rgb' | 'bgr',
): Float32Array {
  const plane = inputWidth * inputHeight;
  const out = new Float32Array(3 * plane);
  const [c0, c2] = order === 'bgr' ? [2, 0] : [0, 2];
  for (let y = 0; y < height; y++) {
    let src = y * width * 3;
    let dst = y * inputWidth;
    for (let x = 0; x < width; x++, src += 3, dst++) {
      out[dst] = rgb[src + c0];
      out[plane + dst] = rgb[src + 1];
      out[2 * plane + dst] = rgb[src + c2];
    }
  }
  return out;
}
