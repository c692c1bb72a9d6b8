import type { Box, Detection, Point } from './types';

export function area(b: Box): number {
  return Math.max(0, b.width) * Math.max(0, b.height);
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: keeps the best-scoring detection of every overlapping group. */
export function nms<T extends { box: Box; score: number }>(items: T[], iouThreshold: number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const it of sorted) {
    if (kept.every((k) => iou(k.box, it.box) <= iouThreshold)) kept.push(it);
  }
  return kept;
}

/** Maps a detection made on a scaled copy of the image (scale = scaled / original) back to the original. */
export function scaleDetection(d: Detection, scale: number): Detection {
  return {
    score: d.score,
    box: { x: d.box.x / scale, y: d.box.y / scale, width: d.box.width / scale, height: d.box.height / scale },
    landmarks: d.landmarks.map(([x, y]) => [x / scale, y / scale] as Point),
  };
}

/** Clips a box to the image; the result may be empty (zero width or height). */
export function clipBox(b: Box, width: number, height: number): Box {
  const x1 = Math.min(width, Math.max(0, b.x));
  const y1 = Math.min(height, Math.max(0, b.y));
  const x2 = Math.min(width, Math.max(0, b.x + b.width));
  const y2 = Math.min(height, Math.max(0, b.y + b.height));
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** A square of side factor * max(w, h) centred on the box (may extend past the image). */
export function squareAround(b: Box, factor: number): Box {
  const side = factor * Math.max(b.width, b.height);
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/** Rounds a box to whole pixels for output. */
export function roundBox(b: Box): [number, number, number, number] {
  return [Math.round(b.x), Math.round(b.y), Math.round(b.width), Math.round(b.height)];
}
