import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { queueNames, type QueueName } from '@storelens/contracts';
import type { QueueDepth } from '@storelens/queue';

/** Where the queue gauges are read from at each scrape (QueueService). */
export interface QueueDepthSource {
  depth(queue: QueueName): Promise<QueueDepth>;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Prometheus metrics of one service, served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly jobs: Counter<'queue' | 'job' | 'outcome'>;
  readonly jobSeconds: Histogram<'queue' | 'job'>;
  readonly faces: Counter<'stage'>;
  private watchingQueues = false;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'storelens_' });
    this.jobs = new Counter({
      name: 'storelens_jobs_total',
      help: 'Jobs handled, by outcome (done, skipped, retry, failed)',
      labelNames: ['queue', 'job', 'outcome'],
      registers: [this.registry],
    });
    this.jobSeconds = new Histogram({
      name: 'storelens_job_duration_seconds',
      help: 'Time spent in a job handler',
      labelNames: ['queue', 'job'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.faces = new Counter({
      name: 'storelens_faces_total',
      help: 'Faces processed by a stage',
      labelNames: ['stage'],
      registers: [this.registry],
    });
  }

  /**
   * Adds the depth, lag and failures of every pipeline queue, read from Redis at each scrape. One service of the
   * deployment reports them (analytics, beside the queue dashboard), so a sum over services counts each job once.
   */
  watchQueues(source: QueueDepthSource, queues: readonly QueueName[] = queueNames): void {
    if (this.watchingQueues) return;
    this.watchingQueues = true;
    let last: Promise<Map<QueueName, QueueDepth>> | undefined;
    // both gauges are collected in one scrape: read Redis once for them
    const read = () =>
      (last ??= Promise.all(queues.map(async (q) => [q, await source.depth(q)] as const))
        .then((rows) => new Map(rows))
        .finally(() => setImmediate(() => (last = undefined))));
    new Gauge({
      name: 'storelens_queue_jobs',
      help: 'Jobs in a pipeline queue by state: waiting (incl. prioritized), active, delayed (retry backoff), failed (kept failures)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const [queue, depth] of await read())
          for (const state of QUEUE_STATES) this.set({ queue, state }, depth[state]);
      },
    });
    new Gauge({
      name: 'storelens_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in a pipeline queue (the lag); 0 when none waits',
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        for (const [queue, depth] of await read()) this.set({ queue }, depth.oldestWaitingMs / 1000);
      },
    });
  }
}
