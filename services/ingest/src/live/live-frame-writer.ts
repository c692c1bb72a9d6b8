import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { StoreLensConfig } from '@storelens/config';
import { JobName } from '@storelens/contracts';
import { FrameRepository, LiveCameraRepository, type LiveCamera } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { QueueService } from '@storelens/queue';
import { frameKey, mediaKey, ObjectStore } from '@storelens/storage';
import { jpegSize } from './jpeg-stream';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Stores a live frame the way an uploaded video's frames are stored, so detection and everything after it cannot
 * tell them apart: the JPEG under its frameKey, a frame row, a detect-faces job. The frame belongs to its camera's
 * media of the current segment (LIVE_SEGMENT_MINUTES, an hour by default): segments keep a live camera's media
 * bounded in size and let retention expire a camera's past hour by hour, exactly like uploads. A frame's index is
 * its millisecond offset in the segment, so a replica that takes the camera over mid-segment cannot collide with
 * the frames written before it.
 */
@Injectable()
export class LiveFrameWriter {
  private readonly segments = new Map<string, { start: number; mediaId: string }>();

  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(LiveCameraRepository) private readonly live: LiveCameraRepository,
    @Inject(FrameRepository) private readonly frames: FrameRepository,
    @Inject(ObjectStore) private readonly objects: ObjectStore,
    @Inject(QueueService) private readonly queues: QueueService,
  ) {}

  async write(camera: LiveCamera, jpeg: Buffer, capturedAt: Date): Promise<string> {
    const size = jpegSize(jpeg);
    if (!size) throw new Error('ffmpeg produced a frame that is not a JPEG');
    const segmentMs = this.cfg.live.segmentMinutes * 60_000;
    const start = Math.floor(capturedAt.getTime() / segmentMs) * segmentMs;
    const mediaId = await this.segment(camera, start);
    const index = capturedAt.getTime() - start;
    const origin = { tenantId: camera.tenantId, storeId: camera.storeId, cameraId: camera.id };
    const objectKey = frameKey({ ...origin, mediaId, capturedAt, frameIndex: index });
    await this.objects.put(objectKey, jpeg, 'image/jpeg');
    const frame = await this.frames.upsert(camera.tenantId, {
      mediaId,
      index,
      timeMs: index,
      capturedAt,
      objectKey,
      ...size,
    });
    await this.queues.enqueue(JobName.DetectFaces, { tenantId: camera.tenantId, frameId: frame.id });
    return frame.id;
  }

  private async segment(camera: LiveCamera, start: number): Promise<string> {
    const known = this.segments.get(camera.id);
    if (known?.start === start) return known.mediaId;
    const id = randomUUID();
    const startAt = new Date(start);
    const mediaId = await this.live.ensureSegment(camera.tenantId, camera.id, {
      id,
      start: startAt,
      objectKey: mediaKey({
        tenantId: camera.tenantId,
        storeId: camera.storeId,
        cameraId: camera.id,
        mediaId: id,
        capturedAt: startAt,
        extension: 'live',
      }),
      // no bytes to hash: the segment's identity stands in, so the column keeps meaning "what this media is"
      sha256: createHash('sha256').update(`live:${camera.id}:${startAt.toISOString()}`).digest('hex'),
      expiresAt: new Date(start + this.cfg.retention.days * DAY_MS),
    });
    this.segments.set(camera.id, { start, mediaId });
    return mediaId;
  }
}
