import { createLogger } from '@storelens/config';
import { Redis } from 'ioredis';

type Listener = (eventId: string) => void;

/**
 * Redis pub/sub that says "tenant T has a new event": open SSE streams wake up and read the log, instead of
 * polling Postgres. Only a wake-up: the event itself is read from Postgres, so a lost message costs latency (the
 * streams also re-read on a timer), never an event.
 */
export class EventBus {
  private readonly logger = createLogger('event-bus');
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {
    this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    this.publisher.on('error', (err) => this.logger.warn({ err: err.message }, 'event bus publisher error'));
  }

  private channel(tenantId: string): string {
    return `${this.prefix}:events:${tenantId}`;
  }

  async announce(tenantId: string, eventId: string): Promise<void> {
    try {
      if (this.publisher.status === 'wait') await this.publisher.connect();
      await this.publisher.publish(this.channel(tenantId), eventId);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'event not announced (streams pick it up on their timer)');
    }
  }

  /** Calls `listener` with each new event id of the tenant until the returned function is called. */
  async listen(tenantId: string, listener: Listener): Promise<() => void> {
    const channel = this.channel(tenantId);
    if (!this.subscriber) {
      this.subscriber = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
      this.subscriber.on('error', (err) => this.logger.warn({ err: err.message }, 'event bus subscriber error'));
      this.subscriber.on('message', (ch: string, id: string) => this.listeners.get(ch)?.forEach((l) => l(id)));
    }
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all(
      [this.publisher, this.subscriber].map((r) => r && r.status !== 'end' && r.quit().catch(() => r.disconnect())),
    );
  }
}
