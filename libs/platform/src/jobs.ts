import type { JobName, QueueName } from '@storelens/contracts';
import type { JobHandler, JobHandlers } from '@storelens/queue';
import type { Metrics } from './metrics';

/** Wraps each handler of a queue so that every job is counted and timed by outcome in /metrics. */
export function measured<Q extends QueueName>(queue: Q, handlers: JobHandlers<Q>, metrics: Metrics): JobHandlers<Q> {
  const out: Record<string, JobHandler<JobName>> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, JobHandler<JobName>][]) {
    out[name] = async (payload, ctx) => {
      const end = metrics.jobSeconds.startTimer({ queue, job: name });
      try {
        const outcome = await handler(payload, ctx);
        metrics.jobs.inc({ queue, job: name, outcome });
        return outcome;
      } catch (err) {
        metrics.jobs.inc({ queue, job: name, outcome: 'error' });
        throw err;
      } finally {
        end();
      }
    };
  }
  return out as JobHandlers<Q>;
}
