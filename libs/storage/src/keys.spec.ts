import { annotatedFrameKey, faceCropKey, faceCropsKey, frameKey, isFaceCropsKey, mediaKey, tenantPrefix } from './keys';

const camera = { tenantId: 'ten1', storeId: 'sto1', cameraId: 'cam1' };
const frame = { ...camera, mediaId: 'med1', capturedAt: new Date('2026-11-28T13:45:10.250Z'), frameIndex: 12 };

describe('object keys', () => {
  it('lays frames out by tenant, store, camera and capture hour (UTC)', () => {
    expect(frameKey(frame)).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.jpg');
  });

  it('keeps everything derived from one media item under the same stem', () => {
    expect(mediaKey({ ...frame, extension: 'mp4' })).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1.mp4');
    expect(annotatedFrameKey(frame)).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.annotated.jpg');
    expect(faceCropKey({ ...frame, faceIndex: 3 })).toBe('t/ten1/s/sto1/c/cam1/2026/11/28/13/med1-000012.face-03.jpg');
    for (const key of [frameKey(frame), faceCropKey({ ...frame, faceIndex: 0 })]) {
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
});

describe('faceCropsKey', () => {
  it('names one object per face beside its frame, and tells it from the older per-crop keys', () => {
    const ref = {
      tenantId: 't1',
      storeId: 's1',
      cameraId: 'c1',
      mediaId: 'm1',
      capturedAt: new Date('2026-11-28T13:05:00Z'),
      frameIndex: 12,
      faceIndex: 3,
    };
    const key = faceCropsKey(ref);
    expect(key).toBe('t/t1/s/s1/c/c1/2026/11/28/13/m1-000012.face-03.crops');
    expect(isFaceCropsKey(key)).toBe(true);
    expect(isFaceCropsKey(key.replace('.crops', '.aligned.png'))).toBe(false);
    expect(() => faceCropsKey({ ...ref, faceIndex: -1 })).toThrow(/faceIndex/);
  });
});
