import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { FrameLinks } from '../frames/frame-links';
import type { FaceDto, FrameDto, MediaDto, MediaSummaryDto } from './media.dto';
import { frameStatus, mediaStatus } from './media-status';
import { MediaReadRepository, type FrameFaceRow, type MediaRow } from './media.read-repository';

/** Which frames of a media one answer holds. */
export interface FramesPage {
  framesOffset: number;
  framesLimit: number;
}

/** The media a tenant uploaded, with the pipeline's results, as the API shows them. */
@Injectable()
export class MediaService {
  constructor(
    @Inject(MediaReadRepository) private readonly media: MediaReadRepository,
    @Inject(FrameLinks) private readonly links: FrameLinks,
  ) {}

  /**
   * Two queries whatever the number of frames: the media with its progress counts, then one page of frames joined
   * to their faces.
   */
  async get(
    tenantId: string,
    mediaId: string,
    page: FramesPage = { framesOffset: 0, framesLimit: 100 },
  ): Promise<MediaDto> {
    const row = await this.media.get(tenantId, mediaId);
    if (!row) throw new NotFoundException('media not found');
    const rows = await this.media.framesWithFaces(tenantId, mediaId, {
      offset: page.framesOffset,
      limit: page.framesLimit,
    });
    return {
      ...summary(row),
      framesTotal: row.frames,
      framesOffset: page.framesOffset,
      framesLimit: page.framesLimit,
      frames: this.frames(tenantId, rows),
    };
  }

  async list(tenantId: string, opts: { cameraId?: string; limit: number }): Promise<MediaSummaryDto[]> {
    return (await this.media.list(tenantId, opts)).map(summary);
  }

  /** Folds the flat frame x face rows (ordered by frame index, then face index) into frames holding their faces. */
  private frames(tenantId: string, rows: FrameFaceRow[]): FrameDto[] {
    const now = Date.now(); // one expiry for every link of the response
    const frames: { dto: FrameDto; pendingFaces: number }[] = [];
    let current: (typeof frames)[number] | undefined;
    for (const r of rows) {
      if (current?.dto.id !== r.frameId) {
        current = {
          dto: {
            id: r.frameId,
            index: r.index,
            timeMs: r.timeMs,
            capturedAt: r.capturedAt,
            status: r.status,
            error: r.error,
            width: r.width,
            height: r.height,
            annotatedUrl: this.links.annotatedUrl(tenantId, r.frameId, now),
            faces: [],
          },
          pendingFaces: 0,
        };
        frames.push(current);
      }
      if (r.faceId === null) continue; // a frame without faces
      current.dto.faces.push(face(r));
      if (!r.complete) current.pendingFaces++;
    }
    return frames.map(({ dto, pendingFaces }) => ({ ...dto, status: frameStatus(dto.status, pendingFaces) }));
  }
}

function summary(m: MediaRow): MediaSummaryDto {
  return {
    id: m.id,
    kind: m.kind,
    purpose: m.purpose,
    status: mediaStatus(m),
    error: m.storedStatus === 'failed' ? (m.error ?? 'processing failed') : null,
    cameraId: m.cameraId,
    identityId: m.identityId,
    capturedAt: m.capturedAt,
    createdAt: m.createdAt,
    frameCount: m.frameCount,
  };
}

/** A face row of framesWithFaces (faceId set) as the API shows it. */
function face(r: FrameFaceRow): FaceDto {
  return {
    id: r.faceId!,
    box: [r.boxX!, r.boxY!, r.boxW!, r.boxH!],
    score: r.score!,
    identity:
      r.identityId === null
        ? null
        : { id: r.identityId, name: r.identityName!, category: r.identityCategory!, similarity: r.similarity },
    visitorId: r.visitorId,
    trackId: r.trackId,
    age: r.age,
    gender: r.gender === null ? null : { label: r.gender, confidence: r.genderConfidence },
    emotion: r.emotion === null ? null : { label: r.emotion, scores: r.emotionScores ?? {} },
  };
}
