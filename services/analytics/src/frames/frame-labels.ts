import { createHash } from 'node:crypto';
import type { FaceLabel } from '@storelens/vision';
import type { FaceRenderRow } from '../media/media.read-repository';

/**
 * Bumped when the drawing changes (label text, colours): part of every rendering's cache key, so old renderings are
 * not served after a deploy.
 */
const RENDER_VERSION = 2;

/**
 * The label of a stored face, in the CLI's style (faceLabel in @storelens/pipeline): "name or Unknown, gender, age,
 * emotion", then its track as `#` and the first 6 characters of the track id (the same person across frames shows
 * the same tag). A face still being described shows only what is known so far.
 */
export function storedFaceLabel(f: FaceRenderRow): FaceLabel {
  const parts = [
    f.identityName ?? 'Unknown',
    f.gender,
    f.age === null ? null : String(Math.round(f.age)),
    f.emotion,
    f.trackId === null ? null : trackTag(f.trackId),
  ].filter((p): p is string => p !== null);
  return {
    box: { x: f.boxX, y: f.boxY, width: f.boxW, height: f.boxH },
    landmarks: f.landmarks,
    text: parts.join(', '),
    known: f.identityName !== null,
  };
}

/**
 * A short hash of everything a rendering shows (the frame image, each box, landmark and label). It names the cached
 * JPEG, so a new decision, new attributes, a renamed or deleted identity or a re-detection all produce a new key and
 * are drawn afresh, while an unchanged frame is served from the cache.
 */
export function renderVersion(frameObjectKey: string, labels: readonly FaceLabel[]): string {
  return createHash('sha256')
    .update(JSON.stringify([RENDER_VERSION, frameObjectKey, labels]))
    .digest('hex')
    .slice(0, 16);
}

/** A short, readable tag for a track in an annotated frame. */
export function trackTag(trackId: string): string {
  return `#${trackId.slice(0, 6)}`;
}
