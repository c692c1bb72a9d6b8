// Unit tier: the attribute service's decisions with strict auto-mocked repositories, object store and models.
import type { Face, FaceRepository } from '@storelens/db';
import type { AgeGenderEstimator, EmotionClassifier } from '@storelens/inference';
import { Metrics } from '@storelens/platform';
import { PermanentJobError } from '@storelens/queue';
import { jobContext, strictMock } from '@storelens/testing';
import type { FaceCropStore, FailureRecorder } from '@storelens/worker-kit';
import { FaceAttributesService } from './face-attributes.service';

const tenantId = 'tenant-1';
const faceId = 'face-1';
const face = { id: faceId, tenantId, cropKey: 't/x/m-000000.face-00.aligned.png', attributeModelId: null } as Face;
const crop = { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3) };
const scores = { angry: 0, disgust: 0, fear: 0, happy: 0.9, sad: 0, surprise: 0.05, neutral: 0.05 };

function build() {
  const m = {
    faces: strictMock<FaceRepository>('faces'),
    crops: strictMock<FaceCropStore>('crops'),
    ageGender: strictMock<AgeGenderEstimator>('ageGender'),
    emotion: strictMock<EmotionClassifier>('emotion'),
    failures: strictMock<FailureRecorder>('failures'),
  };
  Object.defineProperty(m.ageGender, 'modelId', { value: 'agegender@1' });
  Object.defineProperty(m.emotion, 'modelId', { value: 'expression@1' });
  const sut = new FaceAttributesService(m.faces, m.crops, m.ageGender, m.emotion, m.failures, new Metrics('unit'));
  return { sut, m };
}

describe('FaceAttributesService (unit)', () => {
  it('stamps results with both models, and skips a face already described by them without running the models', async () => {
    const { sut, m } = build();
    expect(sut.modelId).toBe('agegender@1+expression@1');
    m.faces.get.mockResolvedValue({ ...face, attributeModelId: 'agegender@1+expression@1' } as Face);
    await expect(sut.describeFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
  });

  it('skips a face that no longer exists', async () => {
    const { sut, m } = build();
    m.faces.get.mockResolvedValue(null);
    await expect(sut.describeFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
  });

  it("stores age, gender with the rule's confidence and emotion with its scores from the attribute crop", async () => {
    const { sut, m } = build();
    m.faces.get.mockResolvedValue(face);
    m.crops.load.mockResolvedValue(crop);
    m.ageGender.estimate.mockResolvedValue([{ age: 31.4, gender: { label: 'female', confidence: 0.83 } }] as never);
    m.emotion.classify.mockResolvedValue([{ label: 'happy', scores }] as never);
    m.faces.setAttributes.mockResolvedValue(true);

    await expect(sut.describeFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
    expect(m.crops.load).toHaveBeenCalledWith(face.cropKey, 'attribute');
    expect(m.faces.setAttributes).toHaveBeenCalledWith(tenantId, faceId, {
      age: 31.4,
      gender: 'female',
      genderConfidence: 0.83,
      emotion: 'happy',
      emotionScores: scores,
      modelId: 'agegender@1+expression@1',
    });
  });

  it('re-describes a face described by another pair of models', async () => {
    const { sut, m } = build();
    m.faces.get.mockResolvedValue({ ...face, attributeModelId: 'older+older' } as Face);
    m.crops.load.mockResolvedValue(crop);
    m.ageGender.estimate.mockResolvedValue([{ age: 40, gender: { label: 'male', confidence: 0.9 } }] as never);
    m.emotion.classify.mockResolvedValue([{ label: 'neutral', scores }] as never);
    m.faces.setAttributes.mockResolvedValue(true);
    await expect(sut.describeFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
  });

  it('says skipped when the face was deleted while the models ran', async () => {
    const { sut, m } = build();
    m.faces.get.mockResolvedValue(face);
    m.crops.load.mockResolvedValue(crop);
    m.ageGender.estimate.mockResolvedValue([{ age: 40, gender: { label: 'male', confidence: 0.9 } }] as never);
    m.emotion.classify.mockResolvedValue([{ label: 'neutral', scores }] as never);
    m.faces.setAttributes.mockResolvedValue(false);
    await expect(sut.describeFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
  });

  it.each([
    ['no stored crop', { ...face, cropKey: null }, crop, /no stored crop/],
    ['a crop gone from the object store', face, null, /missing from the object store/],
  ])('fails for good on %s, without running the models', async (_what, theFace, theCrop, reason) => {
    const { sut, m } = build();
    m.faces.get.mockResolvedValue(theFace as Face);
    m.crops.load.mockResolvedValue(theCrop);
    const run = sut.describeFace({ tenantId, faceId }, jobContext());
    await expect(run).rejects.toBeInstanceOf(PermanentJobError);
    await expect(run).rejects.toThrow(reason);
  });
});
