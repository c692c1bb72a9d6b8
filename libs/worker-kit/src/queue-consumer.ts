import type { OnApplicationBootstrap } from '@nestjs/common';
import type { QueueName } from '@storelens/contracts';
import { measured, type Metrics } from '@storelens/platform';
import type { JobFailure, JobHandlers, QueueService } from '@storelens/queue';

/**
 * The lifecycle every StoreLens worker shares: start consuming one queue once the application (and so its models)
 * is up. Stopping is the platform's: on shutdown `QueueService.close()` (PlatformLifecycle) closes every worker
 * first, which stops taking jobs and waits for the running one, and only then closes Postgres and S3. The worker is
 * not closed here as well because closing a QueueWorker twice leaves a 2 s ioredis disconnect timer behind.
 *
 * A subclass only says which handler serves which job name and how a job that failed for good is recorded; the
 * work itself lives in a service class.
 */
export abstract class QueueConsumer<Q extends QueueName> implements OnApplicationBootstrap {
  protected constructor(
    readonly queue: Q,
    private readonly queues: QueueService,
    private readonly metrics: Metrics,
  ) {}

  /** One handler per job name on the queue (a missing one fails the boot). */
  protected abstract handlers(): JobHandlers<Q>;

  /** Called once per job that will not run again: record why on the frame or media it was about. */
  protected abstract recordFailure(failure: JobFailure): Promise<void>;

  async onApplicationBootstrap(): Promise<void> {
    const worker = this.queues.worker(this.queue, measured(this.queue, this.handlers(), this.metrics), {
      onFailed: (failure) => this.recordFailure(failure),
    });
    await worker.waitUntilReady();
  }
}
