import { config } from '@storelens/config';
import sharp from 'sharp';
import { FacePipeline, newTimings, READ_AHEAD, readAhead, type StageTimings } from '@storelens/pipeline';
import type { ModelRole } from '@storelens/inference';
import { ImageDecodeError } from '@storelens/vision';
import { defaultBenchImages, folderBenchImages, type BenchImage } from './images';
import { machineInfo } from './machine';
import {
  batchOf,
  describeDims,
  firstOfBatch,
  MODEL_ROLES,
  pipelineSessions,
  recordFeeds,
  type Feed,
  type ModelFeeds,
  type ModelSessions,
} from './model-feeds';
import { createHumanPeer, type HumanPeerOptions } from './peer/human-peer';
import { registeredBenchRows } from './registry';
import { median, perItem, rates, round } from './stats';
import type {
  BenchResult,
  BenchRow,
  ModelStat,
  PeerRow,
  PipelineRow,
  RawModelsRow,
  ReferenceStat,
  StageName,
  StageStat,
} from './types';

export const DEFAULT_REPEAT = 3;

/** Reports progress while the bench runs (a bar on a terminal). */
export interface BenchProgress {
  start(total: number): void;
  /** a step starts: the bar counts steps started, and shows the label of the current one */
  tick(label: string): void;
  stop(): void;
}

export interface BenchOptions {
  /** the images to bench; default: `imagesDir`, or else the fixed fixture set */
  images?: BenchImage[];
  imagesDir?: string;
  /** timed passes over the images per row, after one warm-up pass; default 3 */
  repeat?: number;
  /** run @vladmandic/human as well; default true */
  peer?: boolean;
  peerOptions?: HumanPeerOptions;
  progress?: BenchProgress;
  /** one line of diagnostics (the CLI writes these to stderr) */
  log?: (line: string) => void;
}

/**
 * INFRA.md "Raw model speed on this machine" (onnxruntime-node 1.30, CPU, 640x480 frame, batch 1): printed next to
 * the measured numbers so a reader sees whether this machine matches the one the numbers were taken on.
 */
const INFRA_REFERENCE: Record<ModelRole, { twoThreads: number | null; oneThread: number | null }> = {
  detector: { twoThreads: 7.1, oneThread: 7.4 },
  embedder: { twoThreads: 2.9, oneThread: 3.3 },
  ageGender: { twoThreads: 1.1, oneThread: null },
  emotion: { twoThreads: 1.0, oneThread: null },
};
const REFERENCE_WIDTH = 640;
const REFERENCE_HEIGHT = 480;
const REFERENCE_RUNS = 20;

const STAGE_KEYS: [Exclude<StageName, 'other'>, keyof StageTimings][] = [
  ['decode', 'decodeMs'],
  ['detect', 'detectMs'],
  ['alignEmbed', 'alignEmbedMs'],
  ['attributes', 'attributesMs'],
  ['match', 'matchMs'],
];

const PER_FACE_MODELS: readonly ModelRole[] = ['embedder', 'ageGender', 'emotion'];

/** The models whose time falls inside each pipeline stage. */
const STAGE_MODELS: Record<StageName, ModelRole[]> = {
  decode: [],
  detect: ['detector'],
  alignEmbed: ['embedder'],
  attributes: ['ageGender', 'emotion'],
  match: [],
  other: [],
};

/** An image that went through the pipeline once, with the model inputs it produced. */
interface PreparedImage {
  image: BenchImage;
  width: number;
  height: number;
  faces: number;
  feeds: ModelFeeds;
}

interface PipelinePass {
  totalMs: number;
  perImageMs: number[];
  stages: Record<StageName, number>;
  faces: number;
}

interface StreamPass {
  totalMs: number;
  faces: number;
}

interface RawPass {
  totalMs: number;
  perImageMs: number[];
  models: Record<ModelRole, number>;
  /** detector ms by the call's place for its image: [first scale, second (detail) scale] */
  detectorScales: number[];
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const noProgress: BenchProgress = { start: () => undefined, tick: () => undefined, stop: () => undefined };
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Runs every row of the bench on one image set: the in-process pipeline, its models alone on the pipeline's own
 * tensors (the floor), any registered rows (the platform), and the peer library.
 */
export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const repeat = opts.repeat ?? DEFAULT_REPEAT;
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new RangeError(`repeat must be a whole number >= 1, got ${repeat}`);
  const log = opts.log ?? (() => undefined);
  const progress = opts.progress ?? noProgress;
  const withPeer = opts.peer ?? true;
  const providers = registeredBenchRows();

