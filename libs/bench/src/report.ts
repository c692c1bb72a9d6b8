import type { SearchRow, SearchSettingStat } from './search-row';
import Table from 'cli-table3';
import type { BenchResult, BenchRow, PeerRow, PipelineRow, PlatformRow, RawModelsRow, StageName } from './types';

const STAGE_LABELS: Record<StageName, string> = {
  decode: 'decode (sharp)',
  detect: 'detect',
  alignEmbed: 'align + embed',
  attributes: 'age/gender + emotion',
  match: 'assemble results',
  other: 'other (between stages)',
};

/** Few digits for big numbers, more for small ones: enough to compare, not more than the noise. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

export interface ReportOptions {
  /** colour the table heads and borders (for a terminal) */
  color?: boolean;
}

type TableOptions = NonNullable<ConstructorParameters<typeof Table>[0]>;
type MakeTable = (options: TableOptions) => Table.Table;

/** cli-table3's default colours, or none: escape codes in a piped report are noise. */
const tables =
  (color: boolean): MakeTable =>
  (options) =>
    new Table(color ? options : { ...options, style: { head: [], border: [] } });

const times = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}x`);
const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)}%` : '-');

export function pipelineRow(result: BenchResult): PipelineRow {
  const row = result.rows.find((r) => r.name === 'pipeline');
  if (!row) throw new Error('bench result has no pipeline row');
  return row as PipelineRow;
}

export function rawModelsRow(result: BenchResult): RawModelsRow {
  const row = result.rows.find((r) => r.name === 'raw-models');
  if (!row) throw new Error('bench result has no raw-models row');
  return row as RawModelsRow;
}

/** The platform row with its breakdown (a registered row named `platform` may come without one). */
export function platformRowOf(result: BenchResult): PlatformRow | undefined {
  const row = result.rows.find((r) => r.name === 'platform');
  return row && Array.isArray(row.stages) && typeof row.latencyMs === 'object' ? (row as PlatformRow) : undefined;
}

/** Rows from the bench's own peer run (a registered row may say `peer: true` without the per-image detail). */
const peerRows = (result: BenchResult) =>
  result.rows.filter((r): r is PeerRow => r.peer && Array.isArray(r.perImage) && typeof r.pipelineFaces === 'number');

