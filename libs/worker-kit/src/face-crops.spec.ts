import { decodeImage } from '@storelens/vision';
import { encodePng, faceCropKeyOf, faceCropKeys, faceCropObjectKeys } from './face-crops';

const face = {
  tenantId: 'tenant1',
  storeId: 'store1',
  cameraId: 'cam1',
  mediaId: 'media1',
  capturedAt: new Date('2026-11-28T13:05:00Z'),
  frameIndex: 12,
  faceIndex: 3,
};

describe('face crop keys', () => {
  it('puts both crops of a face beside its frame, named after faceCropKey', () => {
    expect(faceCropKeys(face)).toEqual({
      aligned: 't/tenant1/s/store1/c/cam1/2026/11/28/13/media1-000012.face-03.aligned.png',
      attribute: 't/tenant1/s/store1/c/cam1/2026/11/28/13/media1-000012.face-03.attribute.png',
    });
    expect(faceCropKeys({ ...face, storeId: null, cameraId: null }).aligned).toBe(
      't/tenant1/uploads/2026/11/28/13/media1-000012.face-03.aligned.png',
    );
  });

  it("finds every crop of a face from its crop_key, and refuses a key that is not a face crop's", () => {
    const { aligned, attribute } = faceCropKeys(face);
    expect(faceCropKeyOf(aligned, 'attribute')).toBe(attribute);
    expect(faceCropKeyOf(aligned, 'aligned')).toBe(aligned);
    expect(faceCropObjectKeys(aligned)).toEqual([aligned, attribute]);
    expect(() => faceCropKeyOf('t/tenant1/frame.jpg', 'aligned')).toThrow(/not a face crop key/);
  });

  it('stores crops losslessly', async () => {
    const img = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 37) % 256) };
    const back = await decodeImage(await encodePng(img));
    expect({ ...back, data: Array.from(back.data) }).toEqual({ ...img, data: Array.from(img.data) });
  });
});
