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
 * with values left as 0-255: YuNet takes raw BGR. `out`, when given, must hold exactly 3 x inputWidth x inputHeight
 * values and is overwritten whole, padding included, so a buffer reused from an earlier call is safe: filling a
 * reused 640x640 tensor took 0.8 ms against 3-4 ms for a new one, whose pages the kernel must first hand over.
 */
export function toPaddedChw(
  rgb: Uint8Array,
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
  order: 'rgb' | 'bgr',
  out?: Float32Array,
): Float32Array {
  const plane = inputWidth * inputHeight;
  const fresh = !out;
  const t = outputTensor(out, 3 * plane);
  const [c0, c2] = order === 'bgr' ? [2, 0] : [0, 2];
  for (let y = 0; y < height; y++) {
    let src = y * width * 3;
    let dst = y * inputWidth;
    for (let x = 0; x < width; x++, src += 3, dst++) {
      t[dst] = rgb[src + c0];
      t[plane + dst] = rgb[src + 1];
      t[2 * plane + dst] = rgb[src + c2];
    }
    if (!fresh && width < inputWidth) {
      const padStart = y * inputWidth + width;
      const padEnd = (y + 1) * inputWidth;
      for (let c = 0; c < 3; c++) t.fill(0, c * plane + padStart, c * plane + padEnd);
    }
  }
  if (!fresh && height < inputHeight) {
    for (let c = 0; c < 3; c++) t.fill(0, c * plane + height * inputWidth, (c + 1) * plane);
  }
  return t;
}

/** A model input's memory: `out` (a buffer reused by the caller) when it holds exactly `length` values, or a new one. */
export function outputTensor(out: Float32Array | undefined, length: number): Float32Array {
  if (!out) return new Float32Array(length);
  if (out.length !== length) throw new RangeError(`output holds ${out.length} values, the input needs ${length}`);
  return out;
}