  const images = opts.images ?? (opts.imagesDir ? await folderBenchImages(opts.imagesDir) : await defaultBenchImages());
  const machine = machineInfo();
  log(
    `bench: ${images.length} images, ${repeat} timed pass${repeat === 1 ? '' : 'es'} per row, ${machine.ortThreads} ONNX Runtime thread(s) per model`,
  );

  const pipeline = await FacePipeline.create(config());
  const models = await pipelineSessions();
  const n = images.length;
  progress.start(n + 3 * repeat * n + 1 + providers.length + (withPeer ? 1 + n + repeat * n : 0));

  try {
    // Warm-up pass: also records the exact tensors each image gives every model.
    const prepared: PreparedImage[] = [];
    for (const image of images) {
      progress.tick(`warm-up ${image.name}`);
      try {
        prepared.push(await prepare(pipeline, models, image));
      } catch (err) {
        if (!(err instanceof ImageDecodeError)) throw err; // anything else is the bench's or the pipeline's fault
        log(`bench: skipping ${image.name}: ${err.message}`);
      }
    }
    if (prepared.length === 0) throw new Error('bench: no image could be analysed');

    // Timed passes, pipeline and floor interleaved so that drift in machine load hits both alike.
    const pipelinePasses: PipelinePass[] = [];
    const streamPasses: StreamPass[] = [];
    const rawPasses: RawPass[] = [];
    for (let r = 0; r < repeat; r++) {
      pipelinePasses.push(
        await pipelinePass(pipeline, prepared, (name) => progress.tick(`pipeline ${r + 1}/${repeat} ${name}`)),
      );
      streamPasses.push(
        await streamPass(pipeline, prepared, (name) => progress.tick(`pipeline, streamed ${r + 1}/${repeat} ${name}`)),
      );
      rawPasses.push(await rawPass(models, prepared, (name) => progress.tick(`raw models ${r + 1}/${repeat} ${name}`)));
    }
    const faces = pipelinePasses[0].faces;
    const found = [...pipelinePasses, ...streamPasses].map((p) => p.faces);
    if (found.some((f) => f !== faces)) {
      throw new Error(`bench: the pipeline found ${found.join(', ')} faces in passes over the same images`);
    }

    const pipelineRow = pipelineRowOf(prepared, pipelinePasses, streamPasses, rawPasses, repeat);
    const rawRow = rawRowOf(prepared, rawPasses, models, pipelineRow);
    const rows: BenchRow[] = [pipelineRow, rawRow];

    const files = prepared.map((p) => p.image.file);
    for (const provide of providers) {
      progress.tick('registered row');
      const row = await provide({ files, repeat, pipelineFaces: faces, pipelineStages: pipelineRow.stages });
      if (row) rows.push(row);
    }

    if (withPeer) rows.push(await peerRow(prepared, repeat, faces, progress, opts.peerOptions));

    // Last, so that the extra 2-thread sessions it opens cannot disturb any row.
    progress.tick('640x480 reference');
    rawRow.reference640x480 = await referenceTimings(pipeline, models, prepared);

    for (const row of rows) row.ratioToPipeline = round(row.msPerImage / pipelineRow.msPerImage, 3);
    return { machine, images: prepared.length, faces, rows };
  } finally {
    progress.stop();
  }
}

async function prepare(pipeline: FacePipeline, models: ModelSessions, image: BenchImage): Promise<PreparedImage> {
  const { result, feeds } = await recordFeeds(models.sessions, () => pipeline.analyzeBuffer(image.bytes));
  const faces = result.faces.length;
  // The floor is only a floor if it replays every model call the pipeline made; check nothing went unobserved.
  if (feeds.detector.length === 0) {
    throw new Error('the pipeline ran no detector call that the bench could observe (are its sessions still shared?)');
  }
  // Per-face models may see more than one input row per face (e.g. a crop and its mirror image), never a fraction.
  for (const role of PER_FACE_MODELS) {
    const rows = sum(feeds[role].map(batchOf));
    if (rows % Math.max(faces, 1) !== 0 || (rows === 0) !== (faces === 0)) {
      throw new Error(`${role} received ${rows} input rows for the ${faces} faces the pipeline returned`);
    }
  }
  return { image, width: result.width, height: result.height, faces, feeds };
}

