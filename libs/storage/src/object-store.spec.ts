import { config } from '@storelens/config';
import { uniqueTestId } from '@storelens/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

  it('removes more objects than one listing holds (1,000): a tenant erased after a busy day', async () => {
    // the listing goes on with a continuation token past 1,000 keys (s3rver's needed the legacy OpenSSL provider)
    const keys = Array.from({ length: 1_050 }, (_, i) => `t/busy/s/a/c/b/2026/12/02/${i % 7}/m${i}.jpg`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, jpeg, 'image/jpeg')));
    expect(await store.removePrefix('t/busy/')).toBe(1_050);
    expect(await store.stat(keys[1_049]!)).toBeNull();
  }, 60_000);

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

describe('ObjectStore over connections that drop (a TCP proxy in front of the real endpoint)', () => {
  /**
   * Forwards to the S3 endpoint, but resets the connection carrying each of the next `drops` requests as their bytes
   * arrive, pooled connection or new: what a client sees when the server closes a keep-alive socket just as it is
   * reused ("socket hang up").
   */
  async function droppingProxy(): Promise<{
    endpoint: string;
    drop(n: number): void;
    resets(): number;
    close(): Promise<void>;
  }> {
    const upstream = new URL(config().s3.endpoint);
    let drops = 0;
    let resets = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const up = net.connect(Number(upstream.port), upstream.hostname);
      for (const s of [client, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      }
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
      client.on('data', (chunk: Buffer) => {
        if (drops > 0) {
          drops--;
          resets++;
          up.destroy();
          client.resetAndDestroy();
          return;
        }
        up.write(chunk);
      });
      up.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      drop: (n) => (drops = n),
      resets: () => resets,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  let proxy: Awaited<ReturnType<typeof droppingProxy>>;
  let flaky: ObjectStore;
  beforeAll(async () => {
    proxy = await droppingProxy();
    flaky = new ObjectStore({ ...config().s3, endpoint: proxy.endpoint, bucket: store.bucket });
  });
  afterAll(async () => {
    flaky.close();
    await proxy.close();
  });

  it('sends an idempotent request again when its connection drops: put, get, stat, remove, removePrefix', async () => {
    const key = 't/dropping/frame.jpg';
    for (const op of [
      () => flaky.put(key, jpeg, 'image/jpeg'),
      async () => expect(await flaky.get(key)).toEqual(jpeg),
      async () => expect(await flaky.stat(key)).toMatchObject({ size: jpeg.length }),
      () => flaky.remove(key),
      async () => {
        await store.put(`t/dropping/a.jpg`, jpeg, 'image/jpeg');
        expect(await flaky.removePrefix('t/dropping/')).toBe(1);
      },
    ]) {
      proxy.drop(1);
      const before = proxy.resets();
      await op();
      expect(proxy.resets() - before).toBe(1);
    }
    expect(await store.stat(key)).toBeNull();
    expect(await store.stat('t/dropping/a.jpg')).toBeNull();
  });

  it('gives up after three attempts, with the connection error', async () => {
    await store.put('t/dropping/b.jpg', jpeg, 'image/jpeg');
    proxy.drop(100);
    const before = proxy.resets();
    await expect(flaky.get('t/dropping/b.jpg')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.resets() - before).toBe(3);
    proxy.drop(0);
  });

  it('sends a file again when its connection drops, opened afresh: the stored object is the whole file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'object-store-')), 'upload.bin');
    const bytes = Buffer.alloc(200_000, 7);
    bytes.write('the start', 0);
    writeFileSync(file, bytes);
    proxy.drop(1);
    const before = proxy.resets();
    await flaky.putFile('t/dropping/upload.bin', file, 'application/octet-stream', bytes.length);
    expect(proxy.resets() - before).toBe(1);
    expect(await store.get('t/dropping/upload.bin')).toEqual(bytes);
    rmSync(path.dirname(file), { recursive: true });
  });

  it('does not send a streamed upload again (its stream is spent): the caller sees the error', async () => {
    proxy.drop(1);
    await expect(
      flaky.putStream('t/dropping/c.bin', Readable.from([Buffer.from('abc')]), 'application/octet-stream', 3),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    proxy.drop(0);
  });
});
