import sharp from 'sharp';
import type { Box, Point, RgbImage } from './types';

export interface FaceLabel {
  box: Box;
  landmarks?: Point[];
  /** e.g. "Barack Obama, male, 47, happy" */
  text: string;
  known: boolean;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** An SVG overlay with a box, the five landmarks and a label per face, scaled to the image size. */
export function annotationSvg(width: number, height: number, faces: FaceLabel[]): string {
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 400));
  const font = Math.max(12, Math.round(Math.max(width, height) / 55));
  const parts = faces.map((f) => {
    const colour = f.known ? '#22c55e' : '#ef4444';
    const { x, y, width: w, height: h } = f.box;
    const textWidth = Math.ceil(f.text.length * font * 0.6) + 8;
    const below = y + h + font + 8 <= height;
    const ty = below ? y + h : Math.max(0, y - font - 8);
    const tx = Math.max(0, Math.min(x, width - textWidth)); // keep the label inside the frame
    const dots = (f.landmarks ?? [])
      .map(([px, py]) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${stroke}" fill="#facc15"/>`)
      .join('');
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      dots +
      `<rect x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" width="${textWidth}" height="${font + 8}" fill="${colour}"/>` +
      `<text x="${(tx + 4).toFixed(1)}" y="${(ty + font + 2).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#ffffff">${escapeXml(f.text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Draws the faces onto the image and returns it as JPEG. */
export async function annotateJpeg(img: RgbImage, faces: FaceLabel[], quality = 88): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(annotationSvg(img.width, img.height, faces)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}

/** Draws the faces onto the image and returns raw RGB of the same size (for video encoding). */
export async function annotateRaw(img: RgbImage, faces: FaceLabel[]): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(annotationSvg(img.width, img.height, faces)), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
}
