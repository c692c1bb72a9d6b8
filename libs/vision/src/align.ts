import type { Affine, Point, RgbImage } from './types';

/** The ArcFace 5-point template for a 112x112 crop (eyes, nose tip, mouth corners). */
export const ARCFACE_TEMPLATE_112: Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; never a reflection) taking
 * `src` points onto `dst` points. In 2-D this closed form equals Umeyama's estimate without reflection.
 */
export function similarityTransform(src: Point[], dst: Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) {
    throw new RangeError(`need at least two matching point pairs, got ${src.length} and ${dst.length}`);
  }
  const n = src.length;
  let [sx, sy, dx, dy] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    sx += src[i][0];
    sy += src[i][1];
    dx += dst[i][0];
    dy += dst[i][1];
  }
  [sx, sy, dx, dy] = [sx / n, sy / n, dx / n, dy / n];
  let [num1, num2, den] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx;
    const py = src[i][1] - sy;
    const qx = dst[i][0] - dx;
    const qy = dst[i][1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den === 0) throw new RangeError('source points are all the same point');
  const a = num1 / den;
  const b = num2 / den;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new RangeError('affine transform is not invertible');
  const [a, b, c, d] = [m[4] / det, -m[1] / det, -m[3] / det, m[0] / det];
  return [a, b, -(a * m[2] + b * m[5]), c, d, -(c * m[2] + d * m[5])];
}

/**
 * Averages k x k blocks of the source inside [x0, x1) x [y0, y1) (whole blocks only): a cheap, exact box
 * pre-filter, so that a large face is read once instead of being supersampled many times per output pixel.
 */
function boxDownsample(img: RgbImage, x0: number, y0: number, x1: number, y1: number, k: number): RgbImage {
  const w = Math.floor((x1 - x0) / k);
  const h = Math.floor((y1 - y0) / k);
  const out = new Uint8Array(w * h * 3);
  const acc = new Uint32Array(w * 3);
  const area = k * k;
  const { data, width } = img;
  for (let by = 0; by < h; by++) {
    acc.fill(0);
    for (let dy = 0; dy < k; dy++) {
      let p = ((y0 + by * k + dy) * width + x0) * 3;
      for (let a = 0; a < w * 3; a += 3) {
        // one block's row summed in locals, then added to its block: integer sums, so the order cannot matter
        let r = 0;
        let g = 0;
        let b = 0;
        for (let dx = 0; dx < k; dx++, p += 3) {
          r += data[p];
          g += data[p + 1];
          b += data[p + 2];
        }
        acc[a] += r;
        acc[a + 1] += g;
        acc[a + 2] += b;
      }
    }
    const row = by * w * 3;
    for (let i = 0; i < w * 3; i++) out[row + i] = Math.round(acc[i] / area);
  }
  return { data: out, width: w, height: h };
}

/**
 * The output image whose pixel (u, v) is the mean of n x n bilinear reads of the source around inv(u, v); a read
 * outside the image counts as 0. The reads are written out in the loop (no call, no accumulator array per read):
 * this ran for every output pixel of every face crop, 16 reads a pixel at n = 2, and was the largest cost of cutting
 * crops in the detection stage.
 */
