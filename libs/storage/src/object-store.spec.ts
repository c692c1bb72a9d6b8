import { config } from '@storelens/config';
import { uniqueTestId } from '@storelens/testing';
import { Readable } from 'node:stream';
import { frameKey } from './keys';
import { ObjectNotFoundError, ObjectStore } from './object-store';

// A bucket of its own per run, against the real local endpoint (s3rver via deploy/local/infra.sh).
const store = new ObjectStore({ ...config().s3, bucket: `storelens-test-${uniqueTestId()}` });
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

beforeAll(async () => {
  await store.ensureBucket();
});

afterAll(async () => {
  await store.removePrefix('t/');
  await store.removeBucket();
  store.close();
});

describe('ObjectStore (real S3 endpoint)', () => {
  it('creates the bucket once and tolerates being asked again', async () => {
    await expect(store.ensureBucket()).resolves.toBeUndefined();
  });

  it('stores a frame and reads back the same bytes, size and content type', async () => {
    const key = frameKey({
      tenantId: 'tenant1',
      storeId: 'store1',
      cameraId: 'cam1',
      mediaId: 'media1',
      capturedAt: new Date('2026-11-28T13:00:00Z'),
      frameIndex: 12,
    });
    await store.put(key, jpeg, 'image/jpeg');
    expect(await store.get(key)).toEqual(jpeg);
    expect(await store.stat(key)).toMatchObject({ key, size: jpeg.length, contentType: 'image/jpeg' });
    const chunks: Buffer[] = [];
    for await (const c of await store.getStream(key)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(jpeg);
  });

  it('streams an upload of unknown size (multipart path)', async () => {
    const body = Buffer.alloc(256 * 1024, 7);
    await store.putStream(
      't/tenant1/uploads/video.mp4',
      Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
      'video/mp4',
    );
    expect((await store.get('t/tenant1/uploads/video.mp4')).equals(body)).toBe(true);
  });

  it('reports a missing object as null from stat and as ObjectNotFoundError from get', async () => {
    expect(await store.stat('t/tenant1/missing.jpg')).toBeNull();
    await expect(store.get('t/tenant1/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('removes one object, and removing it again is not an error', async () => {
    await store.put('t/tenant1/gone.jpg', jpeg, 'image/jpeg');
    await store.remove('t/tenant1/gone.jpg');
    expect(await store.stat('t/tenant1/gone.jpg')).toBeNull();
    await expect(store.remove('t/tenant1/gone.jpg')).resolves.toBeUndefined();
  });

  it('removes everything under a prefix and nothing beside it', async () => {
    for (let i = 0; i < 5; i++) await store.put(`t/tenantA/f${i}.jpg`, jpeg, 'image/jpeg');
    await store.put('t/tenantAB/keep.jpg', jpeg, 'image/jpeg');
    expect(await store.removePrefix('t/tenantA/')).toBe(5);
    expect(await store.stat('t/tenantA/f0.jpg')).toBeNull();
    expect(await store.stat('t/tenantAB/keep.jpg')).not.toBeNull();
    await expect(store.removePrefix('t/tenantA')).rejects.toThrow(/ending in '\/'/);
  });

  it('removes everything derived from a key stem, and nothing that merely shares its folder', async () => {
    for (const k of ['m1.jpg', 'm1-000000.jpg', 'm1-000000.face-00.jpg', 'm1-000000.face-00.aligned.png', 'm2.jpg']) {
      await store.put(`t/tenantS/2026/${k}`, jpeg, 'image/jpeg');
    }
    expect(await store.removeStem('t/tenantS/2026/m1')).toBe(4);
    expect(await store.stat('t/tenantS/2026/m1.jpg')).toBeNull();
    expect(await store.stat('t/tenantS/2026/m2.jpg')).not.toBeNull();
    await expect(store.removeStem('t/tenantS/')).rejects.toThrow(/not a folder/);
  });

  it('signs a URL that fetches the object without credentials', async () => {
    await store.put('t/tenant1/signed.jpg', jpeg, 'image/jpeg');
    const url = await store.presignedGetUrl('t/tenant1/signed.jpg', 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(jpeg);
  });
});
