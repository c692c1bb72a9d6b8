import { Inject, Injectable } from '@nestjs/common';
import { JobName, type JobOf } from '@storelens/contracts';
import { enrolmentRejection } from '@storelens/decision';
import { FaceRepository, FrameRepository, IdentityRepository, MediaRepository, type Face } from '@storelens/db';
import { PermanentJobError, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { FailureRecorder, failedPayload, failureReason } from '@storelens/worker-kit';

/**
 * enrol-identity-media: the one face of a photo uploaded for an identity becomes one of its reference faces.
 * Detection has already refused photos without exactly one face.
 */
@Injectable()
export class IdentityEnrolmentService {
  constructor(
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(FrameRepository) private readonly frames: FrameRepository,
    @Inject(FaceRepository) private readonly faces: FaceRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
  ) {}

  async enrolMedia(
    { tenantId, identityId, mediaId }: JobOf<'enrol-identity-media'>,
    { logger }: JobContext,
  ): Promise<JobOutcome> {
    const media = await this.media.get(tenantId, mediaId);
    if (!media) return 'skipped'; // removed, e.g. with its identity when that was purged
    if (media.purpose !== 'enrolment' || media.identityId !== identityId) {
      throw new PermanentJobError('the media is not an enrolment photo of this identity');
    }
    if (!(await this.identities.get(tenantId, identityId))) throw new PermanentJobError('identity was deleted');
    const faces = await this.facesOf(tenantId, mediaId);
    const rejection = enrolmentRejection(faces.length);
    if (rejection) throw new PermanentJobError(rejection);
    const [face] = faces as [Face];
    if (face.identityId === identityId && face.similarity === 1) return 'skipped';
    await this.identities.enrolFace(tenantId, identityId, face.id);
    // enrolFace attributes the face without a similarity; a reference face matches its identity exactly
    await this.faces.recordDecision(tenantId, face.id, { identityId, similarity: 1, visitorId: null });
    logger.info({ identityId, mediaId, faceId: face.id }, 'face enrolled');
    return 'done';
  }

  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.EnrolIdentityMedia, failure);
    if (payload) await this.failures.mediaFailed(payload.tenantId, payload.mediaId, failureReason(failure));
  }

  private async facesOf(tenantId: string, mediaId: string): Promise<Face[]> {
    const frames = await this.frames.listByMedia(tenantId, mediaId);
    return (await Promise.all(frames.map((f) => this.faces.listByFrame(tenantId, f.id)))).flat();
  }
}
