import { faceCropKey, mediaKey } from '@storelens/storage';
import { cropStem, mediaStem } from './identity.service';

// The stems an erasure removes by: everything derived from a media item or a face crop, nothing beside it.
const ref = {
  tenantId: 'ten1',
  storeId: null,
  cameraId: null,
  mediaId: '3f1c2a9e-0000-4000-8000-000000000001',
  capturedAt: new Date('2026-11-28T13:45:10Z'),
};

describe('object stems', () => {
  it('a media key’s stem is the key without its extension, which its frames and crops start with', () => {
    const key = mediaKey({ ...ref, extension: 'jpg' });
    const stem = mediaStem(key);
    expect(stem).toBe(`t/ten1/uploads/2026/11/28/13/${ref.mediaId}`);
    expect(faceCropKey({ ...ref, frameIndex: 0, faceIndex: 0 }).startsWith(stem)).toBe(true);
  });

  it('a crop’s stem covers variants derived from it, but not the frame’s other faces', () => {
    const crop = faceCropKey({ ...ref, frameIndex: 12, faceIndex: 3 });
    const stem = cropStem(crop);
    expect(stem).toBe(`t/ten1/uploads/2026/11/28/13/${ref.mediaId}-000012.face-03`);
    expect(cropStem(crop.replace(/\.jpg$/, '.aligned.png'))).toBe(stem);
    for (const other of [0, 30, 300]) {
      expect(faceCropKey({ ...ref, frameIndex: 12, faceIndex: other }).startsWith(stem)).toBe(false);
    }
    expect(cropStem('t/ten1/some/other-key.png')).toBe('t/ten1/some/other-key.png');
  });
});
