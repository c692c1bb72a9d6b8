// Unit tier: what detection decides for a frame, with strict auto-mocked repositories, object store and detector.
import type { StoreLensConfig } from '@storelens/config';
import type { Face, FaceRepository, Frame, FrameRepository, Media, MediaRepository } from '@storelens/db';
import type { FaceDetector } from '@storelens/inference';
import { Metrics } from '@storelens/platform';
import { PermanentJobError, type QueueService } from '@storelens/queue';
import { ObjectNotFoundError, type ObjectStore } from '@storelens/storage';
import { jobContext, strictMock } from '@storelens/testing';
import { encodeJpeg, type Detection } from '@storelens/vision';
import type { FaceCropStore, FailureRecorder } from '@storelens/worker-kit';
import { FaceDetectionService } from './face-detection.service';

const tenantId = 'tenant-1';
const frameId = 'frame-1';
const capturedAt = new Date('2026-11-28T10:00:00Z');
const frame = {
  id: frameId,
  tenantId,
  mediaId: 'media-1',
  index: 0,
  capturedAt,
  status: 'queued',
  objectKey: 'k.jpg',
} as Frame;
const image = { id: 'media-1', tenantId, kind: 'image', purpose: 'analysis', cameraId: null } as unknown as Media;
const detection = (x: number): Detection =>
  ({
    box: { x, y: 10, width: 30, height: 30 },
    score: 0.95,
    landmarks: [
      [x + 8, 20],
      [x + 22, 20],
      [x + 15, 27],
      [x + 10, 33],
      [x + 20, 33],
    ],
  }) as Detection;

async function build(detections: Detection[], media: Media = image) {
  const m = {
    frames: strictMock<FrameRepository>('frames'),
    media: strictMock<MediaRepository>('media'),
    faces: strictMock<FaceRepository>('faces'),
    store: strictMock<ObjectStore>('store'),
    crops: strictMock<FaceCropStore>('crops'),
    queues: strictMock<QueueService>('queues'),
    detector: strictMock<FaceDetector>('detector'),
    failures: strictMock<FailureRecorder>('failures'),
  };
  Object.defineProperty(m.detector, 'modelId', { value: 'yunet@1' });
  const cfg = { vision: { maxPixels: 50_000_000 } } as StoreLensConfig;
  const jpeg = await encodeJpeg({ width: 96, height: 64, data: new Uint8Array(96 * 64 * 3).fill(128) });
  m.frames.context.mockResolvedValue({ frame, media, camera: null });
  m.frames.setStatus.mockResolvedValue(true as never);
  m.store.get.mockResolvedValue(jpeg);
  m.faces.listByFrame.mockResolvedValue([]);
  m.detector.detect.mockResolvedValue(detections);
  m.faces.saveDetections.mockImplementation(async (_t, _f, stored) =>
    stored.map((_, faceIndex) => ({ id: `face-${faceIndex}`, faceIndex }) as Face),
  );
  m.crops.save.mockImplementation(async (ref) => `crop-${ref.faceIndex}.crops`);
  m.queues.enqueueMany.mockResolvedValue(undefined as never);
  const sut = new FaceDetectionService(
    cfg,
    m.frames,
    m.media,
    m.faces,
    m.store,
    m.crops,
    m.queues,
    m.detector,
    m.failures,
    new Metrics('unit'),
  );
  return { sut, m };
}

