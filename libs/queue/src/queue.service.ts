import { createLogger } from '@storelens/config';
import {
  jobOptions,
  parseJob,
  queueNames,
  queueOf,
  type JobName,
  type JobOf,
  type QueueName,
} from '@storelens/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedisConnection } from './connection';
import { QueueWorker, type JobHandlers, type QueueWorkerOptions } from './queue-worker';

/** The queues' settings, from the configuration (REDIS_URL, QUEUE_PREFIX, WORKER_CONCURRENCY, WORKER_LOCK_MS). */
export interface QueueServiceOptions {
  redisUrl: string;
  /** BullMQ key prefix. Tests use a unique one per run. */
  prefix: string;
  /** Default worker concurrency (1). */
  concurrency?: number;
  /** Worker lock duration (15 s). */
  lockDurationMs?: number;
  logger?: Logger;
}

/** Where a job stands, for status endpoints and tests. */
export interface JobSnapshot {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  failedReason: string | undefined;
  returnValue: unknown;
}

/** How much work a queue holds and how long the oldest waiting job has waited, for /metrics. */
export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  /** jobs that failed for good, kept for inspection (KEEP_FAILED in @storelens/contracts) */
  failed: number;
  /** age of the oldest job waiting to be taken, in ms; 0 when none waits */
  oldestWaitingMs: number;
}

/** What Redis holds under a jobId (see QueueService.jobStates). */
export type JobPresence =
  { state: 'missing' } | { state: 'in-flight' } | { state: 'failed'; reason: string; permanent: boolean };

/**
 * BullMQ for the rest of StoreLens: typed, validated enqueueing with the options from @storelens/contracts, and
 * the workers that consume the queues. Holds the Redis connections and closes them.
 */
export class QueueService {
  private readonly redisUrl: string;
  private readonly prefix: string;
  private readonly concurrency: number;
  private readonly lockDurationMs: number;
  private readonly logger: Logger;
  /** One connection shared by all producer-side Queue objects. */
  private readonly producer: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers = new Set<QueueWorker<QueueName>>();

  constructor(options: QueueServiceOptions) {
    this.redisUrl = options.redisUrl;
    this.prefix = options.prefix;
    this.concurrency = options.concurrency ?? 1;
    this.lockDurationMs = options.lockDurationMs ?? 15_000;
    this.logger = options.logger ?? createLogger('queue');
    this.producer = createRedisConnection(this.redisUrl, 'producer');
    this.producer.on('error', (err) => this.logger.error({ err }, 'redis producer connection error'));
  }

  /**
   * Validates the payload and adds the job with its standard options; resolves once Redis has it. Returns the
   * jobId, which is the same for the same work: enqueueing it again while the job is kept adds nothing.
   */
  async enqueue<N extends JobName>(name: N, payload: JobOf<N>): Promise<string> {
    const data = parseJob(name, payload);
    const job = await this.queueFor(queueOf(name)).add(name, data, jobOptions(name, data));
    return job.id ?? '';
  }

  /** Adds many jobs of one kind in one round trip (e.g. every frame sampled from a video). */
  async enqueueMany<N extends JobName>(name: N, payloads: readonly JobOf<N>[]): Promise<string[]> {
    if (payloads.length === 0) return [];
    const jobs = payloads.map((p) => {
      const data = parseJob(name, p);
      return { name, data, opts: jobOptions(name, data) };
    });
    const added = await this.queueFor(queueOf(name)).addBulk(jobs);
    return added.map((j) => j.id ?? '');
  }

  /** Starts consuming a queue with one handler per job name on it. The worker is closed by close(). */
  worker<Q extends QueueName>(queue: Q, handlers: JobHandlers<Q>, options: QueueWorkerOptions = {}): QueueWorker<Q> {
    const connection = createRedisConnection(this.redisUrl, 'worker');
    connection.on('error', (err) => this.logger.error({ err, queue }, 'redis worker connection error'));
    let worker: QueueWorker<Q>;
    try {
      worker = new QueueWorker(
        queue,
        handlers,
        {
          connection,
          prefix: this.prefix,
          concurrency: this.concurrency,
          lockDurationMs: this.lockDurationMs,
          logger: this.logger,
        },
        options,
      );
    } catch (err) {
      connection.disconnect(); // e.g. a missing handler: do not leave the connection holding the process open
      throw err;
    }
    this.workers.add(worker as unknown as QueueWorker<QueueName>);
    return worker;
  }

