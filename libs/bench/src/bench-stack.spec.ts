import { config } from '@storelens/config';
import { ObjectStore, tenantPrefix } from '@storelens/storage';
import Redis from 'ioredis';
import { benchStack } from './bench-stack';

// Real Redis, Postgres and S3 endpoint; the stack itself is never started.
describe('a bench stack, closed', () => {
  it('leaves nothing behind: its queues’ keys, its bucket and what is in it are removed', async () => {
    const bench = await benchStack('bench cleanup', 29_080);
    const redis = new Redis(config().redis.url);
    const store = new ObjectStore({ ...config().s3, bucket: bench.bucket });
    try {
      // what a run leaves: finished jobs of the workers' queues, a frame and a face crop
      await redis.set(`${bench.queuePrefix}:detection:1`, 'job');
      await redis.hset(`${bench.queuePrefix}:embedding:meta`, 'opts', '{}');
      await redis.set(`${bench.queuePrefix}x:other`, 'not the bench’s'); // a longer prefix is someone else’s
      await store.ensureBucket();
      await store.put(`${tenantPrefix(bench.tenantId)}s/a/c/b/frame.jpg`, Buffer.from('jpeg'), 'image/jpeg');
      await bench.close();
      expect(await redis.keys(`${bench.queuePrefix}:*`)).toEqual([]);
      expect(await redis.get(`${bench.queuePrefix}x:other`)).toBe('not the bench’s');
      expect(await store.stat(`${tenantPrefix(bench.tenantId)}s/a/c/b/frame.jpg`)).toBeNull();
      await expect(store.removeBucket()).rejects.toThrow(/bucket/i); // gone already
    } finally {
      await redis.del(`${bench.queuePrefix}x:other`);
      await store.removeBucket().catch(() => undefined);
      store.close();
      redis.disconnect();
    }
  });
});
