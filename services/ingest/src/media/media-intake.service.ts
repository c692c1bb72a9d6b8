import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnprocessableEntityException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { StoreLensConfig } from '@storelens/config';
import { JobName } from '@storelens/contracts';
import { MediaRepository, type Camera, type Media } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { QueueService } from '@storelens/queue';
import { recordedAt } from '@storelens/tracking';
import { mediaKey, ObjectStore } from '@storelens/storage';
import { z } from 'zod';
import { inspectMedia, MediaRejectedError } from './media-inspector';
import type { ReceivedUpload } from './upload-receiver';
import { checkCapturedAt, checkFrameBudget } from './upload-bounds';

/** What an upload is for: a camera's recording, or a photo that enrols an identity. */
export type IntakeTarget = { purpose: 'analysis'; camera: Camera } | { purpose: 'enrolment'; identityId: string };

const UploadFields = z.object({
  capturedAt: z.iso
    .datetime({ offset: true, error: 'capturedAt must be an ISO 8601 time, e.g. 2026-11-28T13:45:00Z' })
    .optional(),
});

const DAY_MS = 24 * 3600 * 1000;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Turns a received upload into queued media: checks what it is, stores it in the object store under its media
 * key, records it (status queued, expiring after the retention period) and queues `ingest-media`.
 */
@Injectable()
export class MediaIntake {
  private readonly logger = new Logger(MediaIntake.name);

  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(ObjectStore) private readonly objects: ObjectStore,
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(QueueService) private readonly queues: QueueService,
  ) {}

  async accept(tenantId: string, target: IntakeTarget, upload: ReceivedUpload, now = new Date()): Promise<Media> {
    const fields = UploadFields.safeParse(upload.fields);
    if (!fields.success) throw new BadRequestException(fields.error.issues.map((i) => i.message).join('; '));
    const claimedAt = fields.data.capturedAt ? new Date(fields.data.capturedAt) : null;
    if (claimedAt) checkCapturedAt(claimedAt, now);

    const inspected = await inspectMedia(upload.path, upload.size, {
      maxPixels: this.cfg.vision.maxPixels,
      accept: target.purpose === 'enrolment' ? 'image' : 'image-or-video',
    }).catch((err: unknown) => {
      throw err instanceof MediaRejectedError ? httpRefusal(err) : err;
    });

    // When the first frame was recorded, so that every frame carries its own time and none lies in the future.
    const capturedAt = recordedAt({
      capturedAt: claimedAt,
      containerCreatedAt: inspected.createdAt,
      durationMs: inspected.durationMs,
      receivedAt: now,
    }).at;
    const camera = target.purpose === 'analysis' ? target.camera : null;
    if (camera && inspected.kind === 'video') {
      checkFrameBudget(inspected.durationMs, camera.fps, this.cfg.media.maxFramesPerMedia);
    }
    const id = randomUUID();
    const objectKey = mediaKey({
      tenantId,
      storeId: camera?.storeId ?? null,
      cameraId: camera?.id ?? null,
      mediaId: id,
      capturedAt,
      extension: inspected.extension,
    });
    const sha256 = await sha256Of(upload.path);
    // Streamed from the spooled file with its size known: memory stays flat for a video of any length, and a
    // dropped connection sends the file again instead of failing the upload.
    await this.objects.putFile(objectKey, upload.path, inspected.mime, upload.size);

    let media: Media;
    try {
      media = await this.media.create(tenantId, {
        id,
        cameraId: camera?.id ?? null,
        kind: inspected.kind,
        objectKey,
        sha256,
        bytes: upload.size,
        mime: inspected.mime,
        capturedAt,
        durationMs: inspected.durationMs,
        expiresAt: new Date(now.getTime() + this.cfg.retention.days * DAY_MS),
        purpose: target.purpose,
        identityId: target.purpose === 'enrolment' ? target.identityId : null,
      });
    } catch (err) {
      // No row points at the object: remove it rather than leave it to nobody.
      await this.objects.remove(objectKey).catch(() => undefined);
      throw err;
    }

    try {
      await this.queues.enqueue(JobName.IngestMedia, { tenantId, mediaId: media.id });
    } catch (err) {
      // The client gets no id, so nothing may stay behind: take the row and the object back, then answer 503.
      this.logger.error({ err, mediaId: media.id }, 'could not queue ingest-media; upload taken back');
      await this.media.remove(tenantId, media.id).catch(() => undefined);
      await this.objects.remove(objectKey).catch(() => undefined);
      throw new ServiceUnavailableException('the processing queue is unavailable; upload again shortly');
    }
    return media;
  }
}

/** empty => 400, not a kind of file we take => 415, the right kind but unusable => 422. */
function httpRefusal(err: MediaRejectedError): Error {
  switch (err.reason) {
    case 'empty':
      return new BadRequestException(err.message);
    case 'unsupported':
      return new UnsupportedMediaTypeException(err.message);
    case 'invalid':
      return new UnprocessableEntityException(err.message);
  }
}
