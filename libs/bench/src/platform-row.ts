import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobName, queueNames } from '@storelens/contracts';
import { cpuProfileName, type ManagedProcess, type ManagedStack } from '@storelens/stack';
import { StoreLensClient } from '@storelens/api-client';
import {
  jobCounters,
  jobCountersSince,
  metricTotal,
  parsePrometheusText,
  PROCESS_CPU_SECONDS,
  PROCESS_RSS_BYTES,
  HEAP_USED_BYTES,
  EXTERNAL_BYTES,
  type JobCounters,
  type PromSample,
} from './prometheus';
import { benchStack } from './bench-stack';
import { monotonicMicros, readCpuProfile, summariseProfile } from './cpu-profile';
import { infraCpuMsBetween, infraCpuSeconds, machineCpuSeconds, pidCpuSeconds } from './proc-cpu';
import { quantile, rates, round } from './stats';
import type {
  BenchContext,
  LatencyStat,
  PlatformCpu,
  PlatformProfile,
  PlatformRow,
  PlatformRss,
  PlatformStage,
  StageName,
  StageStat,
} from './types';

/** Ports of the bench's own stack, away from a developer's running one (8080…) and the tests' (18080…). */
const BENCH_BASE_PORT = 19080;
const SCRAPE_TIMEOUT_MS = 5_000;
/** Scrapes this far apart must agree before their job counts are taken (see settledScrape). */
const SETTLE_MS = 100;
const SETTLE_TRIES = 20;
/** How often the media in flight are looked at (one list request for all of them). */
const WATCH_INTERVAL_MS = 50;

