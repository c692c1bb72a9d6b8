import { Inject, Injectable } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StoreLensConfig } from '@storelens/config';
import { JobName, type JobOf } from '@storelens/contracts';
import { CameraRepository, FrameRepository, MediaRepository, type Media, type SampledFrame } from '@storelens/db';
import { videoFrames, VideoError } from '@storelens/media';
import { InjectConfig } from '@storelens/platform';
import { PermanentJobError, QueueService, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { frameKey, ObjectNotFoundError, ObjectStore, type MediaOrigin } from '@storelens/storage';
import { decodeImage, encodeJpeg, ImageDecodeError, type RgbImage } from '@storelens/vision';
import { failedPayload, failureReason, FailureRecorder } from '@storelens/worker-kit';
import { reusableJpeg } from './jpeg-frame';

/**
 * Frames saved and sent to detection together: large enough that a long video costs few round trips, small enough
 * that detection starts on the first seconds of a video while the rest is still being sampled.
 */
export const FRAME_BATCH = 25;

/** The highest sampling rate videoFrames takes. */
const MAX_SAMPLING_FPS = 60;

/**
 * Turns a stored upload into frames (the work behind the `ingest-media` job; IngestConsumer feeds it). An image
 * becomes one frame (decoded, EXIF-rotated and re-encoded as JPEG, which also drops its metadata; a JPEG that needs
 * no rotation or colour conversion is stored as uploaded with its metadata segments stripped, see reusableJpeg); a
 * video is sampled at its camera's fps, one frame in memory at a time. Each frame goes to the object store under its
 * frameKey, its row is upserted and `detect-faces` is queued, batch by batch. Every step is keyed by (media, frame
 * index), so a replay after a crash rewrites the same objects and rows and re-queues jobs that the deterministic job
 * ids deduplicate.
 */
@Injectable()
export class MediaSamplingService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
    @Inject(FrameRepository) private readonly frames: FrameRepository,
    @Inject(ObjectStore) private readonly objects: ObjectStore,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
  ) {}

  async ingestMedia({ tenantId, mediaId }: JobOf<'ingest-media'>, ctx: JobContext): Promise<JobOutcome> {
    const media = await this.media.get(tenantId, mediaId);
    if (!media) return skip(ctx, 'media no longer exists');
    if (media.status === 'failed' || media.status === 'done') return skip(ctx, `media is ${media.status}`);
    // Set only once every frame is stored and queued, so a job that got this far has nothing left to do.
    if (media.frameCount !== null) return skip(ctx, 'frames already sampled');
    const origin = await this.originOf(media);
    if (!origin) return skip(ctx, 'camera no longer exists');

    await this.media.setStatus(tenantId, mediaId, 'processing');
    // An image is read into memory (it is decoded from memory anyway); a video goes to a file for ffmpeg.
    const count =
      media.kind === 'image'
        ? await this.sampleImage(media, origin, await this.fetch(media.objectKey))
        : await this.withDownload(media.objectKey, (file) => this.sampleVideo(media, origin, file));
    await this.media.setFrameCount(tenantId, mediaId, count, media.kind === 'video' ? media.durationMs : undefined);
    ctx.logger.info({ mediaId, kind: media.kind, frames: count }, 'media sampled');
    return 'done';
  }

  /** A job that will not run again: the media is marked failed with the reason, for the client to see. */
  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.IngestMedia, failure);
    if (payload) await this.failures.mediaFailed(payload.tenantId, payload.mediaId, failureReason(failure));
  }

  /** Where the media's derived objects go: under its camera, or under uploads/ for an enrolment photo. */
  private async originOf(media: Media): Promise<(MediaOrigin & { fps: number | null }) | null> {
    if (media.cameraId === null) return { tenantId: media.tenantId, storeId: null, cameraId: null, fps: null };
    const camera = await this.cameras.get(media.tenantId, media.cameraId);
    if (!camera) return null;
    return { tenantId: media.tenantId, storeId: camera.storeId, cameraId: camera.id, fps: camera.fps };
  }

  private async withDownload<T>(key: string, use: (file: string) => Promise<T>): Promise<T> {
    const work = await mkdtemp(path.join(tmpdir(), 'storelens-ingest-'));
    try {
      const file = path.join(work, 'media');
      try {
        await pipeline(await this.objects.getStream(key), createWriteStream(file));
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw missingUpload(key);
        throw err;
      }
      return await use(file);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async fetch(key: string): Promise<Buffer> {
    try {
      return await this.objects.get(key);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw missingUpload(key);
      throw err;
    }
  }

  private async sampleImage(media: Media, origin: MediaOrigin, bytes: Buffer): Promise<number> {
    const maxPixels = this.cfg.vision.maxPixels;
    // A JPEG that decoding would not change is stored as it came (metadata stripped): no decode and re-encode.
    const reusable = await reusableJpeg(bytes, maxPixels);
    if (reusable) {
      const { width, height } = reusable;
      const frame = await this.putFrame(media, origin, { index: 0, timeMs: 0, width, height }, reusable.bytes);
      await this.saveBatch(media.tenantId, [frame]);
      return 1;
    }
    let image: RgbImage;
    try {
      image = await decodeImage(bytes, { maxPixels });
    } catch (err) {
      if (err instanceof ImageDecodeError) throw new PermanentJobError(err.message, { cause: err });
      throw err;
    }
    const frame = await this.storeFrame(media, origin, { index: 0, timeMs: 0, image });
    await this.saveBatch(media.tenantId, [frame]);
    return 1;
  }

  private async sampleVideo(media: Media, origin: MediaOrigin & { fps: number | null }, file: string): Promise<number> {
    if (origin.fps === null)
      throw new PermanentJobError('a video needs a camera to sample it at (enrolment takes photos)');
    if (!(origin.fps > 0 && origin.fps <= MAX_SAMPLING_FPS)) {
      throw new PermanentJobError(`camera fps ${origin.fps} is outside (0, ${MAX_SAMPLING_FPS}]`);
    }
    let batch: SampledFrame[] = [];
    let count = 0;
    const maxFrames = this.cfg.media.maxFramesPerMedia;
    try {
      for await (const sampled of videoFrames(file, { fps: origin.fps })) {
        // the upload was checked by its stated duration; a file that says less than it holds stops here
        if (count >= maxFrames) {
          throw new PermanentJobError(
            `the video has more than ${maxFrames} frames at the camera's ${origin.fps} fps (MAX_FRAMES_PER_MEDIA)`,
          );
        }
        batch.push(await this.storeFrame(media, origin, sampled));
        count++;
        if (batch.length === FRAME_BATCH) {
          await this.saveBatch(media.tenantId, batch);
          batch = [];
        }
      }
    } catch (err) {
      // The file cannot become frames (no video stream, undecodable); a missing ffmpeg is ours to fix, so retry.
      if (err instanceof VideoError && err.reason !== 'ffmpeg-missing') {
        throw new PermanentJobError(err.message, { cause: err });
      }
      throw err;
    }
    await this.saveBatch(media.tenantId, batch);
    return count;
  }

  /** Encodes one frame as JPEG and stores it under its frameKey (the same key on a replay). */
  private async storeFrame(
    media: Media,
    origin: MediaOrigin,
    { index, timeMs, image }: { index: number; timeMs: number; image: RgbImage },
  ): Promise<SampledFrame> {
    const { width, height } = image;
    return this.putFrame(media, origin, { index, timeMs, width, height }, await encodeJpeg(image));
  }

  /** Stores one frame's JPEG bytes under its frameKey. */
  private async putFrame(
    media: Media,
    origin: MediaOrigin,
    { index, timeMs, width, height }: { index: number; timeMs: number; width: number; height: number },
    jpeg: Buffer,
  ): Promise<SampledFrame> {
    const capturedAt = new Date(media.capturedAt.getTime() + timeMs);
    const objectKey = frameKey({ ...origin, mediaId: media.id, capturedAt, frameIndex: index });
    await this.objects.put(objectKey, jpeg, 'image/jpeg');
    return { mediaId: media.id, index, timeMs, capturedAt, objectKey, width, height };
  }

  /** Upserts the frames' rows and queues their detection (deduplicated by job id when replayed). */
  private async saveBatch(tenantId: string, batch: SampledFrame[]): Promise<void> {
    if (batch.length === 0) return;
    const saved = await this.frames.upsertMany(tenantId, batch);
    await this.queues.enqueueMany(
      JobName.DetectFaces,
      saved.map((f) => ({ tenantId, frameId: f.id })),
    );
  }
}

function missingUpload(key: string): PermanentJobError {
  return new PermanentJobError(`the uploaded file is missing: ${key}`);
}

function skip(ctx: JobContext, why: string): JobOutcome {
  ctx.logger.info({ why }, 'ingest skipped');
  return 'skipped';
}
