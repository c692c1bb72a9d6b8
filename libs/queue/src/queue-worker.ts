import {
  isJobName,
  jobNamesOn,
  parseJob,
  queueOf,
  type JobName,
  type JobNameOn,
  type JobOf,
  type QueueName,
} from '@storelens/contracts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PermanentJobError } from './errors';

/**
 * What a handler reports when it returns: `done` when it did the work, `skipped` when there was nothing to do
 * (already processed, entity deleted meanwhile). Failures are thrown, never returned, so that BullMQ sees them.
 */
export type JobOutcome = 'done' | 'skipped';

export interface JobContext {
  jobId: string;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
  logger: Logger;
}

export type JobHandler<N extends JobName> = (payload: JobOf<N>, context: JobContext) => Promise<JobOutcome>;

/** One handler for every job name the queue carries: a missing one is a compile error (and a boot error). */
export type JobHandlers<Q extends QueueName> = { [N in JobNameOn<Q>]: JobHandler<N> };

/** A job that will not run again: it failed permanently or used up its attempts. */
export interface JobFailure {
  queue: QueueName;
  jobId: string;
  name: string;
  /** The payload as stored in Redis (it may be the invalid payload that caused the failure). */
  data: unknown;
  /** The error that ended the job: a PermanentJobError, an InvalidJobError, or the last transient error. */
  error: Error;
  attemptsMade: number;
  /** True when the job stopped before its attempts ran out because retrying could not help. */
  permanent: boolean;
}

export type OnJobFailed = (failure: JobFailure) => void | Promise<void>;

export interface QueueWorkerOptions {
  /** Jobs processed at once by this worker; defaults to WORKER_CONCURRENCY from the configuration. */
  concurrency?: number;
  /**
   * How long a job stays locked to a worker that stopped renewing it (a crashed process) before another worker
   * takes it over; defaults to WORKER_LOCK_MS. Shorter means faster recovery, but a handler must never block the
   * event loop for this long.
   */
  lockDurationMs?: number;
  /**
   * Called once per job that failed for good (not for attempts that will be retried), e.g. to mark media failed.
   * Not called for a job BullMQ fails because it stalled too often (a crashed worker): BullMQ announces that only
   * through QueueEvents, so a sweep of long-`processing` rows must catch those.
   */
  onFailed?: OnJobFailed;
}

export interface QueueWorkerDeps {
  /** A worker connection (see createRedisConnection); the QueueWorker owns it and closes it. */
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  logger: Logger;
}

/** Turns an error that retrying cannot fix into BullMQ's signal for "do not retry", keeping the original. */
function unrecoverable(err: Error): UnrecoverableError {
  const wrapped = new UnrecoverableError(err.message);
  wrapped.stack = err.stack;
  wrapped.cause = err;
  return wrapped;
}

/**
 * Consumes one queue: validates each payload on entry, hands it to the handler for its job name, and keeps the
 * three outcomes apart: a returned outcome completes the job, a PermanentJobError (or an invalid payload) fails it
 * at once, any other error is retried by BullMQ with the backoff from the job's options.
 */
export class QueueWorker<Q extends QueueName> {
  private readonly worker: Worker<unknown, JobOutcome>;
  private readonly connection: Redis;
  private readonly logger: Logger;
  private readonly onFailed: OnJobFailed | undefined;
  /** Failure reports still running; close() waits for them so a shutdown does not lose one. */
  private readonly reporting = new Set<Promise<void>>();

  constructor(
    readonly queue: Q,
    private readonly handlers: JobHandlers<Q>,
    deps: QueueWorkerDeps,
    options: QueueWorkerOptions = {},
  ) {
    const missing = jobNamesOn(queue).filter(
      (name) => typeof (handlers as Record<string, unknown>)[name] !== 'function',
    );
    if (missing.length > 0) throw new Error(`worker for queue ${queue} has no handler for ${missing.join(', ')}`);

    this.connection = deps.connection;
    this.logger = deps.logger.child({ queue });
    this.onFailed = options.onFailed;
    this.worker = new Worker<unknown, JobOutcome>(queue, (job) => this.process(job), {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: options.concurrency ?? deps.concurrency,
      lockDuration: options.lockDurationMs ?? deps.lockDurationMs,
      // check for jobs whose lock ran out twice per lock period
      stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? deps.lockDurationMs) / 2)),
    });
    this.worker.on('failed', (job, err) => this.handleFailed(job, err));
    // Without a listener an 'error' event (e.g. Redis unreachable) would crash the process.
    this.worker.on('error', (err) => this.logger.error({ err }, 'worker error'));
    this.worker.on('stalled', (jobId) => this.logger.warn({ jobId }, 'job stalled; it will be run again'));
  }

  /** Resolves once the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs, waits for the ones running to finish (so none is left half-done and counted as stalled),
   * waits for pending failure reports, then closes the connection. Call on SIGTERM / onModuleDestroy.
   */
  async close(): Promise<void> {
    await this.worker.close();
    await Promise.all([...this.reporting]);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private async process(job: Job<unknown, JobOutcome>): Promise<JobOutcome> {
    const name = job.name;
    let payload: JobOf<JobName>;
    try {
      payload = parseJob(name, job.data);
    } catch (err) {
      throw unrecoverable(err as Error);
    }
    if (!isJobName(name) || queueOf(name) !== this.queue) {
      throw new UnrecoverableError(`job ${name} does not belong on queue ${this.queue}`);
    }
    const handler = this.handlers[name as JobNameOn<Q>] as JobHandler<JobName>;
    const jobId = job.id ?? '';
    const context: JobContext = {
      jobId,
      attempt: job.attemptsMade + 1,
      logger: this.logger.child({ jobId, job: name }),
    };
    try {
      return await handler(payload, context);
    } catch (err) {
      if (err instanceof PermanentJobError) throw unrecoverable(err);
      throw err instanceof Error ? err : new Error(String(err));
    }
  }

  private handleFailed(job: Job<unknown, JobOutcome> | undefined, err: Error): void {
    if (!job) return;
    const permanent = err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
    // BullMQ emits 'failed' for every failed attempt; only the last one is final.
    const final = permanent || job.attemptsMade >= (job.opts.attempts ?? 1);
    const error = permanent && err.cause instanceof Error ? err.cause : err;
    const log = { jobId: job.id, job: job.name, attemptsMade: job.attemptsMade, err: error };
    if (!final) {
      this.logger.warn(log, 'job attempt failed; will retry');
      return;
    }
    this.logger.error({ ...log, permanent }, 'job failed');
    if (!this.onFailed) return;
    const failure: JobFailure = {
      queue: this.queue,
      jobId: job.id ?? '',
      name: job.name,
      data: job.data,
      error,
      attemptsMade: job.attemptsMade,
      permanent,
    };
    const onFailed = this.onFailed;
    const report = (async () => {
      try {
        await onFailed(failure);
      } catch (reportErr) {
        this.logger.error({ err: reportErr, jobId: job.id }, 'onFailed callback threw');
      }
    })();
    this.reporting.add(report);
    void report.finally(() => this.reporting.delete(report));
  }
}
