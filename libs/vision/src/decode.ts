import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from './types';

// libvips keeps recent operations and their pixels (up to 50 MB) in case the same image is processed again; every
// image here is processed once, so the cache only held memory in each worker that decodes.
sharp.cache(false);

/** File endings of the images StoreLens reads (what sharp decodes here); uploads are sniffed by content instead. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.bmp',
  '.avif',
]);

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** Why an input could not be used as an image; `reason` is safe to show to the user. */
export class ImageDecodeError extends Error {
  constructor(
    readonly reason: 'empty' | 'not-an-image' | 'corrupt' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). */
  maxPixels?: number;
}

export const DEFAULT_MAX_PIXELS = 50_000_000;

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'bmp']);

/** The description an sRGB profile of IEC 61966-2-1 gives itself ("sRGB IEC61966-2.1", "sRGB IEC61966-2-1 ..."). */
const SRGB_DESCRIPTION = /^sRGB IEC61966-2[.-]1/;

/**
 * Whether an embedded ICC profile is the sRGB one that decoding converts to anyway: the device model 'IEC sRGB' in
 * its header (the HP/Microsoft profile most cameras and editors embed) or an ICC v2 description naming IEC
 * 61966-2-1. Converting such an image from its profile to sRGB changes no pixel (0 of the fixture photos' values
 * moved by more than 1) yet ran a colour transform over every pixel: 26 ms of the 105 ms a 2000x1428 photo took to
 * decode. Any other profile (Display P3, ProPhoto, Adobe RGB) is still converted.
 */
export function isSrgbProfile(icc: Uint8Array | undefined): boolean {
  if (!icc || icc.length < 132) return false;
  const b = Buffer.from(icc.buffer, icc.byteOffset, icc.length);
  if (b.toString('latin1', 36, 40) !== 'acsp') return false;
  if (b.toString('latin1', 48, 56) === 'IEC sRGB') return true;
  const tags = b.readUInt32BE(128);
  for (let i = 0; i < tags && 132 + (i + 1) * 12 <= b.length; i++) {
    const at = 132 + i * 12;
    if (b.toString('latin1', at, at + 4) !== 'desc') continue;
    const offset = b.readUInt32BE(at + 4);
    if (offset + 12 > b.length || b.toString('latin1', offset, offset + 4) !== 'desc') return false;
    const length = Math.min(b.readUInt32BE(offset + 8), b.length - offset - 12);
    return SRGB_DESCRIPTION.test(b.toString('latin1', offset + 12, offset + 12 + length));
  }
  return false;
}

/**
 * Decodes JPEG, PNG (8/16-bit, with or without alpha), WebP, GIF (first frame), TIFF to 8-bit RGB with the EXIF
 * orientation applied. The header is read first so that a huge image is refused before any pixel is allocated.
 */
export async function decodeImage(input: Buffer, opts: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (input.length === 0) throw new ImageDecodeError('empty', 'empty file');
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, pages: 1 }).metadata();
  } catch {
    throw new ImageDecodeError('not-an-image', 'not a supported image (JPEG, PNG, WebP, GIF, TIFF)');
  }
  if (!meta.format || !SUPPORTED.has(meta.format) || !meta.width || !meta.height) {
    throw new ImageDecodeError('not-an-image', `not a supported image (format ${meta.format ?? 'unknown'})`);
  }
  const pixels = meta.width * (meta.pageHeight ?? meta.height);
  if (pixels > maxPixels) {
    throw new ImageDecodeError(
      'too-large',
      `image is ${meta.width}x${meta.pageHeight ?? meta.height} (${(pixels / 1e6).toFixed(0)} MP), over the ${(maxPixels / 1e6).toFixed(0)} MP limit`,
    );
  }
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: maxPixels,
      pages: 1,
      failOn: 'truncated',
      ignoreIcc: isSrgbProfile(meta.icc),
    })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ImageDecodeError('corrupt', `corrupt or truncated ${meta.format} image: ${detail}`);
  }
}

/** Resizes an RGB image with sharp (anti-aliased), used to bring a frame to the detector's input size. */
export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (width === img.width && height === img.height) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Encodes an RGB image as JPEG. */
export async function encodeJpeg(img: RgbImage, quality = 90): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
