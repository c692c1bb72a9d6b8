import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseJob, withoutServerPaths, type JobName, type JobOf } from '@storelens/contracts';
import { FaceRepository, FrameRepository, MediaRepository } from '@storelens/db';
import type { JobFailure } from '@storelens/queue';

/** Long enough for any message we write, short enough for a status response (events cap errors at 2000). */
const MAX_REASON = 1000;

/** The reason a user reads for a job that failed for good. */
export function failureReason(failure: JobFailure): string {
  // a client reads this: no server path (temp files, the install folder) in it
  const message = withoutServerPaths(failure.error.message || failure.error.name);
  const reason = failure.permanent ? message : `${message} (gave up after ${failure.attemptsMade} attempts)`;
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

/** The failed job's payload, or null when the payload itself was what was wrong (nothing to record it on). */
export function failedPayload<N extends JobName>(name: N, failure: JobFailure): JobOf<N> | null {
  try {
    return parseJob(name, failure.data);
  } catch {
    return null;
  }
}

/**
 * Records a permanent failure where a user will see it: on the frame, and on the media when the frame is all there
 * is of it (an image, an enrolment photo) so its status says why. A video keeps going when one frame fails.
 */
@Injectable()
export class FailureRecorder {
  private readonly logger = new Logger(FailureRecorder.name);

  constructor(
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(FrameRepository) private readonly frames: FrameRepository,
    @Inject(FaceRepository) private readonly faces: FaceRepository,
  ) {}

  async mediaFailed(tenantId: string, mediaId: string, reason: string): Promise<void> {
    if (!(await this.media.setStatus(tenantId, mediaId, 'failed', reason))) {
      this.logger.warn({ tenantId, mediaId, reason }, 'failed media no longer exists');
    }
  }

  async frameFailed(tenantId: string, frameId: string, reason: string): Promise<void> {
    const frame = await this.frames.get(tenantId, frameId);
    if (!frame) {
      this.logger.warn({ tenantId, frameId, reason }, 'failed frame no longer exists');
      return;
    }
    await this.frames.setStatus(tenantId, frameId, 'failed', reason);
    const media = await this.media.get(tenantId, frame.mediaId);
    if (media && (media.kind === 'image' || media.purpose === 'enrolment')) {
      await this.media.setStatus(tenantId, media.id, 'failed', reason);
    }
  }

  async faceFailed(tenantId: string, faceId: string, reason: string): Promise<void> {
    const face = await this.faces.get(tenantId, faceId);
    if (!face) {
      this.logger.warn({ tenantId, faceId, reason }, 'failed face no longer exists');
      return;
    }
    await this.frameFailed(tenantId, face.frameId, `face ${face.faceIndex}: ${reason}`);
  }
}