/** The pipeline stages that do a platform job's work in process, per job: an image (frame) or a face. */
const IN_PROCESS: Partial<Record<string, { stages: StageName[]; per: 'image' | 'face'; label: string }>> = {
  // ingest decodes the upload and stores it as a JPEG frame, which detection decodes again
  [JobName.IngestMedia]: { stages: ['decode'], per: 'image', label: 'decode, per image' },
  [JobName.DetectFaces]: { stages: ['decode', 'detect'], per: 'image', label: 'decode + detect, per image' },
  [JobName.EmbedFace]: { stages: ['alignEmbed'], per: 'face', label: 'align + embed, per face' },
  [JobName.DescribeFace]: { stages: ['attributes'], per: 'face', label: 'age/gender + emotion, per face' },
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The `platform` row: the same images uploaded through the public API of a freshly started stack (the service
 * processes, one replica each, on the real Redis, Postgres + pgvector and S3 endpoint), timed from the first
 * upload to the last media done. This is the end-to-end cost: HTTP, S3 round trips, queue hops, database writes,
 * and the models, spread over the worker processes. Around the timed passes it scrapes every service's /metrics,
 * so the row also says where that time went: handler time per queue and job, CPU per process, and the
 * upload-to-done latency of each media.
 */
export interface PlatformRowOptions {
  /** first port of the bench's stack */
  basePort?: number;
  /**
   * after the timed passes, keep sending the images for this long and then read every worker's RSS again: memory
   * that grows with work shows as end > start (0: read it right after the timed passes)
   */
  soakMs?: number;
  /** write every process's V8 CPU profile here and summarise the timed passes' part of each */
  cpuProfileDir?: string;
}

export async function platformRow(
  ctx: BenchContext,
  log: (line: string) => void = () => undefined,
  { basePort = BENCH_BASE_PORT, soakMs = 0, cpuProfileDir }: PlatformRowOptions = {},
): Promise<PlatformRow> {
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const bench = await benchStack('bench', basePort, {}, { cpuProfileDir });
  const { stack, key } = bench;
  // the timed passes on the monotonic clock the profiles are stamped with
  const window = { fromUs: 0, toUs: 0 };
  let measured: PlatformRow | undefined;
  try {
    log('platform: starting the services and the gateway');
    await stack.start();
    const services = stack.processes.filter((p) => p.spec.service !== 'gateway');
    const api = new StoreLensClient(stack.baseUrl).withKey(key);
    const store = await api.createStore('bench');
    const camera = await api.createCamera(store.id, { name: 'bench', role: 'floor' });

    // warm-up: every worker has loaded its models and served one job
    await api.waitForMedia((await api.uploadMedia(camera.id, ctx.files[0])).id);

    // One list request per interval follows every media in flight (per-media polling was most of the API's load).
    const watcher = api.watchMedia(camera.id, WATCH_INTERVAL_MS);
    // The counters before the timed passes, so that the warm-up (models' first runs) stays out of the stages.
    const before = await settledScrape(services, log);
    const infraBefore = infraCpuSeconds();
    const servicePids = services.flatMap((p) => (p.child?.pid ? [p.child.pid] : []));
    const servicesBefore = pidCpuSeconds(servicePids);
    const kernelBefore = machineCpuSeconds();
    const clientCpu = process.cpuUsage();
    const machineCpu = os.cpus();
    const passMs: number[] = [];
    window.fromUs = monotonicMicros();
    const latencies: number[] = [];
    const uploads: number[] = [];
    let faces = 0;
    for (let pass = 0; pass < ctx.repeat; pass++) {
      const start = performance.now();
      // every image sent at once; each media is timed from the start of its upload until the API says done
      const done = await Promise.all(
        ctx.files.map(async (f) => {
          const t0 = performance.now();
          const { id: mediaId } = await api.uploadMedia(camera.id, f);
          uploads.push(performance.now() - t0);
          const media = await watcher.watch(mediaId);
          latencies.push(performance.now() - t0);
          return media;
        }),
      );
      const ms = performance.now() - start;
      passMs.push(ms);
      // read once each, after the pass: what was found
      const found = await Promise.all(done.map((m) => api.media(m.id)));
      faces = found.reduce((n, m) => n + m.frames.reduce((k, f) => k + f.faces.length, 0), 0);
      log(`platform: pass ${pass + 1}: ${ctx.files.length} images in ${(ms / 1000).toFixed(2)} s`);
    }
    window.toUs = monotonicMicros();
    const cpuUsed = process.cpuUsage(clientCpu);
    const kernelNow = machineCpuSeconds();
    const servicesNow = pidCpuSeconds(servicePids);
    // from /proc/stat where there is one: it counts softirq time, which os.cpus() leaves out
    const machineBusy =
      kernelBefore && kernelNow
        ? round((kernelNow.busy - kernelBefore.busy) / Math.max(1e-9, kernelNow.total - kernelBefore.total), 3)
        : busyShare(machineCpu, os.cpus());
    const infraUsed = infraCpuMsBetween(infraBefore, infraCpuSeconds());
    const kernelAfter = kernelNow;
    const after = await settledScrape(services, log);

    const soakStart = performance.now();
    let soakMedia = 0;
    while (performance.now() - soakStart < soakMs) {
      await Promise.all(ctx.files.map(async (f) => watcher.watch((await api.uploadMedia(camera.id, f)).id)));
      soakMedia += ctx.files.length;
    }
    if (soakMs > 0)
      log(`platform: soak: ${soakMedia} more media in ${((performance.now() - soakStart) / 60_000).toFixed(1)} min`);
    const end = soakMs > 0 ? await scrapeServices(services) : after;
    const mib = (b: number | null | undefined) => (b === null || b === undefined ? null : round(b / 2 ** 20, 1));
    const rss: PlatformRss[] = before.map((b) => {
      const e = end.find((x) => x.service === b.service);
      return {
        service: b.service,
        startMiB: mib(b.rssBytes),
        afterPassesMiB: mib(after.find((x) => x.service === b.service)?.rssBytes),
        endMiB: mib(e?.rssBytes),
        heapUsedMiB: { start: mib(b.heapUsedBytes), end: mib(e?.heapUsedBytes) },
        externalMiB: { start: mib(b.externalBytes), end: mib(e?.externalBytes) },
      };
    });

    const best = Math.min(...passMs);
    const wallMs = sum(passMs);
    // Each service's CPU over exactly the span the machine's busy time covers, from /proc where it can be read: the
    // scrapes around that span add their own settling time and the services' cost of answering them.
    const procCpuMs = new Map<string, number>();
    for (const service of new Set(services.map((p) => p.spec.service))) {
      const pids = services.filter((p) => p.spec.service === service).map((p) => p.child?.pid ?? -1);
      if (!pids.every((pid) => servicesBefore.has(pid) && servicesNow.has(pid))) continue;
      procCpuMs.set(service, sum(pids.map((pid) => servicesNow.get(pid)! - servicesBefore.get(pid)!)) * 1000);
    }
    const stages = stagesOf(before, after, wallMs, ctx, procCpuMs);
    const cores = os.availableParallelism();
    const cpu: PlatformCpu[] = [
      ...after.flatMap(({ service, cpuSeconds }) => {
        const fromProc = procCpuMs.get(service);
        if (fromProc !== undefined) return [{ process: service, ms: fromProc }];
        const then = before.find((b) => b.service === service)?.cpuSeconds;
        return cpuSeconds === null || then === null || then === undefined
          ? []
          : [{ process: service, ms: (cpuSeconds - then) * 1000 }];
      }),
      ...infraUsed,
      { process: 'bench client', ms: (cpuUsed.user + cpuUsed.system) / 1000 },
      // network and block-device work done in interrupt context (loopback TCP among the processes): no process's
      ...(kernelBefore && kernelAfter
        ? [{ process: 'kernel softirq', ms: (kernelAfter.softirq - kernelBefore.softirq) * 1000 }]
        : []),
    ].map((c) => ({ process: c.process, ms: round(c.ms), shareOfMachine: round(c.ms / (wallMs * cores), 3) }));
    const latencyMs = latencyOf(latencies);
    measured = {
      name: 'platform',
      peer: false,
      ...rates(ctx.files.length, faces, best),
      faces,
      processes: stack.processes.length,
      repeat: ctx.repeat,
      wallMs: round(wallMs),
      stages,
      latencyMs,
      uploadMs: latencyOf(uploads),
      cpu,
      machineBusy,
      rss,
      soak: { minutes: round((performance.now() - soakStart) / 60_000, 1), media: soakMedia },
      note:
        `upload -> ingest -> detection -> embedding + attribute -> classification, all images sent at once, ` +
        `one process per service on this machine; faces found ${faces} (pipeline ${ctx.pipelineFaces}); ` +
        `per media, upload to done: median ${fmtMs(latencyMs.p50)} ms, p95 ${fmtMs(latencyMs.p95)} ms` +
        comparison(stages),
    };
    return measured;
  } finally {
    await bench.close();
    // a process writes its profile as it exits, so they are read once the stack has stopped
    if (measured && cpuProfileDir) measured.profiles = profilesOf(stack, cpuProfileDir, window.fromUs, window.toUs);
  }
}

/** Each process's profile: its main thread's time in the window, by where it went. */
function profilesOf(stack: ManagedStack, dir: string, fromUs: number, toUs: number): PlatformProfile[] {
  return stack.processes.flatMap(({ spec }) => {
    const file = path.join(dir, cpuProfileName(spec.service, spec.replica));
    if (!existsSync(file)) return []; // a process killed rather than stopped writes none
    const name = spec.replica ? `${spec.service}#${spec.replica}` : spec.service;
    const windowMs = round((toUs - fromUs) / 1000);
    return [{ process: name, file, windowMs, ...summariseProfile(readCpuProfile(file), fromUs, toUs) }];
  });
}

/** What one service's processes (all its replicas) exposed in one scrape. */
interface ServiceScrape {
  service: string;
  jobs: JobCounters[];
  /** `storelens_process_cpu_seconds_total` summed over the replicas; null when a process does not expose it */
  cpuSeconds: number | null;
  /** `storelens_process_resident_memory_bytes` summed over the replicas; null when a process does not expose it */
  rssBytes: number | null;
  heapUsedBytes: number | null;
  externalBytes: number | null;
}

async function scrapeProcess(p: ManagedProcess): Promise<PromSample[]> {
  const url = `http://127.0.0.1:${p.spec.port}/metrics`;
  const res = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`platform: GET ${url} (${p.name}) answered ${res.status}`);
  return parsePrometheusText(await res.text());
}