function rowsTable(result: BenchResult, table: MakeTable): string {
  const t = table({
    head: ['row', 'images/s', 'faces/s', 'ms/image', 'ms/face', 'faces', 'time vs pipeline'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const r of result.rows) {
    t.push([
      r.peer ? `${r.name} (peer)` : r.name,
      fmt(r.imagesPerSec),
      fmt(r.facesPerSec),
      fmt(r.msPerImage),
      fmt(r.msPerFace),
      r.faces,
      times(r.ratioToPipeline),
    ]);
  }
  return t.toString();
}

function stagesTable(result: BenchResult, table: MakeTable): string {
  const p = pipelineRow(result);
  const one = p.oneAtATime;
  const t = table({
    head: [
      'stage',
      'ms/image',
      'ms/face',
      'model ms/image',
      'overhead ms/image',
      'overhead x model',
      'share of pipeline',
    ],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const s of p.stages) {
    t.push([
      STAGE_LABELS[s.stage],
      fmt(s.msPerImage),
      fmt(s.msPerFace),
      s.modelMsPerImage > 0 ? fmt(s.modelMsPerImage) : '-',
      fmt(s.overheadMsPerImage),
      s.modelMsPerImage > 0 ? times(s.msPerImage / s.modelMsPerImage) : '-',
      percent(s.msPerImage, one.msPerImage),
    ]);
  }
  const model = p.stages.reduce((a, s) => a + s.modelMsPerImage, 0);
  t.push([
    'total, one image at a time',
    fmt(one.msPerImage),
    fmt(p.faces ? (one.msPerImage * result.images) / p.faces : null),
    fmt(model),
    fmt(one.msPerImage - model),
    times(one.msPerImage / model),
    '100%',
  ]);
  return t.toString();
}

function referenceTable(result: BenchResult, table: MakeTable): string {
  const raw = rawModelsRow(result);
  const t = table({
    head: [
      'model (640x480 frame, batch 1)',
      'input',
      'measured 1 thread',
      'INFRA.md 1 thread',
      'measured 2 threads',
      'INFRA.md 2 threads',
    ],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
  });
  const total = { m1: 0, m2: 0, i2: 0 };
  for (const r of raw.reference640x480) {
    t.push([
      r.modelId,
      r.input,
      fmt(r.measuredMs1Thread),
      fmt(r.infraMs1Thread),
      fmt(r.measuredMs2Threads),
      fmt(r.infraMs2Threads),
    ]);
    total.m1 += r.measuredMs1Thread ?? 0;
    total.m2 += r.measuredMs2Threads ?? 0;
    total.i2 += r.infraMs2Threads ?? 0;
  }
  t.push(['one frame, one face (ms)', '', fmt(total.m1), '', fmt(total.m2), fmt(total.i2)]);
  return t.toString();
}

function perImageTable(result: BenchResult, table: MakeTable): string {
  const p = pipelineRow(result);
  const raw = rawModelsRow(result);
  const peers = peerRows(result);
  const t = table({
    head: [
      'image',
      'size',
      'faces',
      ...peers.map((r) => `faces ${r.name}`),
      'pipeline ms',
      'raw ms',
      ...peers.map((r) => `${r.name} ms`),
      'detector inputs',
    ],
  });
  p.perImage.forEach((img, i) => {
    t.push([
      img.file,
      `${img.width}x${img.height}`,
      img.faces,
      ...peers.map((r) => r.perImage[i]?.faces ?? '-'),
      fmt(img.ms),
      fmt(raw.perImage[i]?.ms),
      ...peers.map((r) => fmt(r.perImage[i]?.ms)),
      raw.perImage[i]?.detectorInputs.map((d) => d.split('x').slice(2).reverse().join('x')).join(' + ') ?? '',
    ]);
  });
  return t.toString();
}

function platformTable(p: PlatformRow, table: MakeTable): string {
  const t = table({
    head: [
      'queue / job',
      'jobs',
      'ms/job',
      'CPU ms/job',
      'total ms',
      'of wall',
      'in process ms/job',
      'models ms/job',
      'extra ms/job',
    ],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const s of p.stages) {
    const own = s.inProcess;
    t.push([
      `${s.queue} / ${s.job}`,
      s.jobs,
      fmt(s.msPerJob),
      fmt(s.cpuMsPerJob),
      fmt(s.totalMs),
      percent(s.shareOfWall, 1),
      own ? fmt(own.msPerJob) : '-',
      own && own.modelMsPerJob > 0 ? fmt(own.modelMsPerJob) : '-',
      own ? fmt(s.msPerJob - own.msPerJob) : '-',
    ]);
  }
  const total = p.stages.reduce((a, s) => a + s.totalMs, 0);
  const jobs = p.stages.reduce((a, s) => a + s.jobs, 0);
  t.push(['all handlers', jobs, '', '', fmt(total), percent(total, p.wallMs), '', '', '']);
  return t.toString();
}

export function platformLines(p: PlatformRow, cores: number): string[] {
  const passes = p.repeat === 1 ? 'the timed pass' : `the ${p.repeat} timed passes`;
  const lines = [
    `ms/job: mean handler time. CPU ms/job: the service process's CPU time / its jobs (the ingest worker runs ` +
      `apart from the upload API); the rest of ms/job is waiting (S3, Postgres, Redis, a free core). of wall: handler time / the ` +
      `${fmt(p.wallMs / 1000)} s of ${passes}; a worker process runs one job at a time, so a stage near 100% limits throughput.`,
  ];
  const mapped = p.stages.filter((s) => s.inProcess);
  if (mapped.length) {
    const unmapped = p.stages.filter((s) => !s.inProcess).map((s) => s.job);
    lines.push(
      `in process: the same work in the pipeline row (models: its model time; extra: ms/job - in process): ` +
        mapped.map((s) => `${s.job} = ${s.inProcess!.stages}`).join('; ') +
        (unmapped.length ? `; ${unmapped.join(' and ')} ha${unmapped.length === 1 ? 's' : 've'} no counterpart` : '') +
        '. The platform decodes each image twice (ingest stores it as a JPEG frame, detection decodes that) and adds ' +
        'per job S3 reads and writes (upload, frame, one crops object per face), Postgres reads and writes, and the ' +
        'hop to the next queue.',
    );
  }
  const lat = p.latencyMs;
  const up = p.uploadMs;
  lines.push(
    `per media, upload to done: median ${fmt(lat.p50)} ms, p95 ${fmt(lat.p95)} ms, max ${fmt(lat.max)} ms ` +
      `(${lat.samples} media; each pass sends all its images at once, so much of this is waiting in the queues); ` +
      `the upload request alone: median ${fmt(up.p50)} ms, p95 ${fmt(up.p95)} ms.`,
  );
  if (p.cpu.length) {
    const total = p.cpu.reduce((a, c) => a + c.ms, 0);
    lines.push(
      `CPU in ${passes}, ms (share of ${cores} cores x the wall time): ` +
        p.cpu.map((c) => `${c.process} ${fmt(c.ms)} (${percent(c.shareOfMachine, 1)})`).join(', ') +
        `; together ${fmt(total)} (${percent(total, p.wallMs * cores)}). The whole machine was ` +
        `${percent(p.machineBusy, 1)} busy: the rest is the gateway, Postgres, Redis, the S3 endpoint and anything ` +
        'else running.',
    );
  }
  if (p.rss?.length) {
    lines.push(
      `worker RSS, MiB, after the warm-up -> after the timed passes` +
        (p.soak.minutes > 0 ? ` -> after ${p.soak.minutes} min more (${p.soak.media} media)` : '') +
        ': ' +
        p.rss
          .map(
            (r) =>
              `${r.service} ${r.startMiB ?? '?'} -> ${r.afterPassesMiB ?? '?'}` +
              (p.soak.minutes > 0 ? ` -> ${r.endMiB ?? '?'}` : '') +
              ` (V8 heap ${r.heapUsedMiB.start ?? '?'} -> ${r.heapUsedMiB.end ?? '?'},` +
              ` buffers ${r.externalMiB.start ?? '?'} -> ${r.externalMiB.end ?? '?'})`,
          )
          .join(', ') +
        '.',
    );
  }
  for (const prof of p.profiles ?? []) {
    lines.push(
      `${prof.process}'s main thread in the ${fmt(prof.windowMs)} ms of the timed passes (${prof.file}): not idle ` +
        `${fmt(prof.busyMs)} ms (waiting for a core included), idle ${fmt(prof.idleMs)} ms; ` +
        prof.top.map((t) => `${t.what} ${percent(t.share, 1)}`).join(', ') +
        '.',
    );
  }
  const notDone = p.stages.flatMap((s) =>
    Object.entries(s.outcomes)
      .filter(([outcome, n]) => outcome !== 'done' && n > 0)
      .map(([outcome, n]) => `${s.job} ${n} ${outcome}`),
  );
  if (notDone.length) lines.push(`handler runs that did not end done: ${notDone.join(', ')}.`);
  return lines;
}

function summary(result: BenchResult): string[] {
  const p = pipelineRow(result);
  const raw = rawModelsRow(result);
  const lines = [
    `pipeline / raw-models = ${times(raw.pipelineOverRaw)}: ${percent(p.msPerImage - raw.msPerImage, p.msPerImage)} of the pipeline's time is spent outside the models.`,
    `pipeline: ${fmt(p.msPerImage)} ms/image streamed, the next images decoded and analysed while this one is, the models on their own thread (as storelens analyze runs a folder; each pass timed behind an untimed lead-in of the same images), ${fmt(p.oneAtATime.msPerImage)} ms/image one image at a time (the stages below).`,
  ];
  if (raw.detectorScales.length > 1) {
    const [first, detail] = raw.detectorScales;
    lines.push(
      `detector: ${fmt(first.msPerImage)} ms/image at the first scale (${first.calls} images), ${fmt(detail.msPerImage)} ms/image at the detail scale (${detail.calls} images).`,
    );
  }
  const multi = Object.values(raw.models).filter((m) => (m.rowsPerFace ?? 1) > 1);
  for (const m of multi)
    lines.push(`${m.modelId} runs ${m.rowsPerFace} input rows per face (e.g. the crop and its mirror image).`);
  for (const r of peerRows(result)) {
    lines.push(
      `${r.name} ${r.version} (${r.backend}${r.simd ? ' simd' : ''}) found ${r.faces} faces, StoreLens ${r.pipelineFaces}.`,
    );
  }
  const notes = result.rows.filter((r): r is BenchRow & { note: string } => typeof r.note === 'string');
  for (const r of notes) lines.push(`${r.name}: ${r.note}`);
  return lines;
}

/** The human-readable report: rows, stages, per-image detail and the INFRA.md cross-check. */
export function renderReport(result: BenchResult, opts: ReportOptions = {}): string {
  const table = tables(Boolean(opts.color));
  const m = result.machine;
  const p = pipelineRow(result);
  const passes = p.repeat === 1 ? 'one timed pass' : `median of ${p.repeat} timed passes`;
  return [
    `StoreLens bench: ${result.images} images, ${result.faces} faces; ${passes} per row after one warm-up pass`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, node ${m.node}, onnxruntime-node ${m.onnxruntime}, ` +
      `${m.ortThreads} ORT thread(s) per model, load average ${m.loadAverage} at start`,
    '',
    rowsTable(result, table),
    ...summary(result),
    '',
    'Where the pipeline spends its time (model ms: the raw-models row on the same tensors)',
    stagesTable(result, table),
    '',
    'Per image (median ms)',
    perImageTable(result, table),
    '',
    `This machine against INFRA.md "Raw model speed on this machine" (the rows above use ${m.ortThreads} thread${m.ortThreads === 1 ? '' : 's'})`,
    referenceTable(result, table),
    'The 2-thread column needs both cores free: any other load on the machine shows there first.',
    ...platformSection(result, table),
  ].join('\n');
}

/** The platform's breakdown, when the result has it (not with --no-platform). */
function platformSection(result: BenchResult, table: MakeTable): string[] {
  const p = platformRowOf(result);
  if (!p) return [];
  return [
    '',
    `Where the platform spends its time (worker handlers in the timed passes, from each service's /metrics; ` +
      `in process: the pipeline row's stages for the same work)`,
    platformTable(p, table),
    ...platformLines(p, result.machine.cores),
  ];
}

/** ef_search as set: one value, or the value that follows each tenant graph's size and the range the queries used. */
function efLabel(s: SearchSettingStat): string {
  return s.efSearchRows
    ? `${s.efSearch} up to ${s.efSearchRows} vectors, more above (used ${s.efSearchUsed.min}..${s.efSearchUsed.max})`
    : String(s.efSearch);
}

/** The search row as a few lines of text. */
export function renderSearch(row: SearchRow): string {
  const lines = [
    `search: ${row.vectors} vectors (${row.enrolled} enrolled, ${row.visitors} visitor faces) across ${row.tenants} tenants ` +
      `(${row.tenantVectors.min}..${row.tenantVectors.max} per tenant), ${row.queries} query faces`,
    `load ${row.loadSeconds} s; HNSW build ${row.buildSeconds} s (m=${row.m}, ef_construction=${row.efConstruction}); ` +
      `index ${row.indexMiB} MiB, table ${row.tableMiB} MiB; shared_buffers ${row.server.sharedBuffersMiB} MiB` +
      (row.prewarmedMiB === null ? '' : `, ${row.prewarmedMiB} MiB of graphs prewarmed`),
    `decision (gallery + visitor search) per face, load average ${row.loadAverage}:`,
  ];
  for (const s of row.settings) {
    lines.push(
      `  ef_search=${efLabel(s)} iterative_scan=${s.iterativeScan}: p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms ` +
        `(server CPU p50 ${s.serverCpuP50Ms}, p95 ${s.serverCpuP95Ms}; gallery p50/p95 ${s.galleryMs.p50}/${s.galleryMs.p95}, ` +
        `visitors ${s.visitorsMs.p50}/${s.visitorsMs.p95}) ` +
        `(small tenants ${s.smallTenantsP95Ms}, large ${s.largeTenantsP95Ms}), recall@10 ${s.recallAt10} ` +
        `(gallery ${s.galleryRecallAt10}, visitors ${s.visitorRecallAt10}, worst query ${s.minRecallAt10}; ` +
        `nearest visitor exact for ${s.visitorRecallAt1}; small tenants ${s.smallTenantsRecallAt10}, ` +
        `large ${s.largeTenantsRecallAt10})`,
    );
    for (const graph of ['gallery', 'visitors'] as const) {
      const bands = s.recallBySize.filter((b) => b.graph === graph);
      if (bands.length)
        lines.push(
          `    recall@10 of the ${graph} search by graph size: ` +
            bands.map((b) => `≤${b.upToRows / 1000}k ${b.recallAt10} (${b.searches}, ef ${b.efSearch})`).join(', '),
        );
    }
  }
  return lines.join('\n');
}
