import { Metrics } from '@storelens/platform';
import {
  jobCounters,
  jobCountersSince,
  metricTotal,
  parsePrometheusText,
  PROCESS_CPU_SECONDS,
  type PromSample,
} from './prometheus';

describe("reading the services' /metrics", () => {
  it("reads the job histogram and counters out of a service's real Metrics registry", async () => {
    const m = new Metrics('detection');
    const before = jobCounters(parsePrometheusText(await m.registry.metrics()));
    expect(before).toEqual([]); // a label set never observed is not printed

    for (const s of [0.2, 0.1]) m.jobSeconds.observe({ queue: 'detection', job: 'detect-faces' }, s);
    m.jobs.inc({ queue: 'detection', job: 'detect-faces', outcome: 'done' }, 2);
    m.jobSeconds.observe({ queue: 'detection', job: 'detect-faces' }, 0.05);
    m.jobs.inc({ queue: 'detection', job: 'detect-faces', outcome: 'retry' });
    m.faces.inc({ stage: 'detection' }, 3); // another counter, not a job's

    const samples = parsePrometheusText(await m.registry.metrics());
    const [c] = jobCounters(samples);
    expect(jobCounters(samples)).toHaveLength(1);
    expect(c).toEqual({
      queue: 'detection',
      job: 'detect-faces',
      count: 3,
      seconds: expect.any(Number),
      outcomes: { done: 2, retry: 1 },
    });
    expect(c.seconds).toBeCloseTo(0.35, 10);
    // the default labels and process metrics come along
    expect(samples.find((s) => s.name === 'storelens_job_duration_seconds_count')?.labels.service).toBe('detection');
    expect(metricTotal(samples, PROCESS_CPU_SECONDS)).toBeGreaterThan(0);
    expect(metricTotal(samples, 'storelens_no_such_metric')).toBeNull();
  });

  it('reads escaped label values, special values and timestamps, and skips comments', () => {
    const text = [
      '# HELP x_total A counter',
      '# TYPE x_total counter',
      'x_total{a="q\\"uote",b="back\\\\slash",c="new\\nline",d="},{"} 3 1700000000000',
      'y 1.5e-3',
      'h_bucket{le="+Inf"} 7',
      'g NaN',
      'g2 Nan',
      'i -Inf',
      '',
    ].join('\n');
    const s = parsePrometheusText(text);
    expect(s.map((x) => x.name)).toEqual(['x_total', 'y', 'h_bucket', 'g', 'g2', 'i']);
    expect(s[0]).toEqual({
      name: 'x_total',
      labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline', d: '},{' },
      value: 3,
    });
    expect(s[1]).toEqual({ name: 'y', labels: {}, value: 0.0015 });
    expect(s[2].labels.le).toBe('+Inf');
    expect(s[3].value).toBeNaN();
    expect(s[4].value).toBeNaN(); // prom-client's spelling
    expect(s[5].value).toBe(-Infinity);
  });

  it('refuses a line it cannot read instead of guessing', () => {
    expect(() => parsePrometheusText('x_total{a=unquoted} 1')).toThrow(/labels/);
    expect(() => parsePrometheusText('x_total 1 2 3')).toThrow(/not a sample line/);
    expect(() => parsePrometheusText('x_total abc')).toThrow(/not a sample value/);
  });

  it('sums replicas and subtracts an earlier scrape, keeping only the jobs that ran in between', () => {
    const job = (name: string, queue: string, jobName: string, value: number, outcome?: string): PromSample => ({
      name,
      labels: { queue, job: jobName, ...(outcome ? { outcome } : {}) },
      value,
    });
    const scrape = (n: number, s: number, embed: number): PromSample[] => [
      job('storelens_job_duration_seconds_count', 'embedding', 'embed-face', n),
      job('storelens_job_duration_seconds_sum', 'embedding', 'embed-face', s),
      job('storelens_jobs_total', 'embedding', 'embed-face', n, 'done'),
      job('storelens_job_duration_seconds_count', 'enrolment', 'enrol-identity-media', embed),
      job('storelens_job_duration_seconds_sum', 'enrolment', 'enrol-identity-media', embed),
    ];
    const replicas = jobCounters([...scrape(2, 0.5, 1), ...scrape(3, 1.0, 0)]);
    expect(replicas.map((c) => [c.job, c.count, c.seconds, c.outcomes])).toEqual([
      ['embed-face', 5, 1.5, { done: 5 }],
      ['enrol-identity-media', 1, 1, {}],
    ]);
    const since = jobCountersSince(jobCounters(scrape(7, 2.5, 1)), jobCounters(scrape(2, 0.5, 1)));
    expect(since).toEqual([{ queue: 'embedding', job: 'embed-face', count: 5, seconds: 2, outcomes: { done: 5 } }]);
  });
});
