/** What `storelens bench` measures and prints; the `--json` output is one `BenchResult`. */

/** One line of the comparison: how fast something turns the bench images into described faces. */
export interface BenchRow {
  /** `pipeline`, `raw-models`, `platform` or the peer's package name */
  name: string;
  /** true for another project's library measured for comparison */
  peer: boolean;
  imagesPerSec: number;
  /** faces this row found per second (0 when it found none) */
  facesPerSec: number;
  msPerImage: number;
  /** null when the row found no face */
  msPerFace: number | null;
  /** faces this row found in one pass over the images */
  faces: number;
  /** this row's time per image / the pipeline's (below 1 is faster); set by the bench */
  ratioToPipeline?: number;
  /** anything the row wants a reader to know, shown under the table */
  note?: string;
  [extra: string]: unknown;
}

export type StageName = 'decode' | 'detect' | 'alignEmbed' | 'attributes' | 'match' | 'other';

/** One pipeline stage next to the model time inside it. */
export interface StageStat {
  stage: StageName;
  msPerImage: number;
  msPerFace: number | null;
  /** time the stage's models take on their own (raw-models row), per image */
  modelMsPerImage: number;
  /** msPerImage - modelMsPerImage: the pipeline's own work (resizing, cropping, tensor copies, decoding) */
  overheadMsPerImage: number;
}

/**
 * One model on a 640x480 frame with one face, at 1 and 2 intra-op threads, next to INFRA.md's "Raw model speed on
 * this machine" (null where a number is missing: INFRA.md did not measure it, or the frame had no face).
 */
export interface ReferenceStat {
  model: 'detector' | 'embedder' | 'ageGender' | 'emotion';
  modelId: string;
  input: string;
  /** median ms per call at batch 1 */
  measuredMs1Thread: number | null;
  measuredMs2Threads: number | null;
  infraMs1Thread: number | null;
  infraMs2Threads: number | null;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  node: string;
  onnxruntime: string;
  os: string;
  /** ONNX Runtime intra-op threads per session (STORELENS_ORT_THREADS) */
  ortThreads: number;
  /** 1-minute load average when the bench started: other work on the machine skews every row */
  loadAverage: number;
}

export interface BenchResult {
  machine: MachineInfo;
  images: number;
  /** faces the pipeline found in one pass */
  faces: number;
  rows: BenchRow[];
}

/** What a registered row provider gets: the same images and repetitions as the in-process rows. */
export interface BenchContext {
  /** absolute paths of the images, in bench order */
  files: readonly string[];
  repeat: number;
  /** faces the pipeline found in one pass over `files`, to compare against */
  pipelineFaces: number;
  /** the in-process pipeline's stage times on `files` (the pipeline row's), to compare a row's own stages against */
  pipelineStages?: readonly StageStat[];
}

/** The in-process FacePipeline, with per-stage times. */
export interface PipelineRow extends BenchRow {
  name: 'pipeline';
  repeat: number;
  /**
   * The same images one at a time, each decoded only when the previous one is done: the time one image takes,
   * which `stages` splits (and `perImage` gives per image). The row's own figures stream the images with the next
   * ones decoded and analysed ahead (`readAhead`), each pass behind an untimed lead-in of the same images.
   */
  oneAtATime: { msPerImage: number; imagesPerSec: number };
  stages: StageStat[];
  perImage: { file: string; width: number; height: number; faces: number; ms: number }[];
}

export interface ModelStat {
  modelId: string;
  /** model calls in one pass over the images */
  calls: number;
  /** input rows per face for the per-face models (2 when a crop runs with its mirror image); null for the detector */
  rowsPerFace: number | null;
  msPerImage: number;
  msPerCall: number;
}

/** The pipeline's models alone, replaying the pipeline's own input tensors: the floor it is measured against. */
export interface RawModelsRow extends BenchRow {
  name: 'raw-models';
  /** pipeline ms per image / raw ms per image */
  pipelineOverRaw: number;
  models: Record<ReferenceStat['model'], ModelStat>;
  /** the detector's time split by input scale (large images are searched twice) */
  detectorScales: { scale: string; calls: number; msPerImage: number }[];
  reference640x480: ReferenceStat[];
  perImage: { file: string; detectorInputs: string[]; ms: number }[];
}

