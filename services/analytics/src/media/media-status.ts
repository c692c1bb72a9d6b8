import type { ProcessingStatus } from '@storelens/contracts';

/** What the pipeline has stored for one media item, counted in SQL (see MediaReadRepository). */
export interface MediaProgress {
  /** media.status as the ingest and detection services recorded it */
  storedStatus: ProcessingStatus;
  /** media.frame_count: null until ingest has finished sampling */
  frameCount: number | null;
  /** frame rows stored so far */
  frames: number;
  /** frames neither done nor failed */
  unfinishedFrames: number;
  /** faces still missing their attributes or their classification decision */
  pendingFaces: number;
}

/**
 * The status a client sees (platform brief §7). No service writes "done" for a media item: the work is spread over
 * four workers, so "done" is derived from the rows they leave behind:
 * - failed: ingest or detection recorded a permanent failure (the reason is in media.error);
 * - queued: ingest has not picked the upload up yet;
 * - done: sampling finished (frameCount set, every sampled frame stored), every frame is done or failed, and every
 *   face has its attributes and a decision;
 * - processing: anything in between.
 */
export function mediaStatus(p: MediaProgress): ProcessingStatus {
  if (p.storedStatus === 'failed') return 'failed';
  if (p.storedStatus === 'queued') return 'queued';
  const sampled = p.frameCount !== null && p.frames >= p.frameCount;
  return sampled && p.unfinishedFrames === 0 && p.pendingFaces === 0 ? 'done' : 'processing';
}

/**
 * A frame's status as shown beside its faces: detection marks a frame done as soon as it has stored the faces, but
 * the frame's results are final only once each face is described and decided.
 */
export function frameStatus(stored: ProcessingStatus, pendingFaces: number): ProcessingStatus {
  if (stored === 'done' && pendingFaces > 0) return 'processing';
  return stored;
}
