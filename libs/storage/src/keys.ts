/**
 * Where each kind of object lives in the bucket. Pure functions, so producer and consumer agree without a lookup.
 *
 *   t/<tenant>/s/<store>/c/<camera>/<yyyy>/<mm>/<dd>/<hh>/<media>.<ext>                  uploaded media
 *   t/<tenant>/s/<store>/c/<camera>/<yyyy>/<mm>/<dd>/<hh>/<media>-<frame>.jpg            sampled frame
 *   t/<tenant>/s/<store>/c/<camera>/<yyyy>/<mm>/<dd>/<hh>/<media>-<frame>.face-<nn>.jpg  aligned face crop
 *   t/<tenant>/s/<store>/c/<camera>/<yyyy>/<mm>/<dd>/<hh>/<media>-<frame>.annotated.jpg  frame with boxes drawn
 *   t/<tenant>/uploads/<yyyy>/<mm>/<dd>/<hh>/...                                          same names, media not
 *                                                                                         from a camera (enrolment photos)
 *
 * The tenant comes first so one prefix removes a tenant; the capture hour (UTC) comes next so retention can remove
 * whole hours per camera; everything derived from one media item shares its name stem, so objects sort together.
 */

/** The camera a media item came from, or null store and camera for uploads that did not come from a camera. */
export interface MediaOrigin {
  tenantId: string;
  storeId: string | null;
  cameraId: string | null;
}

export interface MediaRef extends MediaOrigin {
  mediaId: string;
  /** When the media was recorded (for a video, its start); decides the hour folder. */
  capturedAt: Date;
}

export interface FrameRef extends MediaOrigin {
  mediaId: string;
  /** When this frame was recorded; decides the hour folder. */
  capturedAt: Date;
  /** The frame's position in the media (0 for an image). */
  frameIndex: number;
}

export interface FaceRef extends FrameRef {
  /** The face's position within its frame. */
  faceIndex: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Ids become path segments: anything else (a '/', '..', an empty string) would let one key reach into another. */
function segment(name: string, value: string): string {
  if (!SEGMENT.test(value)) throw new Error(`${name} cannot be used in an object key: ${JSON.stringify(value)}`);
  return value;
}

function counter(name: string, value: number, width: number): string {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return String(value).padStart(width, '0');
}

const two = (n: number) => String(n).padStart(2, '0');

function hourFolder(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new Error('capturedAt is not a valid date');
  return `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${two(at.getUTCHours())}`;
}

/** `t/<tenant>/`: everything a tenant owns, for removal when the tenant is deleted. */
export function tenantPrefix(tenantId: string): string {
  return `t/${segment('tenantId', tenantId)}/`;
}

function originPrefix({ tenantId, storeId, cameraId }: MediaOrigin): string {
  if (storeId === null && cameraId === null) return `${tenantPrefix(tenantId)}uploads/`;
  if (storeId === null || cameraId === null) throw new Error('storeId and cameraId must both be given or both be null');
  return `${tenantPrefix(tenantId)}s/${segment('storeId', storeId)}/c/${segment('cameraId', cameraId)}/`;
}

function frameStem(ref: FrameRef): string {
  return `${originPrefix(ref)}${hourFolder(ref.capturedAt)}/${segment('mediaId', ref.mediaId)}-${counter('frameIndex', ref.frameIndex, 6)}`;
}

/** The uploaded file itself, e.g. `.../2026/11/28/13/<media>.mp4`. */
export function mediaKey(ref: MediaRef & { extension: string }): string {
  if (!/^[a-z0-9]{1,8}$/.test(ref.extension)) throw new Error(`bad media extension ${JSON.stringify(ref.extension)}`);
  return `${originPrefix(ref)}${hourFolder(ref.capturedAt)}/${segment('mediaId', ref.mediaId)}.${ref.extension}`;
}

/** A frame sampled from a media item, e.g. `.../2026/11/28/13/<media>-000012.jpg`. */
export function frameKey(ref: FrameRef): string {
  return `${frameStem(ref)}.jpg`;
}

/** The frame with detections drawn on it, beside the frame it was drawn from. */
export function annotatedFrameKey(ref: FrameRef): string {
  return `${frameStem(ref)}.annotated.jpg`;
}

/**
 * What every cached rendering of a frame starts with (`.../<media>-000012.annotated.`; renderings add a version):
 * removing this stem erases every drawing of the frame, e.g. when a person drawn on it is erased.
 */
export function annotatedRenderingsStem(ref: FrameRef): string {
  return `${frameStem(ref)}.annotated.`;
}

/** The aligned crop of one detected face, beside its frame, e.g. `.../<media>-000012.face-03.jpg`. */
export function faceCropKey(ref: FaceRef): string {
  return `${frameStem(ref)}.face-${counter('faceIndex', ref.faceIndex, 2)}.jpg`;
}
