import { squareAround } from './geometry';
import { warpAffine } from './align';
import { outputTensor } from './letterbox';
import type { Affine, Box, RgbImage } from './types';

/**
 * A square crop of side factor * max(w, h) centred on the box, zero-padded outside the image and resampled to
 * size x size with anti-aliasing: the crop the age/gender (factor 1.0) and emotion (1.0) models were chosen with.
 */
export function squareCrop(img: RgbImage, box: Box, factor: number, size: number): RgbImage {
  const sq = squareAround(box, factor);
  const s = size / sq.width;
  // Output pixel u's centre shows the source position sq.x + (u + 0.5) / s, in pixel-centre coordinates.
  const m: Affine = [s, 0, s * (0.5 - sq.x) - 0.5, 0, s, s * (0.5 - sq.y) - 0.5];
  return warpAffine(img, m, size, size);
}

/**
 * Converts RGB crops to NHWC float32 with raw 0-255 values (the face-api models normalise inside the graph). `out`,
 * when given (a reused buffer), must hold exactly the crops' values and is overwritten whole.
 */
export function toNhwcFloat(crops: RgbImage[], out?: Float32Array): Float32Array {
  const per = crops.length ? crops[0].data.length : 0;
  const t = outputTensor(out, per * crops.length);
  crops.forEach((c, i) => {
    if (c.data.length !== per) throw new RangeError('all crops in a batch must have the same size');
    t.set(c.data, i * per);
  });
  return t;
}

/** The crops' number of values in a model input: their pixels times three channels. */
export function tensorLength(crops: readonly RgbImage[]): number {
  return crops.reduce((n, c) => n + c.width * c.height * 3, 0);
}

/** Converts an RGB crop to NCHW float32 normalised per channel: (x/255 - mean) / std. */
export function toNchwNormalized(crop: RgbImage, mean: [number, number, number], std: [number, number, number]): Float32Array {
  const plane = crop.width * crop.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (crop.data[i * 3 + c] / 255 - mean[c]) / std[c];
  }
  return out;
}
