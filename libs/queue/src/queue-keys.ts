import { Redis } from 'ioredis';

/**
 * Removes every key under a queue prefix (`<prefix>:<queue>:…`: every queue's jobs in every state, with their side
 * keys), for a run that had a prefix of its own: a test's queues, a bench run's.
 */
export async function removeQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}