/** Another library on the same images. */
export interface PeerRow extends BenchRow {
  peer: true;
  /** faces StoreLens's pipeline found in the same images */
  pipelineFaces: number;
  version: string;
  backend: string;
  simd: boolean;
  loadMs: number;
  perImage: { file: string; faces: number; ms: number }[];
}

/**
 * One job name of one queue in the platform row: what the workers' handlers did during the timed passes, read from
 * the services' /metrics (`storelens_job_duration_seconds`, `storelens_jobs_total`) before and after them.
 */
export interface PlatformStage {
  queue: string;
  job: string;
  /** the service whose processes consume the queue */
  service: string;
  /** handler runs in the timed passes (every attempt, whatever its outcome; the warm-up is not counted) */
  jobs: number;
  /** `storelens_jobs_total` by outcome in the timed passes, e.g. `{ done: 45 }` */
  outcomes: Record<string, number>;
  /** mean handler time */
  msPerJob: number;
  /** handler time summed over the timed passes */
  totalMs: number;
  /** totalMs / the timed passes' wall time: how busy the stage kept its worker (one job at a time per process) */
  shareOfWall: number;
  /**
   * CPU time of the service's processes in the timed passes / jobs (the ingest worker runs apart from the upload API); the
   * rest of msPerJob is waiting: for S3, Postgres, Redis, or a core. Null when the service runs more than one job.
   */
  cpuMsPerJob: number | null;
  /** the same work in the in-process pipeline, per job of this stage; null where the pipeline has no counterpart */
  inProcess: {
    /** which pipeline stages, and per what (image or face) */
    stages: string;
    msPerJob: number;
    /** the models' part of it (the raw-models row on the pipeline's tensors) */
    modelMsPerJob: number;
  } | null;
}

/** CPU time one service's processes used during the timed passes (`storelens_process_cpu_seconds_total`). */
export interface PlatformCpu {
  /**
   * a service; `postgres`, `redis`, `s3 endpoint` or `gateway` (read from /proc: every such process on the machine);
   * `bench client` for the bench's own process (uploads and following the media); or `kernel softirq`, the
   * machine's interrupt-context time (loopback networking among the processes), which no process is charged for
   */
  process: string;
  ms: number;
  /** ms / (the timed passes' wall time x the machine's cores) */
  shareOfMachine: number;
}

/** One service's resident memory (all its replicas): after the warm-up, and after the timed passes (and soak). */
export interface PlatformRss {
  service: string;
  /** after the warm-up (one media) */
  startMiB: number | null;
  /** after the timed passes: the working set (arenas, pools, compiled code) has mostly grown by then */
  afterPassesMiB: number | null;
  /** after the soak (= afterPassesMiB without one): flat memory is end ≈ afterPasses */
  endMiB: number | null;
  /**
   * V8 heap in use and JS-owned native buffers at the same two readings: RSS growth that shows in neither is native
   * memory outside them (ONNX Runtime's arenas, libvips, the allocator's free lists)
   */
  heapUsedMiB: { start: number | null; end: number | null };
  externalMiB: { start: number | null; end: number | null };
}

/** A distribution of per-media times over every media of the timed passes. */
export interface LatencyStat {
  p50: number;
  p95: number;
  max: number;
  /** media measured */
  samples: number;
}

/** The platform end to end: the stack's services, fed through the public API. */
export interface PlatformRow extends BenchRow {
  name: 'platform';
  processes: number;
  repeat: number;
  /** wall time of the timed passes together (the row's rates use the fastest one) */
  wallMs: number;
  /** per queue and job, in pipeline order */
  stages: PlatformStage[];
  /** per media, from the start of its upload until the API reports it done (every media of every timed pass) */
  latencyMs: LatencyStat;
  /** per media, the upload request alone (part of latencyMs) */
  uploadMs: LatencyStat;
  cpu: PlatformCpu[];
  /** share of the machine's CPU time (all cores, every process on it) that was busy during the timed passes */
  machineBusy: number;
  rss: PlatformRss[];
  /** how long the images kept being sent after the timed passes, before the end RSS was read */
  soak: { minutes: number; media: number };
  /** with --cpu-profile: where each process's main thread spent the timed passes (its V8 CPU profile) */
  profiles?: PlatformProfile[];
}

export interface PlatformProfile {
  process: string;
  /** the profile's file */
  file: string;
  /** the timed passes' span, which the busy and idle time are of */
  windowMs: number;
  busyMs: number;
  idleMs: number;
  top: { what: string; ms: number; share: number }[];
}
