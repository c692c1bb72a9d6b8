import { decodeImage } from '@storelens/vision';
import { faceCropKeys, ObjectNotFoundError, type ObjectStore } from '@storelens/storage';
import { mock } from 'jest-mock-extended';
import { encodePng, FaceCropStore, packFaceCrops, unpackFaceCrop } from './face-crops';

const face = {
  tenantId: 'tenant1',
  storeId: 'store1',
  cameraId: 'cam1',
  mediaId: 'media1',
  capturedAt: new Date('2026-11-28T13:05:00Z'),
  frameIndex: 12,
  faceIndex: 3,
};

describe('face crops', () => {
  it('stores crops losslessly', async () => {
    const img = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 37) % 256) };
    const back = await decodeImage(await encodePng(img));
    expect({ ...back, data: Array.from(back.data) }).toEqual({ ...img, data: Array.from(img.data) });
  });
});

describe('one crops object per face', () => {
  const rgb = (width: number, height: number, seed: number) => ({
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * seed) % 256),
  });
  const crops = { aligned: rgb(112, 112, 7), attribute: rgb(112, 112, 13) };
  const plain = (img: { width: number; height: number; data: Uint8Array }) => ({ ...img, data: Array.from(img.data) });

  it('packs both crops losslessly and hands each back', () => {
    const packed = packFaceCrops(crops);
    expect(packed.length).toBe(6 + 2 * (4 + 112 * 112 * 3));
    expect(plain(unpackFaceCrop(packed, 'aligned'))).toEqual(plain(crops.aligned));
    expect(plain(unpackFaceCrop(packed, 'attribute'))).toEqual(plain(crops.attribute));
  });

  it('refuses bytes that are not a crops object, or are cut short', () => {
    const packed = packFaceCrops(crops);
    expect(() => unpackFaceCrop(Buffer.from('not a crop'), 'aligned')).toThrow(/wrong magic/);
    expect(() => unpackFaceCrop(packed.subarray(0, packed.length - 1), 'attribute')).toThrow(/truncated/);
    expect(() => packFaceCrops({ ...crops, aligned: { ...crops.aligned, width: 111 } })).toThrow(/not 111x112/);
  });

  it('saves one object per face and reads either crop from it; reads and removes the older one-PNG-per-crop layout too', async () => {
    const store = mock<ObjectStore>();
    const cropStore = new FaceCropStore(store);
    const key = await cropStore.save(face, crops);
    expect(key).toBe('t/tenant1/s/store1/c/cam1/2026/11/28/13/media1-000012.face-03.crops');
    expect(store.put).toHaveBeenCalledTimes(1);
    const [, body] = store.put.mock.calls[0]!;
    store.get.mockResolvedValue(body as Buffer);
    expect(plain((await cropStore.load(key, 'attribute'))!)).toEqual(plain(crops.attribute));
    expect(store.get).toHaveBeenCalledWith(key);

    const legacy = faceCropKeys(face);
    store.get.mockResolvedValue(await encodePng(crops.aligned));
    expect(plain((await cropStore.load(legacy.aligned, 'aligned'))!)).toEqual(plain(crops.aligned));
    await cropStore.remove(legacy.aligned);
    expect(store.remove.mock.calls.map(([k]) => k)).toEqual([legacy.aligned, legacy.attribute]);

    store.get.mockRejectedValue(new ObjectNotFoundError(key));
    expect(await cropStore.load(key, 'aligned')).toBeNull();
  });
});
