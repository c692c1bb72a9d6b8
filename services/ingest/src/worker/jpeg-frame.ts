import sharp from 'sharp';

/** An upload whose own bytes can be the frame: width and height as decoded, metadata stripped. */
export interface ReusableJpeg {
  bytes: Buffer;
  width: number;
  height: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const ICC_PROFILE = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * The upload's own bytes as its frame, when decoding and re-encoding it would give the same picture: a baseline or
 * progressive 3-channel sRGB JPEG that needs no EXIF rotation, within `maxPixels`, ending in its EOI marker (a
 * truncated file does not, and goes to the full decode that reports it). Its metadata segments (EXIF, XMP, IPTC,
 * comments) are dropped as the re-encode drops them; what decoding depends on (JFIF, the ICC profile, Adobe's
 * colour transform) is kept, so the frame decodes to the upload's pixels. Anything else returns null: decode it.
 */
export async function reusableJpeg(input: Buffer, maxPixels: number): Promise<ReusableJpeg | null> {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== SOI) return null;
  if (input[input.length - 2] !== 0xff || input[input.length - 1] !== EOI) return null;
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, pages: 1 }).metadata();
  } catch {
    return null;
  }
  if (meta.format !== 'jpeg' || !meta.width || !meta.height) return null;
  if (meta.width * meta.height > maxPixels) return null;
  if (meta.orientation !== undefined && meta.orientation !== 1) return null;
  if (meta.space !== 'srgb' || meta.channels !== 3 || meta.hasAlpha) return null;
  const bytes = stripMetadata(input);
  if (!bytes) return null;
  return { bytes, width: meta.width, height: meta.height };
}

/** The JPEG without its APPn metadata and comment segments, or null when its marker structure is not as expected. */
export function stripMetadata(input: Buffer): Buffer | null {
  const parts: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  for (;;) {
    if (at + 4 > input.length || input[at] !== 0xff) return null;
    const marker = input[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === SOS) break; // the entropy-coded data and everything after it stay as they are
    if (marker === SOI || marker === EOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return null;
    const length = input.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > input.length) return null;
    const end = at + 2 + length;
    if (keepSegment(marker, input.subarray(at + 4, end))) parts.push(input.subarray(at, end));
    at = end;
  }
  parts.push(input.subarray(at));
  return Buffer.concat(parts);
}

function keepSegment(marker: number, body: Buffer): boolean {
  if (marker === COM) return false;
  if (marker < APP0 || marker > 0xef) return true; // tables, frame header, restart interval
  if (marker === APP0 || marker === APP14) return true; // JFIF, Adobe (colour transform)
  return marker === APP2 && body.subarray(0, ICC_PROFILE.length).equals(ICC_PROFILE);
}