describe('FaceDetectionService (unit)', () => {
  it('stores faces left to right, sends each to embedding and description, and marks the frame done last', async () => {
    const { sut, m } = await build([detection(60), detection(5)]);
    await expect(sut.detectFaces({ tenantId, frameId }, jobContext())).resolves.toBe('done');
    const stored = m.faces.saveDetections.mock.calls[0]![2];
    expect(stored.map((s) => s.box.x)).toEqual([5, 60]);
    expect(stored.map((s) => s.cropKey)).toEqual(['crop-0.crops', 'crop-1.crops']);
    const payloads = [
      { tenantId, faceId: 'face-0' },
      { tenantId, faceId: 'face-1' },
    ];
    expect(m.queues.enqueueMany).toHaveBeenCalledWith('embed-face', payloads);
    expect(m.queues.enqueueMany).toHaveBeenCalledWith('describe-face', payloads);
    expect(m.frames.setStatus.mock.calls.map((c) => c[2])).toEqual(['processing', 'done']);
  });

  it('skips a frame already done, failed or deleted', async () => {
    for (const found of [{ ...frame, status: 'done' }, { ...frame, status: 'failed' }, null]) {
      const { sut, m } = await build([]);
      m.frames.context.mockResolvedValue(found && { frame: found as Frame, media: image, camera: null });
      await expect(sut.detectFaces({ tenantId, frameId }, jobContext())).resolves.toBe('skipped');
      expect(m.detector.detect).not.toHaveBeenCalled();
    }
  });

  it.each([
    ['an enrolment photo with two faces', { ...image, purpose: 'enrolment' }, 2, /2 faces found; an enrolment photo/],
    [
      'an enrolment photo without a face',
      { ...image, purpose: 'enrolment' },
      0,
      /no face found in the enrolment photo/,
    ],
    ['a single image without a face', image, 0, /no face found in the image/],
  ])('rejects %s: the media fails with the reason and no face is kept', async (_what, media, n, reason) => {
    const { sut, m } = await build(
      Array.from({ length: n }, (_, i) => detection(5 + 40 * i)),
      media as Media,
    );
    m.media.setStatus.mockResolvedValue(true as never);
    await expect(sut.detectFaces({ tenantId, frameId }, jobContext())).resolves.toBe('done');
    expect(m.media.setStatus).toHaveBeenCalledWith(tenantId, 'media-1', 'failed', expect.stringMatching(reason));
    expect(m.faces.saveDetections).toHaveBeenCalledWith(tenantId, frameId, [], 'yunet@1');
    expect(m.queues.enqueueMany).not.toHaveBeenCalled();
  });

  it('keeps a video frame without faces: an ordinary empty frame', async () => {
    const { sut, m } = await build([], { ...image, kind: 'video' } as Media);
    await expect(sut.detectFaces({ tenantId, frameId }, jobContext())).resolves.toBe('done');
    expect(m.frames.setStatus).toHaveBeenLastCalledWith(tenantId, frameId, 'done');
  });

  it('fails for good on a frame image gone from the object store or that cannot be read', async () => {
    const gone = await build([]);
    gone.m.store.get.mockRejectedValue(new ObjectNotFoundError('k.jpg'));
    await expect(gone.sut.detectFaces({ tenantId, frameId }, jobContext())).rejects.toThrow(
      /missing from the object store/,
    );

    const corrupt = await build([]);
    corrupt.m.store.get.mockResolvedValue(Buffer.from('not a jpeg at all'));
    const run = corrupt.sut.detectFaces({ tenantId, frameId }, jobContext());
    await expect(run).rejects.toBeInstanceOf(PermanentJobError);
    await expect(run).rejects.toThrow(/cannot be read/);
  });

  it('retries (a transient error) when the object store does not answer', async () => {
    const { sut, m } = await build([]);
    m.store.get.mockRejectedValue(new Error('socket hang up'));
    const run = sut.detectFaces({ tenantId, frameId }, jobContext());
    await expect(run).rejects.toThrow(/socket hang up/);
    await expect(run).rejects.not.toBeInstanceOf(PermanentJobError);
  });

  it('removes the crops of faces a re-run no longer finds', async () => {
    const { sut, m } = await build([detection(5)]);
    m.faces.listByFrame.mockResolvedValue([
      { id: 'old-0', faceIndex: 0, cropKey: 'crop-0.crops' },
      { id: 'old-1', faceIndex: 1, cropKey: 'crop-1.crops' },
    ] as Face[]);
    m.crops.remove.mockResolvedValue(undefined);
    await sut.detectFaces({ tenantId, frameId }, jobContext());
    expect(m.crops.remove).toHaveBeenCalledTimes(1);
    expect(m.crops.remove).toHaveBeenCalledWith('crop-1.crops');
  });

  it('removes crops stored under the older one-PNG-per-crop layout when a re-run stores the face again', async () => {
    const { sut, m } = await build([detection(5)]);
    m.faces.listByFrame.mockResolvedValue([{ id: 'old-0', faceIndex: 0, cropKey: 'crop-0.aligned.png' }] as Face[]);
    m.crops.remove.mockResolvedValue(undefined);
    await sut.detectFaces({ tenantId, frameId }, jobContext());
    expect(m.crops.remove).toHaveBeenCalledWith('crop-0.aligned.png');
  });
});
