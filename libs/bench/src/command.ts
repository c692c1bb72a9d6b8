import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { config } from '@storelens/config';
import type { VectorSearchSettings } from '@storelens/db';
import { machineInfo } from './machine';
import { renderAnalytics, runAnalyticsBench } from './analytics/analytics-bench';
import { liveRow, renderLive } from './live-row';
import { platformRow } from './platform-row';
import { searchRow } from './search-row';
import { registerBenchRow } from './registry';
import { renderReport, renderSearch } from './report';
import { DEFAULT_REPEAT, runBench, type BenchProgress } from './run-bench';

const MAX_REPEAT = 50;

const MIN_SEARCH_VECTORS = 550;

function searchArg(v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < MIN_SEARCH_VECTORS)
    throw new InvalidArgumentError(`search needs a whole number of vectors, at least ${MIN_SEARCH_VECTORS}`);
  return n;
}

/**
 * --search-ef: `N` (N candidates in every graph) or `N:ROWS` (N up to ROWS vectors per tenant graph, more above, as
 * the platform's VECTOR_EF_SEARCH and VECTOR_EF_SEARCH_ROWS), comma-separated.
 */
export function parseSearchEf(v: string): VectorSearchSettings[] {
  const list = v.split(',').map((item) => {
    const m = /^(\d+)(?::(\d+))?$/.exec(item.trim().replace(/_/g, ''));
    const efSearch = Number(m?.[1]);
    if (!m || efSearch < 1 || efSearch > 1000)
      throw new InvalidArgumentError('search-ef must be N or N:ROWS with N in 1..1000, comma-separated');
    const setting: VectorSearchSettings = { efSearch, iterativeScan: 'relaxed_order' };
    return m[2] === undefined ? setting : { ...setting, efSearchRows: Number(m[2]) };
  });
  return list;
}

/** A whole number from 1 to max, for an option. */
function repeatArgMax(max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}

function repeatArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPEAT)
    throw new InvalidArgumentError(`repeat must be a whole number from 1 to ${MAX_REPEAT}`);
  return n;
}

/** Where logs and the progress bar go (process.stderr). */
export interface LogStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

