import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { annotatedRenderingsStem, ObjectNotFoundError, ObjectStore } from '@storelens/storage';
import { annotateJpeg, decodeImage, type FaceLabel } from '@storelens/vision';
import { MediaReadRepository, type FrameRenderRow } from '../media/media.read-repository';
import { renderVersion, storedFaceLabel } from './frame-labels';

export interface AnnotatedFrame {
  jpeg: Buffer;
  /** names this rendering: changes whenever anything drawn on it changes */
  version: string;
}

/**
 * Frames with their faces drawn on, rendered when first asked for and cached in the object store beside the frame.
 * The cache key carries a hash of what is drawn, so a later decision (or new attributes, a renamed or deleted
 * identity) is a cache miss and the frame is drawn again, replacing the rendering it supersedes.
 */
@Injectable()
export class AnnotatedFrameService {
  /** Renderings in progress, so that a burst of requests for one frame draws it once. */
  private readonly inFlight = new Map<string, Promise<Buffer>>();

  constructor(
    @Inject(MediaReadRepository) private readonly media: MediaReadRepository,
    @Inject(ObjectStore) private readonly store: ObjectStore,
  ) {}

  async render(tenantId: string, frameId: string): Promise<AnnotatedFrame> {
    const frame = await this.media.frameForRender(tenantId, frameId);
    if (!frame) throw new NotFoundException('frame not found');
    const labels = (await this.media.facesForRender(tenantId, frameId)).map(storedFaceLabel);
    const version = renderVersion(frame.objectKey, labels);
    const stem = renderingsStem(tenantId, frame);
    const key = `${stem}${version}.jpg`;

    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.cachedOrDrawn(stem, key, frame, labels).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return { jpeg: await pending, version };
  }

  private async cachedOrDrawn(stem: string, key: string, frame: FrameRenderRow, labels: FaceLabel[]): Promise<Buffer> {
    try {
      return await this.store.get(key);
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    }
    let source: Buffer;
    try {
      source = await this.store.get(frame.objectKey);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new NotFoundException('the frame image is no longer stored');
      throw err;
    }
    const jpeg = await annotateJpeg(await decodeImage(source), labels);
    // superseded renderings go, so a frame keeps one (and a name no longer drawn does not linger in the store)
    await this.store.removeStem(stem);
    await this.store.put(key, jpeg, 'image/jpeg');
    return jpeg;
  }
}

/**
 * What every rendering of the frame starts with: annotatedFrameKey (beside the frame, in its hour folder, under the
 * media's name stem so that removing the media removes it) without the extension, `.../<media>-000012.annotated.`
 */
function renderingsStem(tenantId: string, frame: FrameRenderRow): string {
  return annotatedRenderingsStem({
    tenantId,
    storeId: frame.storeId,
    cameraId: frame.cameraId,
    mediaId: frame.mediaId,
    capturedAt: frame.capturedAt,
    frameIndex: frame.index,
  });
}
