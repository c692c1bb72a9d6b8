import { Inject, Injectable } from '@nestjs/common';
import { JobName, type JobOf } from '@storelens/contracts';
import { EmbeddingRepository, FaceRepository, type Face, type Media } from '@storelens/db';
import { FaceEmbedder } from '@storelens/inference';
import { Metrics } from '@storelens/platform';
import { PermanentJobError, QueueService, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { FaceCropStore, FailureRecorder, failedPayload, failureReason } from '@storelens/worker-kit';

const ALIGNED_SIZE = 112;

/**
 * embed-face: the face's aligned crop in, its 128-d vector stored (stamped with the model), then the next step:
 * identification for camera faces, enrolment for a face of an enrolment photo.
 */
@Injectable()
export class FaceEmbeddingService {
  constructor(
    @Inject(FaceRepository) private readonly faces: FaceRepository,
    @Inject(EmbeddingRepository) private readonly embeddings: EmbeddingRepository,
    @Inject(FaceCropStore) private readonly crops: FaceCropStore,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(FaceEmbedder) private readonly embedder: FaceEmbedder,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async embedFace({ tenantId, faceId }: JobOf<'embed-face'>, { logger }: JobContext): Promise<JobOutcome> {
    // the face, its media (where it goes next) and any embedding it has, in one read
    const context = await this.faces.context(tenantId, faceId);
    if (!context) return 'skipped';
    const { face, media } = context;
    const embedded = context.embedding?.modelId === this.embedder.modelId;
    if (!embedded) {
      const vector = await this.embedder.embedAligned(await this.alignedCrop(face));
      await this.embeddings.upsert(tenantId, faceId, Array.from(vector), this.embedder.modelId);
      this.metrics.faces.inc({ stage: 'embedding' });
    }
    // Also when already embedded: an earlier run may have stopped between storing the vector and enqueueing.
    const next = await this.enqueueNext(face, media);
    logger.debug({ faceId, next, embedded }, 'face embedded');
    return embedded ? 'skipped' : 'done';
  }

  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.EmbedFace, failure);
    if (payload) await this.failures.faceFailed(payload.tenantId, payload.faceId, failureReason(failure));
  }

  private async alignedCrop(face: Face) {
    if (!face.cropKey) throw new PermanentJobError('face has no stored crop to embed');
    const crop = await this.crops.load(face.cropKey, 'aligned');
    if (!crop) throw new PermanentJobError('aligned face crop is missing from the object store');
    if (crop.width !== ALIGNED_SIZE || crop.height !== ALIGNED_SIZE) {
      throw new PermanentJobError(`aligned face crop is ${crop.width}x${crop.height}, expected 112x112`);
    }
    return crop;
  }

  /** Which job the face goes to next. */
  private async enqueueNext(face: Face, media: Media): Promise<JobName> {
    const { tenantId } = face;
    if (media.purpose === 'enrolment' && media.identityId) {
      await this.queues.enqueue(JobName.EnrolIdentityMedia, {
        tenantId,
        identityId: media.identityId,
        mediaId: media.id,
      });
      return JobName.EnrolIdentityMedia;
    }
    await this.queues.enqueue(JobName.ClassifyFace, { tenantId, faceId: face.id });
    return JobName.ClassifyFace;
  }
}