async function pipelinePass(
  pipeline: FacePipeline,
  prepared: PreparedImage[],
  tick: (name: string) => void,
): Promise<PipelinePass> {
  const t = newTimings();
  const perImageMs: number[] = [];
  let faces = 0;
  for (const p of prepared) {
    tick(p.image.name);
    const start = performance.now();
    const analysis = await pipeline.analyzeBuffer(p.image.bytes, undefined, t);
    perImageMs.push(performance.now() - start);
    faces += analysis.faces.length;
  }
  const totalMs = sum(perImageMs);
  const stages = { other: 0 } as Record<StageName, number>;
  for (const [stage, key] of STAGE_KEYS) stages[stage] = t[key];
  stages.other = totalMs - sum(STAGE_KEYS.map(([stage]) => stages[stage]));
  return { totalMs, perImageMs, stages, faces };
}

/**
 * The images as a stream, as `storelens analyze` runs a folder: `READ_AHEAD` images in flight, each decoded (in
 * libvips' threads) and analysed (the crops on the main thread, the models on theirs) while the others are: the
 * pipeline's throughput. The timed images run behind a lead-in of the same images, untimed, as a long run streams
 * them, so the stream is full when timing begins: a fresh stream waits for its first decode, and the set's one large
 * progressive JPEG, second in it, outlasts the analysis of the first image; a pass of 15 images would count those
 * waits once in 15 images, a folder of thousands once in thousands. Both the lead-in and the timed part are as many
 * rounds of the images as make at least `READ_AHEAD` images (one round of the bench's 15), so that a small set
 * cannot have its whole timed part in flight before timing begins; the time and the faces are those of one round.
 */
async function streamPass(
  pipeline: FacePipeline,
  prepared: PreparedImage[],
  tick: (name: string) => void,
): Promise<StreamPass> {
  const rounds = streamRounds(prepared.length);
  const lead = rounds * prepared.length;
  const images = Array.from({ length: 2 * rounds }, () => prepared).flat();
  let faces = 0;
  let start = performance.now();
  const analyse = async (p: PreparedImage) => {
    const { image, firstInput } = await pipeline.ready(p.image.bytes);
    return (await pipeline.analyzeImage(image, undefined, undefined, { firstInput })).length;
  };
  for await (const item of readAhead(images, analyse)) {
    if ('error' in item) throw item.error; // every image decoded in the warm-up
    if (item.index >= lead) tick(item.input.image.name);
    // the faces of one round
    if (item.index >= lead && item.index < lead + prepared.length) faces += item.value;
    // the timed part begins as the lead-in's last image is done
    if (item.index === lead - 1) start = performance.now();
  }
  return { totalMs: (performance.now() - start) / rounds, faces };
}

/** Rounds of `images` images that hold at least `READ_AHEAD` of them (see streamPass). */
export function streamRounds(images: number): number {
  return Math.max(1, Math.ceil(READ_AHEAD / Math.max(1, images)));
}

async function rawPass(
  models: ModelSessions,
  prepared: PreparedImage[],
  tick: (name: string) => void,
): Promise<RawPass> {
  const perModel: Record<ModelRole, number> = { detector: 0, embedder: 0, ageGender: 0, emotion: 0 };
  const detectorScales: number[] = [];
  const perImageMs: number[] = [];
  for (const p of prepared) {
    tick(p.image.name);
    let imageMs = 0;
    for (const role of MODEL_ROLES) {
      for (const [k, feed] of p.feeds[role].entries()) {
        // the model's own time on the model thread, without the way there and back
        const { ms } = await models.sessions[role].runTimed(feed);
        imageMs += ms;
        perModel[role] += ms;
        if (role === 'detector') detectorScales[k] = (detectorScales[k] ?? 0) + ms;
      }
    }
    perImageMs.push(imageMs);
  }
  return { totalMs: sum(perImageMs), perImageMs, models: perModel, detectorScales };
}

