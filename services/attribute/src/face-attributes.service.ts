import { Inject, Injectable } from '@nestjs/common';
import { JobName, type JobOf } from '@storelens/contracts';
import { FaceRepository } from '@storelens/db';
import { AgeGenderEstimator, EmotionClassifier } from '@storelens/inference';
import { Metrics } from '@storelens/platform';
import { PermanentJobError, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { FaceCropStore, FailureRecorder, failedPayload, failureReason } from '@storelens/worker-kit';

/**
 * describe-face: the face's attribute crop in, age, gender (with the confidence the fairness rule gives) and
 * emotion (with all seven scores) out. One face per call: faces arrive one job at a time, and a batch of one
 * costs the same per face as the CLI's batches at this size.
 */
@Injectable()
export class FaceAttributesService {
  /** Both models, as stamped on the face: results of another pair are recomputed. */
  readonly modelId: string;

  constructor(
    @Inject(FaceRepository) private readonly faces: FaceRepository,
    @Inject(FaceCropStore) private readonly crops: FaceCropStore,
    @Inject(AgeGenderEstimator) private readonly ageGender: AgeGenderEstimator,
    @Inject(EmotionClassifier) private readonly emotion: EmotionClassifier,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    this.modelId = `${ageGender.modelId}+${emotion.modelId}`;
  }

  async describeFace({ tenantId, faceId }: JobOf<'describe-face'>, { logger }: JobContext): Promise<JobOutcome> {
    const face = await this.faces.get(tenantId, faceId);
    if (!face || face.attributeModelId === this.modelId) return 'skipped';
    if (!face.cropKey) throw new PermanentJobError('face has no stored crop to describe');
    const crop = await this.crops.load(face.cropKey, 'attribute');
    if (!crop) throw new PermanentJobError('attribute face crop is missing from the object store');

    const [[ag], [emotion]] = [await this.ageGender.estimate([crop]), await this.emotion.classify([crop])];
    const stored = await this.faces.setAttributes(tenantId, faceId, {
      age: ag.age,
      gender: ag.gender.label,
      genderConfidence: ag.gender.confidence,
      emotion: emotion.label,
      emotionScores: emotion.scores,
      modelId: this.modelId,
    });
    if (!stored) return 'skipped'; // the face was deleted while the models ran
    this.metrics.faces.inc({ stage: 'attribute' });
    logger.debug({ faceId, age: ag.age, gender: ag.gender.label, emotion: emotion.label }, 'face described');
    return 'done';
  }

  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.DescribeFace, failure);
    if (payload) await this.failures.faceFailed(payload.tenantId, payload.faceId, failureReason(failure));
  }
}
