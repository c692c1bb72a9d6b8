import { Redis } from 'ioredis';

/** What a watcher reports about its camera; the API adds `offline` when no watcher has reported lately. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'failed' | 'stopped';

export interface LiveStatus {
  state: LiveState;
  since: string;
  lastFrameAt: string | null;
  fpsIn: number;
  fpsProcessed: number;
  framesDropped: number;
  lagMs: number;
  error: string | null;
  /** the replica watching the camera */
  replica: string;
  transport: string | null;
  /** when the watcher last wrote this (ms since epoch) */
  reportedAt: number;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The live cameras' shared state in Redis: one lease per camera (SET NX PX, renewed only by its holder, so a
 * killed holder's lease simply runs out), the replicas seen lately (to share cameras out evenly), each camera's
 * last reported status, and the last camera.online/offline announced (so a takeover does not announce twice).
 */
export class LiveStateRepository {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static connect(url: string, prefix: string): LiveStateRepository {
    // fail fast: a lease that cannot be renewed must be treated as lost, not retried until Redis returns
    return new LiveStateRepository(new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false }), prefix);
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}:live:${kind}:${id}`;
  }

  async acquire(cameraId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('lease', cameraId), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(cameraId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key('lease', cameraId), owner, ttlMs)) === 1;
  }

  async release(cameraId: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key('lease', cameraId), owner);
  }

  async holder(cameraId: string): Promise<string | null> {
    return this.redis.get(this.key('lease', cameraId));
  }

  /** Records this replica as alive and returns how many replicas were alive within `windowMs`. */
  async heartbeat(replica: string, windowMs: number, now = Date.now()): Promise<number> {
    const key = `${this.prefix}:live:replicas`;
    const results = await this.redis
      .multi()
      .zadd(key, now, replica)
      .zremrangebyscore(key, 0, now - windowMs)
      .zcard(key)
      .exec();
    return Math.max(1, Number(results?.[2]?.[1] ?? 1));
  }

  async leaveReplicas(replica: string): Promise<void> {
    await this.redis.zrem(`${this.prefix}:live:replicas`, replica);
  }

  async writeStatus(cameraId: string, status: LiveStatus, ttlMs: number): Promise<void> {
    await this.redis.set(this.key('status', cameraId), JSON.stringify(status), 'PX', ttlMs);
  }

  async readStatus(cameraId: string): Promise<LiveStatus | null> {
    const raw = await this.redis.get(this.key('status', cameraId));
    return raw ? (JSON.parse(raw) as LiveStatus) : null;
  }

  /** Sets the announced connectivity; true when it changed (so the caller announces it). */
  async announce(cameraId: string, online: boolean): Promise<boolean> {
    const previous = await this.redis.getset(this.key('announced', cameraId), online ? 'online' : 'offline');
    return previous !== (online ? 'online' : 'offline');
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
