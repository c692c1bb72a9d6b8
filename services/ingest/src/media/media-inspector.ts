import { fromFile } from 'file-type';
import sharp from 'sharp';
import { withoutServerPaths, type MediaKind } from '@storelens/contracts';
import { probeVideo, VideoError } from '@storelens/media';

/** What an upload turned out to be, judged by its bytes (never by its name or the client's content type). */
export interface InspectedMedia {
  kind: MediaKind;
  mime: string;
  /** For the object key: jpg, png, mp4, ... */
  extension: string;
  width: number;
  height: number;
  /** Videos only, when the container states it. */
  durationMs: number | null;
  /** Videos only: the container's creation time, when it states one. */
  createdAt: Date | null;
}

/**
 * Why an upload is refused: `empty` (nothing was sent), `unsupported` (a kind of file StoreLens does not take),
 * `invalid` (the right kind of file, but unusable: over the pixel limit, no video stream, unreadable header).
 * The message is written for the client.
 */
export class MediaRejectedError extends Error {
  override readonly name = 'MediaRejectedError';
  constructor(
    readonly reason: 'empty' | 'unsupported' | 'invalid',
    message: string,
  ) {
    super(withoutServerPaths(message));
  }
}

/** Image formats the frame decoder (decodeImage, through sharp's bundled libvips) reads. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif']);

export interface InspectOptions {
  /** Refuse images with more pixels than this (decompression bombs), as the decoder would. */
  maxPixels: number;
  /** Enrolment takes photos only; camera media may also be video. */
  accept: 'image' | 'image-or-video';
}

const megapixels = (n: number) => `${Number((n / 1e6).toFixed(1))} MP`;

/**
 * Sniffs an uploaded file and checks it as far as can be done cheaply: an image's header (size within the pixel
 * limit) or a video's streams (ffprobe). Decoding every pixel or frame is the ingest worker's job, so a file
 * that is truncated further in is accepted here and fails there with a reason.
 */
export async function inspectMedia(file: string, size: number, opts: InspectOptions): Promise<InspectedMedia> {
  if (size === 0) throw new MediaRejectedError('empty', 'empty file');
  const type = await fromFile(file);
  const mime = type?.mime ?? 'unknown';
  const extension = type?.ext ?? '';
  if (IMAGE_TYPES.has(mime)) return inspectImage(file, mime, extension, opts.maxPixels);
  if (mime.startsWith('video/')) {
    if (opts.accept === 'image') {
      throw new MediaRejectedError('unsupported', `unsupported media type: ${mime} (an enrolment needs a photo)`);
    }
    return inspectVideo(file, mime, extension);
  }
  throw new MediaRejectedError('unsupported', `unsupported media type: ${mime}`);
}

async function inspectImage(file: string, mime: string, extension: string, maxPixels: number): Promise<InspectedMedia> {
  let meta: sharp.Metadata;
  try {
    // The header only: no pixel is decoded, so a decompression bomb costs nothing here.
    meta = await sharp(file, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new MediaRejectedError('invalid', `not a readable ${mime} image: ${detail}`);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new MediaRejectedError('invalid', `the ${mime} image has no size`);
  if (width * height > maxPixels) {
    throw new MediaRejectedError('invalid', `image is ${width}x${height}, over the ${megapixels(maxPixels)} limit`);
  }
  return { kind: 'image', mime, extension, width, height, durationMs: null, createdAt: null };
}

async function inspectVideo(file: string, mime: string, extension: string): Promise<InspectedMedia> {
  try {
    const info = await probeVideo(file);
    return {
      kind: 'video',
      mime,
      extension,
      width: info.width,
      height: info.height,
      durationMs: info.durationMs,
      createdAt: info.createdAt,
    };
  } catch (err) {
    // A missing ffprobe is the server's problem, not the upload's: let it surface as a 500.
    if (err instanceof VideoError && err.reason !== 'ffmpeg-missing') {
      throw new MediaRejectedError('invalid', err.message);
    }
    throw err;
  }
}
