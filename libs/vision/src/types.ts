/** A point in image pixel coordinates, [x, y]. */
export type Point = [number, number];

/** An axis-aligned box in image pixel coordinates (top-left corner, size). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An 8-bit RGB image, pixels in row-major HWC order (3 bytes per pixel). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A detected face before any per-face model runs. */
export interface Detection {
  box: Box;
  score: number;
  /** Five points: eye on the image's left, eye on the image's right, nose tip, left and right mouth corners. */
  landmarks: Point[];
}

/** A 2x3 affine matrix [a, b, tx, c, d, ty] mapping (x, y) to (a x + b y + tx, c x + d y + ty). */
export type Affine = [number, number, number, number, number, number];