async function scrapeServices(processes: readonly ManagedProcess[]): Promise<ServiceScrape[]> {
  const scraped = await Promise.all(processes.map(async (p) => ({ p, samples: await scrapeProcess(p) })));
  const out: ServiceScrape[] = [];
  for (const service of new Set(processes.map((p) => p.spec.service))) {
    const mine = scraped.filter((s) => s.p.spec.service === service);
    // summed over the replicas; null when a process does not expose the metric
    const total = (metric: string) => {
      const each = mine.map((s) => metricTotal(s.samples, metric));
      return each.some((c) => c === null) ? null : sum(each as number[]);
    };
    out.push({
      service,
      jobs: jobCounters(mine.flatMap((s) => s.samples)),
      cpuSeconds: total(PROCESS_CPU_SECONDS),
      rssBytes: total(PROCESS_RSS_BYTES),
      heapUsedBytes: total(HEAP_USED_BYTES),
      externalBytes: total(EXTERNAL_BYTES),
    });
  }
  return out;
}

const jobCountKey = (scrape: readonly ServiceScrape[]) =>
  JSON.stringify(scrape.map((s) => [s.service, s.jobs.map((j) => [j.queue, j.job, j.count])]));

/**
 * Scrapes every service until two scrapes in a row agree on the job counts: a handler's metrics are updated just
 * after the database write that lets the API report its media done, so the last job of a pass can trail by a moment.
 */
