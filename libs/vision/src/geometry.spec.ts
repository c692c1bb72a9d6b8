import { clipBox, iou, nms, scaleDetection, squareAround } from './geometry';
import { letterboxGeometry, toPaddedChw } from './letterbox';

describe('geometry', () => {
  it('computes IoU of overlapping, identical and disjoint boxes', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150);
    expect(iou(a, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });

  it('keeps the best of each overlapping group in NMS', () => {
    const dets = [
      { box: { x: 0, y: 0, width: 10, height: 10 }, score: 0.8 },
      { box: { x: 1, y: 1, width: 10, height: 10 }, score: 0.95 },
      { box: { x: 50, y: 50, width: 10, height: 10 }, score: 0.7 },
    ];
    expect(nms(dets, 0.3).map((d) => d.score)).toEqual([0.95, 0.7]);
  });

  it('maps a detection back from a scaled image', () => {
    const d = scaleDetection({ box: { x: 10, y: 20, width: 30, height: 40 }, score: 0.9, landmarks: [[5, 6]] }, 0.5);
    expect(d.box).toEqual({ x: 20, y: 40, width: 60, height: 80 });
    expect(d.landmarks).toEqual([[10, 12]]);
  });

  it('clips boxes and builds squares around them', () => {
    expect(clipBox({ x: -5, y: 5, width: 20, height: 100 }, 10, 50)).toEqual({ x: 0, y: 5, width: 10, height: 45 });
    expect(squareAround({ x: 10, y: 0, width: 20, height: 40 }, 1)).toEqual({ x: 0, y: 0, width: 40, height: 40 });
  });
});

describe('letterbox', () => {
  it('fits the long side, keeps aspect ratio and pads to a multiple of 32', () => {
    const g = letterboxGeometry(2000, 1428, 640);
    expect(g.scale).toBeCloseTo(0.32);
    expect([g.scaledWidth, g.scaledHeight]).toEqual([640, 457]);
    expect([g.inputWidth, g.inputHeight]).toEqual([640, 480]);
  });

  it('never upscales unless asked', () => {
    expect(letterboxGeometry(100, 50, 640)).toMatchObject({ scale: 1, inputWidth: 128, inputHeight: 64 });
    expect(letterboxGeometry(100, 50, 640, 32, true).scaledWidth).toBe(640);
    expect(() => letterboxGeometry(0, 5, 640)).toThrow(RangeError);
  });

  it('writes planar BGR with zero padding', () => {
    const rgb = new Uint8Array([10, 20, 30, 40, 50, 60]); // 2x1
    const t = toPaddedChw(rgb, 2, 1, 4, 2, 'bgr');
    expect(Array.from(t.subarray(0, 8))).toEqual([30, 60, 0, 0, 0, 0, 0, 0]); // B plane
    expect(Array.from(t.subarray(16, 18))).toEqual([10, 40]); // R plane
  });

  it('overwrites a reused buffer whole, padding included', () => {
    const rgb = new Uint8Array([10, 20, 30, 40, 50, 60]); // 2x1
    const reused = new Float32Array(24).fill(99); // what an earlier, larger image left behind
    const t = toPaddedChw(rgb, 2, 1, 4, 2, 'bgr', reused);
    expect(t).toBe(reused);
    expect(Array.from(t)).toEqual(Array.from(toPaddedChw(rgb, 2, 1, 4, 2, 'bgr')));
    expect(() => toPaddedChw(rgb, 2, 1, 4, 2, 'bgr', new Float32Array(23))).toThrow(RangeError);
  });
});