/**
 * Median ms of each call (each says its own time), the calls alternating so that a burst of other load on the
 * machine hits all alike.
 */
async function medianRuns(calls: (() => Promise<number>)[], warmup = 3, runs = REFERENCE_RUNS): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const call of calls) await call();
  const ms: number[][] = calls.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, call] of calls.entries()) ms[k].push(await call());
  }
  return ms.map((xs) => round(median(xs)));
}

/**
 * Each model at batch 1 on a 640x480 frame (the first bench image with one face, letterboxed into 640x480), the
 * input INFRA.md measured, at both of INFRA.md's thread counts. The per-face models see a 112x112 crop whatever
 * the frame, so when the shrunken frame has no face their input comes from the bench set instead.
 */
async function referenceTimings(
  pipeline: FacePipeline,
  models: ModelSessions,
  prepared: PreparedImage[],
): Promise<ReferenceStat[]> {
  const source = prepared.find((p) => p.faces === 1) ?? prepared.find((p) => p.faces > 0) ?? prepared[0];
  const frame = await sharp(source.image.bytes)
    .rotate()
    .resize(REFERENCE_WIDTH, REFERENCE_HEIGHT, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .png()
    .toBuffer();
  const { feeds } = await recordFeeds(models.sessions, () => pipeline.analyzeBuffer(frame));
  const feedFor = (role: ModelRole): Feed | undefined => {
    if (role === 'detector') return feeds.detector[0];
    const f = feeds[role][0] ?? prepared.find((p) => p.feeds[role].length > 0)?.feeds[role][0];
    return f && firstOfBatch(f);
  };
  const [oneThread, twoThreads] = [await pipelineSessions(1), await pipelineSessions(2)];
  const out: ReferenceStat[] = [];
  for (const role of MODEL_ROLES) {
    const feed = feedFor(role);
    const [ms1, ms2] = feed
      ? await medianRuns([oneThread, twoThreads].map((s) => async () => (await s.sessions[role].runTimed(feed)).ms))
      : [null, null];
    out.push({
      model: role,
      modelId: models.modelIds[role],
      input: feed ? describeDims(feed) : '-',
      measuredMs1Thread: ms1,
      measuredMs2Threads: ms2,
      infraMs1Thread: INFRA_REFERENCE[role].oneThread,
      infraMs2Threads: INFRA_REFERENCE[role].twoThreads,
    });
  }
  return out;
}

function pipelineRowOf(
  prepared: PreparedImage[],
  passes: PipelinePass[],
  streams: StreamPass[],
  raw: RawPass[],
  repeat: number,
): PipelineRow {
  const n = prepared.length;
  const faces = passes[0].faces;
  const totalMs = median(streams.map((p) => p.totalMs));
  const oneAtATime = rates(n, faces, median(passes.map((p) => p.totalMs)));
  const rawModels = (role: ModelRole) => median(raw.map((r) => r.models[role]));
  const stages: StageStat[] = (['decode', 'detect', 'alignEmbed', 'attributes', 'match', 'other'] as const).map(
    (stage) => {
      const ms = median(passes.map((p) => p.stages[stage]));
      const modelMs = sum(STAGE_MODELS[stage].map(rawModels));
      return {
        stage,
        msPerImage: round(ms / n),
        msPerFace: nullableRound(perItem(ms, faces)),
        modelMsPerImage: round(modelMs / n),
        overheadMsPerImage: round((ms - modelMs) / n),
      };
    },
  );
  return {
    name: 'pipeline',
    peer: false,
    ...rates(n, faces, totalMs),
    faces,
    repeat,
    oneAtATime: { msPerImage: oneAtATime.msPerImage, imagesPerSec: oneAtATime.imagesPerSec },
    stages,
    perImage: prepared.map((p, i) => ({
      file: p.image.name,
      width: p.width,
      height: p.height,
      faces: p.faces,
      ms: round(median(passes.map((pass) => pass.perImageMs[i]))),
    })),
    note: 'image bytes in memory -> decode -> detect -> align+embed -> age/gender+emotion, the next images decoded and analysed while this one is (the models on their own thread), each pass behind an untimed lead-in of the same images (as a long run streams them); files are read before timing',
  };
}

function rawRowOf(
  prepared: PreparedImage[],
  passes: RawPass[],
  models: ModelSessions,
  pipelineRow: PipelineRow,
): RawModelsRow {
  const n = prepared.length;
  const faces = sum(prepared.map((p) => p.faces)); // the faces whose model inputs are replayed
  const totalMs = median(passes.map((p) => p.totalMs));
  const perModel = {} as Record<ModelRole, ModelStat>;
  for (const role of MODEL_ROLES) {
    const ms = median(passes.map((p) => p.models[role]));
    const calls = sum(prepared.map((p) => p.feeds[role].length));
    const rows = sum(prepared.flatMap((p) => p.feeds[role].map(batchOf)));
    perModel[role] = {
      modelId: models.modelIds[role],
      calls,
      rowsPerFace: PER_FACE_MODELS.includes(role) && faces > 0 ? round(rows / faces) : null,
      msPerImage: round(ms / n),
      msPerCall: round(calls ? ms / calls : 0),
    };
  }
  return {
    name: 'raw-models',
    peer: false,
    ...rates(n, faces, totalMs),
    faces,
    pipelineOverRaw: round(pipelineRow.msPerImage / (totalMs / n)),
    models: perModel,
    detectorScales: passes[0].detectorScales.map((_, k) => ({
      scale: k === 0 ? 'first (long side up to 640)' : 'detail (large images, long side up to 1280)',
      calls: prepared.filter((p) => p.feeds.detector.length > k).length,
      msPerImage: round(median(passes.map((pass) => pass.detectorScales[k] ?? 0)) / n),
    })),
    reference640x480: [], // measured at the end of the run
    perImage: prepared.map((p, i) => ({
      file: p.image.name,
      detectorInputs: p.feeds.detector.map(describeDims),
      ms: round(median(passes.map((pass) => pass.perImageMs[i]))),
    })),
    note: "each model's session on the tensors the pipeline built for each image (same letterbox sizes and batches), timed as ONNX Runtime's run on the model thread",
  };
}

async function peerRow(
  prepared: PreparedImage[],
  repeat: number,
  pipelineFaces: number,
  progress: BenchProgress,
  options?: HumanPeerOptions,
): Promise<PeerRow> {
  progress.tick('loading @vladmandic/human');
  const peer = await createHumanPeer(options).catch((err: unknown) => {
    throw new Error(`${errorText(err)} (run with --no-peer to skip the peer)`);
  });
  try {
    const pass = async (label: string): Promise<{ totalMs: number; perImageMs: number[]; faces: number[] }> => {
      const perImageMs: number[] = [];
      const faces: number[] = [];
      for (const p of prepared) {
        progress.tick(`${label} ${p.image.name}`);
        const start = performance.now();
        const r = await peer.analyze(p.image.file);
        perImageMs.push(performance.now() - start);
        faces.push(r.faces);
      }
      return { totalMs: sum(perImageMs), perImageMs, faces };
    };
    await pass('@vladmandic/human warm-up'); // the same first-sight-of-each-image warm-up the pipeline had
    const passes: Awaited<ReturnType<typeof pass>>[] = [];
    for (let r = 0; r < repeat; r++) passes.push(await pass(`@vladmandic/human ${r + 1}/${repeat}`));
    const n = prepared.length;
    const faces = sum(passes[0].faces);
    const totalMs = median(passes.map((p) => p.totalMs));
    return {
      name: peer.name,
      peer: true,
      ...rates(n, faces, totalMs),
      faces,
      pipelineFaces,
      version: peer.version,
      backend: peer.backend,
      simd: peer.details.simd,
      loadMs: peer.loadMs,
      perImage: prepared.map((p, i) => ({
        file: p.image.name,
        faces: passes[0].faces[i],
        ms: round(median(passes.map((pass) => pass.perImageMs[i]))),
      })),
      note: `its own models (blazeface, facemesh, faceres, emotion) on tfjs ${peer.details.tfjs} WASM, one thread; time includes reading and decoding the file`,
    };
  } finally {
    await peer.close();
  }
}

function nullableRound(v: number | null): number | null {
  return v === null ? null : round(v);
}