async function settledScrape(processes: readonly ManagedProcess[], log: (line: string) => void) {
  let last = await scrapeServices(processes);
  for (let i = 0; i < SETTLE_TRIES; i++) {
    await sleep(SETTLE_MS);
    const next = await scrapeServices(processes);
    if (jobCountKey(next) === jobCountKey(last)) return next;
    last = next;
  }
  log(`platform: the job counters still moved after ${(SETTLE_TRIES * SETTLE_MS) / 1000} s; using the last scrape`);
  return last;
}

/** Per queue and job, what the handlers did between the two scrapes, in pipeline order. */
function stagesOf(
  before: readonly ServiceScrape[],
  after: readonly ServiceScrape[],
  wallMs: number,
  ctx: BenchContext,
  procCpuMs: ReadonlyMap<string, number> = new Map(),
): PlatformStage[] {
  const stages: PlatformStage[] = [];
  for (const { service, jobs, cpuSeconds } of after) {
    const prev = before.find((b) => b.service === service);
    const ran = jobCountersSince(jobs, prev?.jobs ?? []);
    const cpuMs =
      ran.length !== 1
        ? null
        : (procCpuMs.get(service) ??
          (cpuSeconds !== null && prev && prev.cpuSeconds !== null ? (cpuSeconds - prev.cpuSeconds) * 1000 : null));
    for (const c of ran) {
      const totalMs = c.seconds * 1000;
      stages.push({
        queue: c.queue,
        job: c.job,
        service,
        jobs: c.count,
        outcomes: c.outcomes,
        msPerJob: round(totalMs / c.count),
        totalMs: round(totalMs),
        shareOfWall: round(totalMs / wallMs, 3),
        cpuMsPerJob: cpuMs === null ? null : round(cpuMs / c.count),
        inProcess: inProcessOf(c.job, ctx),
      });
    }
  }
  const order = (s: PlatformStage) => {
    const i = queueNames.indexOf(s.queue as (typeof queueNames)[number]);
    return i < 0 ? queueNames.length : i;
  };
  return stages.sort((a, b) => order(a) - order(b) || a.job.localeCompare(b.job));
}

/** The pipeline's time for one job's worth of the same work (its stages per image, or per face). */
function inProcessOf(job: string, ctx: BenchContext): PlatformStage['inProcess'] {
  const map = IN_PROCESS[job];
  if (!map || !ctx.pipelineStages) return null;
  const picked = map.stages.map((name) => ctx.pipelineStages!.find((s) => s.stage === name));
  if (picked.some((s) => s === undefined)) return null;
  const stats = picked as StageStat[];
  const images = ctx.files.length;
  // the stage stats are per image: a per-face job gets the images' time spread over their faces
  const perJob = map.per === 'image' ? 1 : ctx.pipelineFaces > 0 ? images / ctx.pipelineFaces : NaN;
  if (!Number.isFinite(perJob)) return null;
  return {
    stages: map.label,
    msPerJob: round(sum(stats.map((s) => s.msPerImage)) * perJob),
    modelMsPerJob: round(sum(stats.map((s) => s.modelMsPerImage)) * perJob),
  };
}

/** The busy share of the machine's CPU time between two `os.cpus()` readings (every process, every core). */
function busyShare(before: readonly os.CpuInfo[], after: readonly os.CpuInfo[]): number {
  let busy = 0;
  let total = 0;
  for (const [i, cpu] of after.entries()) {
    const t0 = before[i]?.times;
    if (!t0) continue;
    const t = cpu.times;
    const b = t.user - t0.user + (t.nice - t0.nice) + (t.sys - t0.sys) + (t.irq - t0.irq);
    busy += b;
    total += b + (t.idle - t0.idle);
  }
  return total > 0 ? round(busy / total, 3) : 0;
}

function latencyOf(ms: readonly number[]): LatencyStat {
  if (ms.length === 0) return { p50: 0, p95: 0, max: 0, samples: 0 };
  return {
    p50: round(quantile(ms, 0.5)),
    p95: round(quantile(ms, 0.95)),
    max: round(Math.max(...ms)),
    samples: ms.length,
  };
}

const fmtMs = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** `; per job, platform vs in process: detect-faces 150 vs 56 ms (decode + detect, per image), …` */
function comparison(stages: readonly PlatformStage[]): string {
  const parts = stages
    .filter((s) => s.inProcess)
    .map((s) => `${s.job} ${fmtMs(s.msPerJob)} vs ${fmtMs(s.inProcess!.msPerJob)} ms (${s.inProcess!.stages})`);
  return parts.length ? `; per job, platform handler vs the pipeline in process: ${parts.join(', ')}` : '';
}
