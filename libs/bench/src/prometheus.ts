/**
 * Just enough of the Prometheus text exposition format (what prom-client's `registry.metrics()` serves at /metrics)
 * for the bench to read the job counters of the platform's workers: sample lines with their labels and values.
 */

/** One sample line: `name{label="value",…} value [timestamp]`. */
export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
const LABEL_PAIR = /[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(?:,|$)/y;

/** A sample's value; the special values in any case, as Prometheus reads them (prom-client prints NaN as `Nan`). */
function sampleValue(text: string, line: string): number {
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`metrics: not a sample value in "${line}"`);
  return v;
}

function labelsOf(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < text.length) {
    const at = LABEL_PAIR.lastIndex;
    const m = LABEL_PAIR.exec(text);
    if (!m || LABEL_PAIR.lastIndex === at) throw new Error(`metrics: cannot read the labels of "${line}"`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Every sample of a scrape; comments (`# HELP`, `# TYPE`) and blank lines are skipped, a malformed line throws. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`metrics: not a sample line: "${line}"`);
    out.push({ name: m[1], labels: m[2] ? labelsOf(m[2], line) : {}, value: sampleValue(m[3], line) });
  }
  return out;
}

/** The metric names of `Metrics` in @storelens/platform (libs/platform/src/metrics.ts). */
export const JOB_SECONDS = 'storelens_job_duration_seconds';
export const JOBS_TOTAL = 'storelens_jobs_total';
export const PROCESS_CPU_SECONDS = 'storelens_process_cpu_seconds_total';
export const PROCESS_RSS_BYTES = 'storelens_process_resident_memory_bytes';
/** V8's heap in use: JS objects; what grows here and not in RSS alone is the services' own code holding on */
export const HEAP_USED_BYTES = 'storelens_nodejs_heap_size_used_bytes';
/** memory of JS-owned native buffers (Buffers, typed arrays: images, tensors) */
export const EXTERNAL_BYTES = 'storelens_nodejs_external_memory_bytes';

/** What the workers' handlers did for one job name of one queue, summed over the scraped processes. */
export interface JobCounters {
  queue: string;
  job: string;
  /** handler runs (every attempt, whatever its outcome): the histogram's `_count` */
  count: number;
  /** time in the handler: the histogram's `_sum` */
  seconds: number;
  /** `storelens_jobs_total` by outcome (done, skipped, retry, failed, error) */
  outcomes: Record<string, number>;
}

const jobKey = (queue: string, job: string) => `${queue}\u0000${job}`;

/** The job counters in one or more scrapes (e.g. every replica of a service), per queue and job. */
export function jobCounters(samples: readonly PromSample[]): JobCounters[] {
  const byKey = new Map<string, JobCounters>();
  const entry = (s: PromSample): JobCounters | undefined => {
    const { queue, job } = s.labels;
    if (queue === undefined || job === undefined) return undefined;
    const key = jobKey(queue, job);
    let c = byKey.get(key);
    if (!c) byKey.set(key, (c = { queue, job, count: 0, seconds: 0, outcomes: {} }));
    return c;
  };
  for (const s of samples) {
    if (s.name === `${JOB_SECONDS}_count`) entry(s)!.count += s.value;
    else if (s.name === `${JOB_SECONDS}_sum`) entry(s)!.seconds += s.value;
    else if (s.name === JOBS_TOTAL) {
      const c = entry(s);
      const outcome = s.labels.outcome ?? 'unknown';
      if (c) c.outcomes[outcome] = (c.outcomes[outcome] ?? 0) + s.value;
    }
  }
  return [...byKey.values()].filter((c) => c.count > 0 || Object.keys(c.outcomes).length > 0);
}

/**
 * `after - before` per queue and job (counters only grow while a process lives), keeping the jobs that ran in
 * between, in the order of `after`.
 */
export function jobCountersSince(after: readonly JobCounters[], before: readonly JobCounters[]): JobCounters[] {
  const prev = new Map(before.map((c) => [jobKey(c.queue, c.job), c]));
  const out: JobCounters[] = [];
  for (const a of after) {
    const b = prev.get(jobKey(a.queue, a.job));
    const outcomes: Record<string, number> = {};
    for (const [k, v] of Object.entries(a.outcomes)) {
      const d = v - (b?.outcomes[k] ?? 0);
      if (d > 0) outcomes[k] = d;
    }
    const count = a.count - (b?.count ?? 0);
    if (count > 0) out.push({ queue: a.queue, job: a.job, count, seconds: a.seconds - (b?.seconds ?? 0), outcomes });
  }
  return out;
}

/** The sum of every sample of one metric name (e.g. a counter without labels of its own), null when absent. */
export function metricTotal(samples: readonly PromSample[], name: string): number | null {
  const values = samples.filter((s) => s.name === name).map((s) => s.value);
  return values.length ? values.reduce((a, b) => a + b, 0) : null;
}