  async inspect(queue: QueueName, jobId: string): Promise<JobSnapshot | null> {
    // the state first: once it says completed or failed the job's fields are final, so the snapshot agrees with
    // itself (read the other way round, a job finishing in between showed `completed` with the last attempt missing)
    const state = await this.queueFor(queue).getJobState(jobId);
    const job = await this.queueFor(queue).getJob(jobId);
    if (!job) return null;
    return {
      id: job.id ?? jobId,
      name: job.name,
      state,
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason,
      returnValue: job.returnvalue,
    };
  }

  /**
   * Where each job stands, by jobId, in one round trip per job: `missing` when Redis holds nothing under the id (never
   * added, removed on completion, or lost with Redis). For a job that failed for good, `permanent` says whether it
   * stopped before its attempts ran out (retrying could not help).
   */
  async jobStates(queue: QueueName, jobIds: readonly string[]): Promise<Map<string, JobPresence>> {
    const q = this.queueFor(queue);
    const out = new Map<string, JobPresence>();
    await Promise.all(
      jobIds.map(async (id) => {
        const state = await q.getJobState(id);
        if (state !== 'failed') {
          out.set(id, { state: state === 'unknown' ? 'missing' : 'in-flight' });
          return;
        }
        const job = await q.getJob(id);
        if (!job) return out.set(id, { state: 'missing' });
        out.set(id, {
          state: 'failed',
          reason: job.failedReason ?? 'failed',
          permanent: job.attemptsMade < (job.opts.attempts ?? 1),
        });
      }),
    );
    return out;
  }

  /** Runs a job that failed for good once more with its attempts reset (e.g. it ran out of them during an outage). */
  async retryFailed(queue: QueueName, jobId: string): Promise<void> {
    const job = await this.queueFor(queue).getJob(jobId);
    if (job) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  /**
   * Removes every job of a tenant from every queue, whatever its state (waiting, delayed, completed, failed), so
   * `tenant delete` leaves nothing of the tenant in Redis. Job ids carry the tenant (`<job>.<tenant>.<id>`), so the
   * jobs are found by key without reading payloads. A job running at this moment is locked and stays; its handler
   * then finds no rows and ends as skipped. Returns how many jobs were removed.
   */
  async removeTenantJobs(tenantId: string): Promise<number> {
    if (!/^[0-9a-f-]{36}$/i.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
    await this.producerReady();
    let removed = 0;
    for (const name of queueNames) {
      const queue = this.queueFor(name);
      const keyPrefix = `${this.prefix}:${name}:`;
      let cursor = '0';
      do {
        const [next, keys] = await this.producer.scan(cursor, 'MATCH', `${keyPrefix}*.${tenantId}.*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const jobId = key.slice(keyPrefix.length);
          if (jobId.includes(':')) continue; // a job's side keys (logs, locks) go with the job
          removed += await queue.remove(jobId);
        }
      } while (cursor !== '0');
    }
    return removed;
  }

  /**
   * Waits until the producer connection is up: it has no offline queue (a request fails fast while Redis is away),
   * so a command sent right after start would be refused. Gives up after `timeoutMs`.
   */
  private async producerReady(timeoutMs = 10_000): Promise<void> {
    if (this.producer.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.producer.off('ready', ready);
        reject(new Error(`redis not reachable within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      this.producer.once('ready', ready);
    });
  }

  /** Jobs per state (waiting, active, delayed, completed, failed, ...), for health checks and metrics. */
  async jobCounts(queue: QueueName): Promise<Record<string, number>> {
    return this.queueFor(queue).getJobCounts();
  }

  /** Depth and lag of one queue: two round trips to Redis. */
  async depth(queue: QueueName, now = Date.now()): Promise<QueueDepth> {
    const q = this.queueFor(queue);
    const [counts, [oldest]] = await Promise.all([
      q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      // the wait list's tail: BullMQ adds at the head and workers take from the tail
      q.getJobs(['wait'], 0, 0, true),
    ]);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingMs: oldest ? Math.max(0, now - oldest.timestamp) : 0,
    };
  }

  /** The BullMQ queue of every pipeline queue, for the operators' dashboard. */
  allQueues(): Queue[] {
    return queueNames.map((name) => this.queueFor(name));
  }

  /** Workers first (running jobs finish), then the producer side. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.producer.quit().catch(() => this.producer.disconnect());
  }

  private queueFor(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', (err) => this.logger.error({ err, queue: name }, 'queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }
}
