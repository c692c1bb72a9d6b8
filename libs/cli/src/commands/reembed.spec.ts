import { mock } from 'jest-mock-extended';
import type { EmbeddingRepository } from '@storelens/db';
import type { FaceEmbedder } from '@storelens/inference';
import type { RgbImage } from '@storelens/vision';
import type { FaceCropStore } from '@storelens/worker-kit';
import { reembedEnrolled } from './reembed';

const crop: RgbImage = { data: new Uint8Array(112 * 112 * 3), width: 112, height: 112 };
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `00000000-0000-0000-0000-${String(from + i).padStart(12, '0')}`);

describe('reembedEnrolled', () => {
  function setup() {
    const embeddings = mock<EmbeddingRepository>();
    const crops = mock<FaceCropStore>();
    const embedder = mock<FaceEmbedder>({ modelId: 'faceapi_face_recognition@c56dbd07' });
    embedder.embedAligned.mockResolvedValue(Float32Array.of(1, 0));
    crops.load.mockResolvedValue(crop);
    return { embeddings, crops, embedder };
  }

  it('re-embeds every stale enrolled face from its aligned crop, page after page, stamped with the new model', async () => {
    const { embeddings, crops, embedder } = setup();
    const [first, second] = [ids(100), ids(3, 100)];
    embeddings.enrolledNeedingModel
      .mockResolvedValueOnce(first.map((faceId) => ({ faceId, cropKey: `k/${faceId}`, modelId: 'mobilefacenet_foamliu@b7120c09' })))
      .mockResolvedValueOnce(second.map((faceId) => ({ faceId, cropKey: `k/${faceId}`, modelId: null })))
      .mockResolvedValueOnce([]);
    const r = await reembedEnrolled('t1', embeddings, crops, embedder);
    expect(r).toEqual({ modelId: 'faceapi_face_recognition@c56dbd07', reembedded: 103, missingCrop: [] });
    expect(embeddings.enrolledNeedingModel).toHaveBeenNthCalledWith(1, 't1', embedder.modelId, 100, undefined);
    expect(embeddings.enrolledNeedingModel).toHaveBeenNthCalledWith(2, 't1', embedder.modelId, 100, first[99]);
    expect(crops.load).toHaveBeenCalledWith(`k/${second[0]}`, 'aligned');
    expect(embeddings.upsert).toHaveBeenCalledWith('t1', second[2], [1, 0], 'faceapi_face_recognition@c56dbd07');
  });

  it('reports faces whose crop is gone instead of failing, and leaves their vector alone', async () => {
    const { embeddings, crops, embedder } = setup();
    const [a, b, c] = ids(3);
    embeddings.enrolledNeedingModel
      .mockResolvedValueOnce([
        { faceId: a, cropKey: null, modelId: 'm' },
        { faceId: b, cropKey: 'k/b', modelId: 'm' },
        { faceId: c, cropKey: 'k/c', modelId: 'm' },
      ])
      .mockResolvedValueOnce([]);
    crops.load.mockImplementation(async (key) => (key === 'k/b' ? null : crop));
    const r = await reembedEnrolled('t1', embeddings, crops, embedder);
    expect(r.missingCrop).toEqual([a, b]);
    expect(r.reembedded).toBe(1);
    expect(embeddings.upsert).toHaveBeenCalledTimes(1);
  });
});
