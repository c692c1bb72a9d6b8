// Unit tier: the embedding service's decisions with strict auto-mocked repositories, object store and model.
import type { EmbeddingRepository, Face, FaceContext, FaceRepository, Frame, Media } from '@storelens/db';
import type { FaceEmbedder } from '@storelens/inference';
import { Metrics } from '@storelens/platform';
import { PermanentJobError, type QueueService } from '@storelens/queue';
import { jobContext, strictMock } from '@storelens/testing';
import type { FaceCropStore, FailureRecorder } from '@storelens/worker-kit';
import { FaceEmbeddingService } from './face-embedding.service';

const tenantId = 'tenant-1';
const faceId = 'face-1';
const face = { id: faceId, tenantId, frameId: 'frame-1', cropKey: 't/x/m-000000.face-00.aligned.png' } as Face;
const frame = { id: 'frame-1', tenantId, mediaId: 'media-1' } as Frame;
const cameraMedia = { id: 'media-1', tenantId, purpose: 'analysis', identityId: null } as unknown as Media;
/** What faces.context returns: the face, its frame and media, and its embedding's model when it has one. */
const context = (over: { face?: Face; media?: Media; embeddedWith?: string } = {}): FaceContext => ({
  face: over.face ?? face,
  frame,
  media: over.media ?? cameraMedia,
  embedding: over.embeddedWith ? ({ modelId: over.embeddedWith } as FaceContext['embedding']) : null,
});
const crop = (size = 112) => ({ width: size, height: size, data: new Uint8Array(size * size * 3) });

function build() {
  const m = {
    faces: strictMock<FaceRepository>('faces'),
    embeddings: strictMock<EmbeddingRepository>('embeddings'),
    crops: strictMock<FaceCropStore>('crops'),
    queues: strictMock<QueueService>('queues'),
    embedder: strictMock<FaceEmbedder>('embedder'),
    failures: strictMock<FailureRecorder>('failures'),
  };
  Object.defineProperty(m.embedder, 'modelId', { value: 'mobilefacenet@1' });
  const sut = new FaceEmbeddingService(
    m.faces,
    m.embeddings,
    m.crops,
    m.queues,
    m.embedder,
    m.failures,
    new Metrics('unit'),
  );
  return { sut, m };
}

describe('FaceEmbeddingService (unit)', () => {
  it('skips a face that no longer exists, touching nothing else', async () => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(null);
    await expect(sut.embedFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
  });

  it('embeds the aligned crop, stores the vector with its model id and sends a camera face to classification', async () => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(context());
    m.crops.load.mockResolvedValue(crop());
    m.embedder.embedAligned.mockResolvedValue(new Float32Array([0.6, 0.8]));
    m.embeddings.upsert.mockResolvedValue(undefined as never);
    m.queues.enqueue.mockResolvedValue(undefined as never);

    await expect(sut.embedFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
    expect(m.crops.load).toHaveBeenCalledWith(face.cropKey, 'aligned');
    expect(m.embeddings.upsert).toHaveBeenCalledWith(
      tenantId,
      faceId,
      [expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)],
      'mobilefacenet@1',
    );
    expect(m.queues.enqueue).toHaveBeenCalledWith('classify-face', { tenantId, faceId });
  });

  it('sends a face of an enrolment photo to enrolment instead', async () => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(
      context({
        embeddedWith: 'mobilefacenet@1',
        media: { ...cameraMedia, purpose: 'enrolment', identityId: 'identity-1' } as Media,
      }),
    );
    m.queues.enqueue.mockResolvedValue(undefined as never);

    await sut.embedFace({ tenantId, faceId }, jobContext());
    expect(m.queues.enqueue).toHaveBeenCalledWith('enrol-identity-media', {
      tenantId,
      identityId: 'identity-1',
      mediaId: 'media-1',
    });
  });

  it('does not embed again with the same model, but still sends the face on (a crash may have come between)', async () => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(context({ embeddedWith: 'mobilefacenet@1' }));
    m.queues.enqueue.mockResolvedValue(undefined as never);

    await expect(sut.embedFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
    expect(m.embedder.embedAligned).not.toHaveBeenCalled();
    expect(m.queues.enqueue).toHaveBeenCalledTimes(1);
  });

  it('re-embeds a vector made by another model', async () => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(context({ embeddedWith: 'older-model' }));
    m.crops.load.mockResolvedValue(crop());
    m.embedder.embedAligned.mockResolvedValue(new Float32Array([1, 0]));
    m.embeddings.upsert.mockResolvedValue(undefined as never);
    m.queues.enqueue.mockResolvedValue(undefined as never);

    await expect(sut.embedFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
    expect(m.embeddings.upsert).toHaveBeenCalledWith(tenantId, faceId, [1, 0], 'mobilefacenet@1');
  });

  it.each([
    ['no stored crop', { ...face, cropKey: null }, crop(), /no stored crop/],
    ['a crop gone from the object store', face, null, /missing from the object store/],
    ['a crop of the wrong size', face, crop(64), /64x64, expected 112x112/],
  ])('fails for good on %s', async (_what, theFace, theCrop, reason) => {
    const { sut, m } = build();
    m.faces.context.mockResolvedValue(context({ face: theFace as Face }));
    m.crops.load.mockResolvedValue(theCrop);
    const run = sut.embedFace({ tenantId, faceId }, jobContext());
    await expect(run).rejects.toBeInstanceOf(PermanentJobError);
    await expect(run).rejects.toThrow(reason);
    expect(m.embeddings.upsert).not.toHaveBeenCalled();
  });

  it('records a job that failed for good on its face, with the reason', async () => {
    const { sut, m } = build();
    m.failures.faceFailed.mockResolvedValue(undefined);
    await sut.recordFailure({
      queue: 'embedding',
      jobId: 'embed-face.x',
      name: 'embed-face',
      attemptsMade: 1,
      permanent: true,
      data: { tenantId: '5f0f7a2e-1c1d-4c7a-9d2e-0a1b2c3d4e5f', faceId: '6f0f7a2e-1c1d-4c7a-9d2e-0a1b2c3d4e5f' },
      error: new PermanentJobError('aligned face crop is missing from the object store'),
    });
    expect(m.failures.faceFailed).toHaveBeenCalledWith(
      '5f0f7a2e-1c1d-4c7a-9d2e-0a1b2c3d4e5f',
      '6f0f7a2e-1c1d-4c7a-9d2e-0a1b2c3d4e5f',
      expect.stringMatching(/missing from the object store/),
    );
  });
});