function render(img: RgbImage, inv: Affine, n: number, outWidth: number, outHeight: number): RgbImage {
  const { data, width, height } = img;
  const out = new Uint8Array(outWidth * outHeight * 3);
  const weight = 1 / (n * n);
  // sub-sample offsets, computed as v - 0.5 + (s + 0.5) / n always was, so the crops stay bit for bit the same
  const offsets = new Float64Array(n);
  for (let s = 0; s < n; s++) offsets[s] = (s + 0.5) / n;
  const [m0, m1, m2, m3, m4, m5] = inv;
  let p = 0;
  for (let v = 0; v < outHeight; v++) {
    for (let u = 0; u < outWidth; u++, p += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sj = 0; sj < n; sj++) {
        const vv = n === 1 ? v : v - 0.5 + offsets[sj];
        for (let si = 0; si < n; si++) {
          const uu = n === 1 ? u : u - 0.5 + offsets[si];
          const x = m0 * uu + m1 * vv + m2;
          const y = m3 * uu + m4 * vv + m5;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          const wx0 = 1 - fx;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
            // all four neighbours inside: the common case, without a check per read
            const top = weight * (1 - fy);
            const bottom = weight * fy;
            let q = (y0 * width + x0) * 3;
            let w = top * wx0;
            r += w * data[q];
            g += w * data[q + 1];
            b += w * data[q + 2];
            w = top * fx;
            r += w * data[q + 3];
            g += w * data[q + 4];
            b += w * data[q + 5];
            q += width * 3;
            w = bottom * wx0;
            r += w * data[q];
            g += w * data[q + 1];
            b += w * data[q + 2];
            w = bottom * fx;
            r += w * data[q + 3];
            g += w * data[q + 4];
            b += w * data[q + 5];
            continue;
          }
          for (let j = 0; j < 2; j++) {
            const yy = y0 + j;
            if (yy < 0 || yy >= height) continue;
            const wy = weight * (j === 0 ? 1 - fy : fy);
            for (let i = 0; i < 2; i++) {
              const xx = x0 + i;
              if (xx < 0 || xx >= width) continue;
              const w = wy * (i === 0 ? wx0 : fx);
              const q = (yy * width + xx) * 3;
              r += w * data[q];
              g += w * data[q + 1];
              b += w * data[q + 2];
            }
          }
        }
      }
      out[p] = Math.round(r);
      out[p + 1] = Math.round(g);
      out[p + 2] = Math.round(b);
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

/**
 * Renders the output image whose pixel (u, v) shows source position inverse(m)(u, v), as cv2.warpAffine does.
 * When the warp shrinks the source, the footprint of each output pixel is averaged (a box pre-filter by the
 * whole part of the shrink, then n x n bilinear samples for the rest), so a face that is large in the photo
 * gives the same crop as a small one, without aliasing.
 */
export function warpAffine(img: RgbImage, m: Affine, outWidth: number, outHeight: number): RgbImage {
  const inv = invertAffine(m);
  const shrink = Math.sqrt(Math.abs(inv[0] * inv[4] - inv[1] * inv[3]));
  const k = Math.floor(shrink);
  if (k >= 2) {
    // The source region the output can see, padded by a block so that edge samples have their neighbours.
    const corners = [
      [-1, -1],
      [outWidth, -1],
      [-1, outHeight],
      [outWidth, outHeight],
    ].map(([u, v]) => applyAffine(inv, [u, v]));
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)) - k);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)) - k);
    const x1 = Math.min(img.width, Math.ceil(Math.max(...xs)) + k);
    const y1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + k);
    if (x1 - x0 < k || y1 - y0 < k)
      return { data: new Uint8Array(outWidth * outHeight * 3), width: outWidth, height: outHeight };
    const small = boxDownsample(img, x0, y0, x1, y1, k);
    // source pixel-centre x maps to (x - x0 + 0.5) / k - 0.5 in the downsampled image
    const s = 1 / k;
    const invSmall: Affine = [
      inv[0] * s,
      inv[1] * s,
      (inv[2] - x0 + 0.5) * s - 0.5,
      inv[3] * s,
      inv[4] * s,
      (inv[5] - y0 + 0.5) * s - 0.5,
    ];
    return render(small, invSmall, Math.max(1, Math.ceil(shrink / k - 1e-6)), outWidth, outHeight);
  }
  return render(img, inv, Math.max(1, Math.ceil(shrink - 1e-6)), outWidth, outHeight);
}

/** The 112x112 face crop aligned to the ArcFace template, which the embedding model expects. */
export function alignFace(img: RgbImage, landmarks: Point[], size = 112): RgbImage {
  const template = ARCFACE_TEMPLATE_112.map(([x, y]) => [(x * size) / 112, (y * size) / 112] as Point);
  return warpAffine(img, similarityTransform(landmarks, template), size, size);
}
