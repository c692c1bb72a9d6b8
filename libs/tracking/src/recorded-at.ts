/** What is known about when an upload was recorded, best source first. */
export interface RecordingClues {
  /** The client's `capturedAt` field. */
  capturedAt?: Date | null;
  /** A video container's creation time (ffprobe `format.tags.creation_time`). */
  containerCreatedAt?: Date | null;
  /** A video's length; an upload without other clues ended when it was received. */
  durationMs?: number | null;
  /** When the upload arrived. */
  receivedAt: Date;
}

export type RecordingSource = 'capturedAt' | 'container' | 'received';

/**
 * When a media's first frame was recorded: the client's capturedAt, else the container's creation time, else the
 * upload time minus the duration (a recording is uploaded after it ends). Never so late that a frame would lie
 * in the future: a start later than `receivedAt - duration` is brought back to it (a clock ahead, a bad tag).
 */
export function recordedAt(clues: RecordingClues): { at: Date; source: RecordingSource } {
  const duration = Math.max(0, clues.durationMs ?? 0);
  const latest = clues.receivedAt.getTime() - duration;
  const valid = (d: Date | null | undefined): d is Date => d instanceof Date && Number.isFinite(d.getTime());
  let at: number;
  let source: RecordingSource;
  if (valid(clues.capturedAt)) {
    [at, source] = [clues.capturedAt.getTime(), 'capturedAt'];
  } else if (valid(clues.containerCreatedAt) && clues.containerCreatedAt.getTime() > 0) {
    [at, source] = [clues.containerCreatedAt.getTime(), 'container'];
  } else {
    [at, source] = [latest, 'received'];
  }
  return { at: new Date(Math.min(at, latest)), source };
}
