import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { JobName, type JobOf } from '@storelens/contracts';
import { FaceRepository, FrameRepository, MediaRepository, type Frame } from '@storelens/db';
import { FaceDetector, attributeView } from '@storelens/inference';
import { InjectConfig, Metrics } from '@storelens/platform';
import { PermanentJobError, QueueService, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { ObjectNotFoundError, ObjectStore } from '@storelens/storage';
import { alignFace, decodeImage, ImageDecodeError, type RgbImage } from '@storelens/vision';
import { FaceCropStore, FailureRecorder, failedPayload, failureReason } from '@storelens/worker-kit';
import { rejectionOf } from './rejection';

/** The embedder's input: 112x112 aligned to the ArcFace template. */
const ALIGNED_SIZE = 112;

/**
 * detect-faces: one frame in, its faces out. Every write is keyed by the frame and the face's position (left to
 * right), so running the job again after a crash rewrites the same rows and objects; the frame is marked done
 * last, and a frame already done (or failed) is skipped.
 */
@Injectable()
export class FaceDetectionService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(FrameRepository) private readonly frames: FrameRepository,
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(FaceRepository) private readonly faces: FaceRepository,
    @Inject(ObjectStore) private readonly store: ObjectStore,
    @Inject(FaceCropStore) private readonly crops: FaceCropStore,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(FaceDetector) private readonly detector: FaceDetector,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async detectFaces({ tenantId, frameId }: JobOf<'detect-faces'>, { logger }: JobContext): Promise<JobOutcome> {
    // the frame, its media and its camera, in one read
    const context = await this.frames.context(tenantId, frameId);
    // deleted meanwhile (retention, tenant removed), or finished by an earlier run of this job
    if (!context || context.frame.status === 'done' || context.frame.status === 'failed') return 'skipped';
    const { frame, media, camera } = context;
    if (media.cameraId && !camera) return 'skipped';
    await this.frames.setStatus(tenantId, frameId, 'processing');

    // the frame's earlier faces (a re-run) are read while the frame is fetched and decoded
    const [img, previous] = await Promise.all([this.loadFrame(frame), this.faces.listByFrame(tenantId, frameId)]);
    // the rescue pass pays on photos (enrolment photos above all), not on video frames
    const detections = (await this.detector.detect(img, { rescue: media.kind === 'image' })).sort(
      (a, b) => a.box.x - b.box.x,
    );

    const rejection = rejectionOf(media, detections.length);
    if (rejection) {
      // No face of a rejected photo is kept: nothing gets enrolled from it, and no biometric crop stays behind.
      await this.faces.saveDetections(tenantId, frameId, [], this.detector.modelId);
      await Promise.all(previous.filter((f) => f.cropKey).map((f) => this.crops.remove(f.cropKey!)));
      await this.media.setStatus(tenantId, media.id, 'failed', rejection);
      await this.frames.setStatus(tenantId, frameId, 'done');
      logger.info({ frameId, mediaId: media.id, faces: detections.length, reason: rejection }, 'media rejected');
      return 'done';
    }

    const stored = await Promise.all(
      detections.map(async (d, faceIndex) => {
        const cropKey = await this.crops.save(
          {
            tenantId,
            storeId: camera?.storeId ?? null,
            cameraId: media.cameraId,
            mediaId: media.id,
            capturedAt: frame.capturedAt,
            frameIndex: frame.index,
            faceIndex,
          },
          { aligned: alignFace(img, d.landmarks, ALIGNED_SIZE), attribute: attributeView(img, d.box) },
        );
        return {
          box: { x: d.box.x, y: d.box.y, w: d.box.width, h: d.box.height },
          score: d.score,
          landmarks: d.landmarks,
          cropKey,
        };
      }),
    );
    const faces = await this.faces.saveDetections(tenantId, frameId, stored, this.detector.modelId);
    // a re-run that finds fewer faces (e.g. a new detector), or that stores crops under a new layout, leaves no
    // crops behind that no face names
    const named = new Set(stored.map((f) => f.cropKey));
    await Promise.all(
      previous.filter((f) => f.cropKey && !named.has(f.cropKey)).map((f) => this.crops.remove(f.cropKey!)),
    );

    const payloads = faces.map((f) => ({ tenantId, faceId: f.id }));
    await Promise.all([
      this.queues.enqueueMany(JobName.EmbedFace, payloads),
      this.queues.enqueueMany(JobName.DescribeFace, payloads),
    ]);
    await this.frames.setStatus(tenantId, frameId, 'done');
    this.metrics.faces.inc({ stage: 'detection' }, faces.length);
    logger.debug({ frameId, faces: faces.length }, 'faces detected');
    return 'done';
  }

  /** Marks the frame failed with the reason (and its media, when the frame is all there is of it). */
  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.DetectFaces, failure);
    if (payload) await this.failures.frameFailed(payload.tenantId, payload.frameId, failureReason(failure));
  }

  /** The frame's pixels; a missing or unreadable image is permanent (retrying reads the same bytes). */
  private async loadFrame(frame: Frame): Promise<RgbImage> {
    let bytes: Buffer;
    try {
      bytes = await this.store.get(frame.objectKey);
    } catch (err) {
      if (err instanceof ObjectNotFoundError)
        throw new PermanentJobError('frame image is missing from the object store');
      throw err;
    }
    try {
      return await decodeImage(bytes, { maxPixels: this.cfg.vision.maxPixels });
    } catch (err) {
      if (err instanceof ImageDecodeError) {
        throw new PermanentJobError(`frame image cannot be read: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
}
