import { alignFace, applyAffine, ARCFACE_TEMPLATE_112, invertAffine, similarityTransform, warpAffine } from './align';
import { squareCrop, tensorLength, toNchwNormalized, toNhwcFloat } from './crop';
import { createHash } from 'node:crypto';
import type { Affine, Point, RgbImage } from './types';

const gradient = (w: number, h: number): RgbImage => {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x % 256, y % 256, 128], (y * w + x) * 3);
  return { data, width: w, height: h };
};

describe('similarityTransform', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const angle = 0.3;
    const s = 1.7;
    const m: Affine = [s * Math.cos(angle), -s * Math.sin(angle), 12, s * Math.sin(angle), s * Math.cos(angle), -4];
    const src: Point[] = [[10, 10], [50, 12], [30, 40], [15, 60], [45, 62]];
    const dst = src.map((p) => applyAffine(m, p));
    const est = similarityTransform(src, dst);
    est.forEach((v, i) => expect(v).toBeCloseTo(m[i], 9));
  });

  it('never reflects, even when the target is a mirror image', () => {
    const src: Point[] = [[0, 0], [10, 0], [5, 8]];
    const mirrored: Point[] = src.map(([x, y]) => [-x, y]);
    const m = similarityTransform(src, mirrored);
    expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThanOrEqual(0);
  });

  it('maps landmarks on the template onto the template', () => {
    const m = similarityTransform(ARCFACE_TEMPLATE_112, ARCFACE_TEMPLATE_112);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 9));
  });

  it('rejects degenerate input', () => {
    expect(() => similarityTransform([[1, 1]], [[1, 1]])).toThrow(RangeError);
    expect(() => similarityTransform([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow(/same point/);
  });

  it('inverts an affine transform', () => {
    const m: Affine = [2, 0.5, 3, -0.5, 2, 7];
    const p = applyAffine(invertAffine(m), applyAffine(m, [4, 9]));
    expect(p[0]).toBeCloseTo(4);
    expect(p[1]).toBeCloseTo(9);
  });
});

describe('warpAffine and crops', () => {
  it('copies pixels through the identity and pads outside with zeros', () => {
    const img = gradient(8, 8);
    const same = warpAffine(img, [1, 0, 0, 0, 1, 0], 8, 8);
    expect(Array.from(same.data)).toEqual(Array.from(img.data));
    const shifted = warpAffine(img, [1, 0, 4, 0, 1, 0], 8, 8); // output x = input x + 4
    expect(Array.from(shifted.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(shifted.data.subarray(4 * 3, 4 * 3 + 3))).toEqual([0, 0, 128]);
  });

  it('aligns a face so its landmarks land on the template', () => {
    // A synthetic image where each landmark is a bright dot; after alignment the dots sit on the template.
    const img: RgbImage = { data: new Uint8Array(400 * 400 * 3), width: 400, height: 400 };
    const lm: Point[] = ARCFACE_TEMPLATE_112.map(([x, y]) => [Math.round(100 + x * 2), Math.round(80 + y * 2)]);
    for (const [x, y] of lm)
      for (let dy = -3; dy <= 3; dy++)
        for (let dx = -3; dx <= 3; dx++) img.data.fill(255, ((y + dy) * 400 + x + dx) * 3, ((y + dy) * 400 + x + dx) * 3 + 3);
    const out = alignFace(img, lm);
    for (const [x, y] of ARCFACE_TEMPLATE_112) expect(out.data[(Math.round(y) * 112 + Math.round(x)) * 3]).toBeGreaterThan(100);
  });

  it('square crops a box, zero-padding past the image edge', () => {
    const img = gradient(100, 100);
    const crop = squareCrop(img, { x: 80, y: 40, width: 40, height: 20 }, 1, 40);
    expect(crop.width).toBe(40);
    // the crop spans x 80..120, y 30..70: its right half is outside the image
    expect(Array.from(crop.data.subarray((20 * 40 + 39) * 3, (20 * 40 + 39) * 3 + 3))).toEqual([0, 0, 0]);
    expect(crop.data[(20 * 40 + 5) * 3]).toBe(85);
    expect(crop.data[(20 * 40 + 5) * 3 + 1]).toBe(50);
  });

  it('lays out tensors as NHWC raw and NCHW normalised', () => {
    const c: RgbImage = { data: new Uint8Array([255, 0, 51]), width: 1, height: 1 };
    expect(Array.from(toNhwcFloat([c, c]))).toEqual([255, 0, 51, 255, 0, 51]);
    const n = toNchwNormalized(c, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
    expect(Array.from(n).map((v) => Number(v.toFixed(3)))).toEqual([1, -1, -0.6]);
  });

  it('writes an NHWC tensor into a given buffer whole, and refuses one of another length', () => {
    const c: RgbImage = { data: new Uint8Array([255, 0, 51]), width: 1, height: 1 };
    expect(tensorLength([c, c])).toBe(6);
    const reused = new Float32Array(6).fill(7);
    expect(toNhwcFloat([c, c], reused)).toBe(reused);
    expect(Array.from(reused)).toEqual([255, 0, 51, 255, 0, 51]);
    expect(() => toNhwcFloat([c], reused)).toThrow(RangeError);
  });
});

/**
 * The crops feed every model and every figure `eval` measured, so a change made for speed must leave each pixel as it
 * was. One hash over many warps of a noise image: faces of 20 to 333 px between the eyes (every shrink path: none,
 * sub-sampled, box pre-filtered), tilted, at the image's corners (reads outside it), and square crops past its edges.
 */
describe('warp pixels', () => {
  it('stay bit for bit what they were', () => {
    const w = 1200;
    const h = 900;
    const img: RgbImage = { data: new Uint8Array(w * h * 3), width: w, height: h };
    let seed = 1;
    for (let i = 0; i < img.data.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      img.data[i] = seed >>> 24;
    }
    const face = (cx: number, cy: number, eye: number, angle: number): Point[] => {
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      const shape: Point[] = [[-0.5, -0.35], [0.5, -0.35], [0, 0.05], [-0.4, 0.5], [0.4, 0.5]];
      return shape.map(([x, y]) => [cx + eye * (c * x - s * y), cy + eye * (s * x + c * y)]);
    };
    const hash = createHash('sha256');
    const add = (name: string, out: RgbImage) => hash.update(name).update(out.data);
    for (const eye of [20, 45, 70, 95, 130, 200, 333])
      for (const angle of [0, 0.21, -0.7])
        for (const [cx, cy] of [[600, 450], [40, 30], [1180, 880]])
          add(`align eye=${eye} angle=${angle} at ${cx},${cy}`, alignFace(img, face(cx, cy, eye, angle)));
    for (const side of [50, 112, 150, 224, 300, 337, 600, 1000])
      for (const [x, y] of [[300, 200], [-30, 700], [1100, 10]])
        add(`square side=${side} at ${x},${y}`, squareCrop(img, { x, y, width: side, height: side * 0.8 }, 1, 112));
    add('outside', warpAffine(img, [0.1, 0, -500, 0, 0.1, -500], 112, 112));
    add('mirror-ish shear', warpAffine(img, [0.3, 0.1, 5, -0.05, 0.35, 7], 112, 112));
    expect(hash.digest('hex')).toBe('6067db44d0ed324e7b06a64c414b78ebe8735f568ef365f57d4b932e597f1eec');
  });
});
