import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service, served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly jobs: Counter<'queue' | 'job' | 'outcome'>;
  readonly jobSeconds: Histogram<'queue' | 'job'>;
  readonly faces: Counter<'stage'>;

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
}
