import { BadRequestException, UnprocessableEntityException } from '@nestjs/common';

/** The earliest capture time taken: nothing StoreLens analyses was recorded before digital store cameras. */
export const EARLIEST_CAPTURE = new Date('2000-01-01T00:00:00Z');
/** How far ahead of the server's clock a capture time may be (camera clocks drift, time zones get mixed up). */
export const CAPTURE_CLOCK_SKEW_MS = 24 * 3600 * 1000;

/** A capturedAt within [2000-01-01, now + 1 day]: a year 0001 or 9999 breaks hour folders, retention and analytics. */
export function checkCapturedAt(capturedAt: Date, now: Date): void {
  const latest = new Date(now.getTime() + CAPTURE_CLOCK_SKEW_MS);
  if (capturedAt < EARLIEST_CAPTURE || capturedAt > latest) {
    throw new BadRequestException(
      `capturedAt: must lie between ${EARLIEST_CAPTURE.toISOString()} and one day from now (${latest.toISOString()})`,
    );
  }
}

/** How many frames a video of this length becomes when sampled at `fps` (one at 0 s, then one every 1/fps s). */
export function expectedFrames(durationMs: number, fps: number): number {
  return Math.floor((durationMs / 1000) * fps) + 1;
}

/**
 * Refuses, before anything is stored, a video that would become more than MAX_FRAMES_PER_MEDIA frames at its
 * camera's rate (422, naming the limit). The ingest worker caps sampling at the same limit for a file whose stated
 * duration is wrong.
 */
export function checkFrameBudget(durationMs: number | null, fps: number, maxFrames: number): void {
  if (durationMs === null) return;
  const frames = expectedFrames(durationMs, fps);
  if (frames > maxFrames) {
    throw new UnprocessableEntityException(
      `the video would become ${frames} frames at the camera's ${fps} fps, over the limit of ${maxFrames} frames ` +
        `per media (MAX_FRAMES_PER_MEDIA): upload it in shorter parts or lower the camera's fps`,
    );
  }
}
