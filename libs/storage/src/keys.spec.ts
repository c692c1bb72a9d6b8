import {
  annotatedFrameKey,
  annotatedFrameStem,
  faceCropKeyOf,
  faceCropKeys,
  faceCropObjectKeys,
  faceStemOf,
  frameKey,
  mediaKey,
  stemOf,
  tenantPrefix,
} from './keys';

const camera = { tenantId: 'ten1', storeId: 'sto1', cameraId: 'cam1' };
const frame = { ...camera, mediaId: 'med1', capturedAt: new Date('2026-11-28T13:45:10.250Z'), frameIndex: 12 };

describe('object keys', () => {
  it('lays frames out by tenant, store, camera and capture hour (UTC)', () => {
    expect(frameKey(frame)).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.jpg');
  });

  it('keeps everything derived from one media item under the same stem', () => {
    expect(mediaKey({ ...frame, extension: 'mp4' })).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1.mp4');
    expect(annotatedFrameKey(frame, 'abc123')).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.annotated.abc123.jpg');
    expect(annotatedFrameKey(frame, 'abc123').startsWith(annotatedFrameStem(frame))).toBe(true);
    expect(faceCropKeys({ ...frame, faceIndex: 3 })).toEqual({
      aligned: 't/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.face-03.aligned.png',
      attribute: 't/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.face-03.attribute.png',
    });
    for (const key of [frameKey(frame), faceCropKeys({ ...frame, faceIndex: 0 }).aligned]) {
      expect(key.startsWith(tenantPrefix('ten1'))).toBe(true);
    }
  });

  it('uses UTC, not the machine time zone, for the hour folder', () => {
    const late = { ...frame, capturedAt: new Date('2026-12-31T23:59:59.999+00:00') };
    expect(frameKey(late)).toContain('/2026/12/31/23/');
  });

  it('puts media that did not come from a camera under uploads/', () => {
    const upload = { tenantId: 'ten1', storeId: null, cameraId: null, mediaId: 'med2', capturedAt: frame.capturedAt };
    expect(frameKey({ ...upload, frameIndex: 0 })).toBe('t/ten1/uploads/2026/11/28/13/med2-000000.jpg');
    expect(() => frameKey({ ...upload, storeId: 'sto1', frameIndex: 0 })).toThrow(/both/);
  });

  it('refuses ids and counters that could escape their folder or collide', () => {
    expect(() => frameKey({ ...frame, mediaId: '../other' })).toThrow(/mediaId/);
    expect(() => frameKey({ ...frame, tenantId: 'a/b' })).toThrow(/tenantId/);
    expect(() => frameKey({ ...frame, cameraId: '' })).toThrow(/cameraId/);
    expect(() => frameKey({ ...frame, frameIndex: -1 })).toThrow(/frameIndex/);
    expect(() => frameKey({ ...frame, frameIndex: 1.5 })).toThrow(/frameIndex/);
    expect(() => frameKey({ ...frame, capturedAt: new Date('nope') })).toThrow(/capturedAt/);
    expect(() => mediaKey({ ...frame, extension: 'mp4/x' })).toThrow(/extension/);
  });

  it("finds every crop of a face from its crop_key, and refuses a key that is not a face crop's", () => {
    const { aligned, attribute } = faceCropKeys({ ...frame, faceIndex: 3 });
    expect(faceCropKeyOf(aligned, 'attribute')).toBe(attribute);
    expect(faceCropKeyOf(aligned, 'aligned')).toBe(aligned);
    expect(faceCropObjectKeys(aligned)).toEqual([aligned, attribute]);
    expect(() => faceCropKeyOf('t/tenant1/frame.jpg', 'aligned')).toThrow(/not a face crop key/);
  });
});

// The stems an erasure removes by: everything derived from a media item, a frame or a face, nothing beside it.
describe('object stems', () => {
  const upload = {
    tenantId: 'ten1',
    storeId: null,
    cameraId: null,
    mediaId: '3f1c2a9e-0000-4000-8000-000000000001',
    capturedAt: new Date('2026-11-28T13:45:10Z'),
  };

  it("a media key's stem is the key without its extension, which its frames, crops and renderings start with", () => {
    const stem = stemOf(mediaKey({ ...upload, extension: 'jpg' }));
    expect(stem).toBe(`t/ten1/uploads/2026/11/28/13/${upload.mediaId}`);
    const f = { ...upload, frameIndex: 7 };
    for (const key of [frameKey(f), faceCropKeys({ ...f, faceIndex: 0 }).attribute, annotatedFrameKey(f, 'v1')]) {
      expect(key.startsWith(stem)).toBe(true);
    }
    expect(stemOf(frameKey(f))).toBe(`t/ten1/uploads/2026/11/28/13/${upload.mediaId}-000007`);
    expect(() => stemOf('elsewhere/x.jpg')).toThrow(/not a StoreLens object key/);
  });

  it("a face's stem covers its crops, but not the frame's other faces", () => {
    const crop = faceCropKeys({ ...upload, frameIndex: 12, faceIndex: 3 }).aligned;
    const stem = faceStemOf(crop);
    expect(stem).toBe(`t/ten1/uploads/2026/11/28/13/${upload.mediaId}-000012.face-03.`);
    for (const other of [0, 30, 300]) {
      expect(faceCropKeys({ ...upload, frameIndex: 12, faceIndex: other }).aligned.startsWith(stem)).toBe(false);
    }
  });
});
