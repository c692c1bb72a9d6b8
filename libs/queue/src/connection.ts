import { Redis } from 'ioredis';

/**
 * Who uses the connection decides how it behaves when Redis is away:
 * - a worker waits: BullMQ's blocking commands must never give up (`maxRetriesPerRequest: null`), or a Redis
 *   restart makes every worker throw instead of resuming;
 * - a producer fails fast: a request that enqueues work should get an error it can report, not hang until Redis
 *   is back (`enableOfflineQueue: false`, one retry per command).
 */
export type RedisRole = 'producer' | 'worker';

/** The one place StoreLens builds a Redis connection. */
export function createRedisConnection(url: string, role: RedisRole): Redis {
  if (role === 'worker') return new Redis(url, { maxRetriesPerRequest: null });
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}