/** A bar on stderr, only on a terminal: piped stderr stays a clean log. */
function progressBar(stream: LogStream): BenchProgress | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new SingleBar(
    {
      format: ' {bar} {value}/{total} | {step}',
      hideCursor: true,
      clearOnComplete: true,
      stream: stream as NodeJS.WriteStream,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    start: (total) => {
      bar.start(total, 0, { step: '' });
      started = true;
    },
    tick: (step) => bar.increment(1, { step }),
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

export interface BenchCommandIo {
  stdout: (text: string) => void;
  /** whether stdout is a terminal (coloured tables) */
  stdoutIsTty: boolean;
  stderr: LogStream;
}

const defaultIo = (): BenchCommandIo => ({
  stdout: (text) => process.stdout.write(text),
  stdoutIsTty: Boolean(process.stdout.isTTY),
  stderr: process.stderr,
});

/** `storelens bench`: registered on the CLI through `extraCommands`. */
export function addBenchCommand(program: Command, io: BenchCommandIo = defaultIo()): void {
  program
    .command('bench')
    .description('speed of the pipeline, of its models alone, and of @vladmandic/human on the same images')
    .option('--json', 'print one JSON object on stdout (and nothing else there)')
    .option('--repeat <n>', 'timed passes over the images per row, after one warm-up pass', repeatArg, DEFAULT_REPEAT)
    .option('--no-peer', 'skip @vladmandic/human')
    .option('--no-platform', 'skip the platform row (it starts the six services on the local Redis, Postgres and S3)')
    .option('--images <dir>', 'bench the images in this folder instead of the fixture set')
    .option(
      '--search <vectors>',
      'only the vector-search row: this many synthetic vectors (1 enrolled : 10 visitors, 50 tenants) in a database of its own',
      searchArg,
    )
    .option('--search-queries <n>', 'query faces timed per setting in the search row (default 200)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError('search-queries must be a positive whole number');
      return n;
    })
    .option(
      '--search-ef <list>',
      'with --search: the ef_search settings to time (relaxed_order), comma-separated, first the headline: N for N ' +
        'candidates in every graph, N:ROWS for N up to ROWS vectors per tenant graph and more above ' +
        '(default: 100:15000, 100, 40, strict 40, 64)',
      parseSearchEf,
    )
    .option('--base-port <port>', "first port of the platform row's stack (default 19080)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1024 || n > 65000)
        throw new InvalidArgumentError('base-port must be a port number');
      return n;
    })
    .option(
      '--soak <minutes>',
      'keep the platform busy this long after its timed passes, then read worker RSS again',
      (v) => {
        const n = Number(v);
        if (!(n > 0 && n <= 120)) throw new InvalidArgumentError('soak must be minutes, more than 0 and at most 120');
        return n;
      },
    )
    .option(
      '--cpu-profile <dir>',
      "write a V8 CPU profile of every service of the platform row into this folder, and show where each one's main thread spent the timed passes",
    )
    .option('--search-keep', "keep the search row's database afterwards (to look at its plans)")
    .option(
      '--search-prewarm',
      'read the HNSW graphs into shared_buffers before timing (a server searching all day has them there when shared_buffers holds them)',
    )
    .option(
      '--analytics',
      'only the analytics row: a 10-million-face, 1-million-visit chain generated into its own database; summary and shopper queries timed',
    )
    .option('--analytics-regenerate', 'with --analytics: generate the chain again instead of reusing it')
    .option(
      '--live',
      'only the live row: 1, 2, 4, … RTSP cameras at 2 fps through the whole stack, capture-to-webhook latency',
    )
    .option(
      '--live-seconds <s>',
      'with --live: seconds measured per number of cameras (default 60)',
      repeatArgMax(3600),
    )
    .option('--live-max-cameras <n>', 'with --live: stop after this many cameras (default 16)', repeatArgMax(64))
    .option(
      '--analytics-frames <n>',
      'with --analytics: frames per camera-hour (31, the default, is 10 million faces; fewer for a busy machine)',
      repeatArg,
    )
    .action(
      async (o: {
        json?: boolean;
        repeat: number;
        peer: boolean;
        platform: boolean;
        images?: string;
        search?: number;
        searchQueries?: number;
        searchEf?: VectorSearchSettings[];
        searchKeep?: boolean;
        searchPrewarm?: boolean;
        basePort?: number;
        soak?: number;
        cpuProfile?: string;
        analytics?: boolean;
        analyticsRegenerate?: boolean;
        analyticsFrames?: number;
        live?: boolean;
        liveSeconds?: number;
        liveMaxCameras?: number;
      }) => {
        const log = (line: string) => io.stderr.write(`${line}\n`);
        if (o.live) {
          const row = await liveRow({ secondsPerLevel: o.liveSeconds, maxCameras: o.liveMaxCameras, log });
          io.stdout(o.json ? `${JSON.stringify({ machine: machineInfo(), rows: [row] })}\n` : `${renderLive(row)}\n`);
          return;
        }
        if (o.analytics) {
          const analytics = await runAnalyticsBench({
            regenerate: o.analyticsRegenerate,
            framesPerMedia: o.analyticsFrames,
            log,
          });
          io.stdout(
            o.json
              ? `${JSON.stringify({ rows: [{ name: 'analytics', ...analytics }] })}\n`
              : `${renderAnalytics(analytics)}\n`,
          );
          return;
        }
        if (o.search !== undefined) {
          const row = await searchRow({
            vectors: o.search,
            queries: o.searchQueries,
            settings: o.searchEf,
            keep: o.searchKeep,
            prewarm: o.searchPrewarm,
            databaseUrl: config().database.url,
            log,
          });
          const result = { machine: machineInfo(), rows: [row] };
          io.stdout(o.json ? `${JSON.stringify(result)}\n` : `${renderSearch(row)}\n`);
          return;
        }
        const unregister = o.platform
          ? registerBenchRow((ctx) =>
              platformRow(ctx, log, {
                basePort: o.basePort,
                soakMs: (o.soak ?? 0) * 60_000,
                cpuProfileDir: o.cpuProfile && path.resolve(o.cpuProfile),
              }),
            )
          : undefined;
        const result = await runBench({
          repeat: o.repeat,
          peer: o.peer,
          imagesDir: o.images,
          progress: progressBar(io.stderr),
          log: (line) => io.stderr.write(`${line}\n`),
        });
        unregister?.();
        io.stdout(o.json ? `${JSON.stringify(result)}\n` : `${renderReport(result, { color: io.stdoutIsTty })}\n`);
      },
    );
}
