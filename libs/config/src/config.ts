import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DEFAULT_RULE, type DecisionRule } from '@storelens/decision';
import { z } from 'zod';

/** The repository root: the nearest folder above this file that holds nx.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

const int = (def: number) => z.coerce.number().int().default(def);

/** Shortest URL secret accepted: an HMAC-SHA256 key should carry at least 256 bits. */
export const MIN_SECRET_BYTES = 32;
/** Values that have been shipped in examples or defaults: anyone can sign links with them. */
const KNOWN_SECRETS = ['storelens-local-development-secret', 'change-me-to-a-long-random-value'];

export function isKnownSecret(secret: string): boolean {
  return KNOWN_SECRETS.includes(secret) || /^change[-_ ]?me/i.test(secret) || /^(.)\1*$/.test(secret);
}
const num = (def: number) => z.coerce.number().default(def);

const EnvSchema = z.object({
  STORELENS_ASSETS: z.string().optional(),
  STORELENS_MODEL_CACHE: z.string().optional(),
  STORELENS_MODEL_DOWNLOAD: z.enum(['0', '1']).default('1'),
  STORELENS_ORT_THREADS: int(1),
  /** the identity model: MobileFaceNet or face-api's FaceRecognitionNet (dlib ResNet); see models/README.md */
  STORELENS_EMBEDDER: z.enum(['mobilefacenet', 'facerecnet']).default('mobilefacenet'),
  STORELENS_DETECT_THRESHOLD: num(0.9),
  STORELENS_MIN_FACE: int(20),
  STORELENS_MATCH_THRESHOLD: num(DEFAULT_RULE.threshold),
  STORELENS_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  STORELENS_MAX_PIXELS: int(50_000_000),
  STORELENS_STATE_DIR: z.string().optional(),
  /** 1: the local stack runs the compiled JavaScript in dist/ (npm run build) instead of the TypeScript sources */
  STORELENS_COMPILED: z.enum(['0', '1']).default('0'),
  // platform
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/storelens'),
  DATABASE_POOL_SIZE: int(10),
  /**
   * HNSW candidate list per vector search (pgvector hnsw.ef_search, 1..1000). 100: recall@10 0.975 for the decision's
   * two searches at 1M vectors (40: 0.918) for ~1 ms more at p95 (`npm run bench -- --search`, README)
   */
  VECTOR_EF_SEARCH: z.coerce.number().int().min(1).max(1000).default(100),
  /**
   * Vectors in a tenant's graph up to which VECTOR_EF_SEARCH holds recall@10 at 0.95; a larger tenant's searches take
   * more candidates (x (rows / this)^0.69: ~260 at 70k visitors, ~1000, pgvector's most, from 420k), so recall does
   * not fall as a tenant grows. 0: a fixed VECTOR_EF_SEARCH for every tenant (`npm run bench -- --search`, README)
   */
  VECTOR_EF_SEARCH_ROWS: z.coerce.number().int().min(0).default(15_000),
  /** pgvector hnsw.iterative_scan: keep walking a filtered search until enough rows pass */
  VECTOR_ITERATIVE_SCAN: z.enum(['off', 'strict_order', 'relaxed_order']).default('relaxed_order'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('storelens'),
  S3_ENDPOINT: z.string().default('http://127.0.0.1:9000'),
  S3_ACCESS_KEY: z.string().default('S3RVER'),
  S3_SECRET_KEY: z.string().default('S3RVER'),
  S3_BUCKET: z.string().default('storelens'),
  S3_REGION: z.string().default('us-east-1'),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: int(8080),
  PUBLIC_BASE_URL: z.string().optional(),
  WORKER_CONCURRENCY: int(1),
  WORKER_LOCK_MS: int(15_000),
  /** what an ingest process runs: the HTTP API, the ingest-queue worker, or both (one process, for development) */
  INGEST_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  MAX_UPLOAD_BYTES: int(200 * 1024 * 1024),
  /** this process's own HTTP port (API, or health and metrics for a worker); 0 picks a free one */
  SERVICE_PORT: int(0),
  /** the interface services listen on: loopback locally, 0.0.0.0 in containers */
  SERVICE_HOST: z.string().default('127.0.0.1'),
  /** where the gateway finds the ingest API: one URL, or its replicas' URLs separated by commas */
  INGEST_URL: z.string().default('http://127.0.0.1:8081'),
  /** where the gateway finds the analytics API: one URL, or its replicas' URLs separated by commas */
  ANALYTICS_URL: z.string().default('http://127.0.0.1:8082'),
  /**
   * signs the browser links to annotated frames: at least 32 bytes, never a value published anywhere. Not
   * defaulted: the local stack generates one into its state folder, elsewhere the operator sets it (see
   * requireUrlSecret).
   */
  STORELENS_URL_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= MIN_SECRET_BYTES, `must be at least ${MIN_SECRET_BYTES} bytes`)
    .refine((s) => !isKnownSecret(s), 'is a published example value; generate one (openssl rand -hex 32)')
    .optional(),
  /** how often a worker looks for work Postgres records as due but no queue holds (0 turns it off) */
  RECONCILE_INTERVAL_MS: int(30_000),
  /** a media not finished this long after its upload is marked failed with the reason, never left processing */
  MEDIA_DEADLINE_MINUTES: num(360),
  /** most frames one media may become; a longer video (duration x camera fps) is refused with 422 */
  MAX_FRAMES_PER_MEDIA: int(10_000).refine((n) => n >= 1, 'must be at least 1'),
  /** the operators' key for the queue dashboard (/admin/queues); no default: unset, the dashboard is off */
  STORELENS_ADMIN_KEY: z
    .union([z.literal(''), z.string().min(24, 'STORELENS_ADMIN_KEY must be at least 24 characters')])
    .optional(),
  /** days until an upload, its frames and its faces are deleted (biometric data is kept no longer than needed) */
  RETENTION_DAYS: num(30),
  /** how often the analytics service recomputes the hourly rollups of changed buckets; 0 turns it off */
  ROLLUP_REFRESH_MS: z.coerce.number().int().min(0).default(5000),
  CLASSIFY_MARGIN: num(DEFAULT_RULE.margin),
  VISITOR_THRESHOLD: num(DEFAULT_RULE.visitorThreshold),
  // shoppers: tracks, visits, conversion
  TRACK_MAX_GAP_FRAMES: int(3).pipe(z.number().min(0).max(100)),
  TRACK_MAX_MINUTES: num(10).pipe(
    z
      .number()
      .positive()
      .max(24 * 60),
  ),
  TRACK_LINK_SIMILARITY: num(0.5).pipe(z.number().min(-1).max(1)),
  TRACK_NEAR_SIMILARITY: num(0.2).pipe(z.number().min(-1).max(1)),
  VISIT_GAP_MINUTES: num(30).pipe(z.number().positive()),
  RETURN_WINDOW_DAYS: num(90).pipe(z.number().positive()),
  TRANSACTION_MATCH_SECONDS: num(60).pipe(z.number().min(0)),
  /** seals stream credentials and webhook secrets at rest (AES-256-GCM): 32 bytes, base64; no default */
  STORELENS_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  // live cameras
  /** whether this ingest process watches live cameras (it shares them with the other replicas through leases) */
  LIVE_WATCH: z.enum(['0', '1']).default('1'),
  LIVE_LEASE_MS: int(10_000),
  LIVE_POLL_MS: int(2_000),
  /** frames of one camera waiting for detection before newer frames replace them at the source */
  LIVE_MAX_BACKLOG: int(8),
  LIVE_OPEN_TIMEOUT_MS: int(10_000),
  LIVE_RECONNECT_MAX_MS: int(30_000),
  LIVE_SEGMENT_MINUTES: int(60),
  // events and webhooks
  /** one event per person per camera per this many seconds (until tracks exist) */
  EVENT_DEDUP_SECONDS: num(60),
  WEBHOOK_TIMEOUT_MS: int(5_000),
  WEBHOOK_CONCURRENCY: int(16),
  /** comma-separated hosts or CIDRs StoreLens never connects to for a tenant (webhooks, streams), checked on the resolved address */
  OUTBOUND_DENY: z
    .string()
    .default('169.254.0.0/16,fe80::/10,100.100.100.200,fd00:ec2::254,metadata.google.internal,metadata'),
  /** comma-separated hosts or CIDRs; when set, webhooks and streams may reach only these */
  OUTBOUND_ALLOW: z.string().default(''),
});

export type IngestRole = z.infer<typeof EnvSchema>['INGEST_ROLE'];

export interface StoreLensConfig {
  root: string;
  assetsDir: string;
  logLevel: z.infer<typeof EnvSchema>['STORELENS_LOG_LEVEL'];
  stateDir: string;
  /** run the stack's processes from dist/ (compiled) or from the sources (ts-node) */
  compiled: boolean;
  models: { cacheDir: string; allowDownload: boolean; threads: number; embedder: 'mobilefacenet' | 'facerecnet' };
  vision: { detectThreshold: number; minFaceSize: number; maxPixels: number };
  redis: { url: string };
  /** BullMQ key prefix: keeps StoreLens queues apart from anything else sharing the Redis. */
  queue: { prefix: string };
  database: {
    url: string;
    poolSize: number;
    /** how the HNSW indexes are searched: set on every connection */
    vectorSearch: {
      efSearch: number;
      iterativeScan: 'off' | 'strict_order' | 'relaxed_order';
      efSearchRows: number;
    };
  };
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
  api: { host: string; port: number; publicBaseUrl: string; maxUploadBytes: number };
  worker: { concurrency: number; lockDurationMs: number };
  /** api and worker scale differently, so production runs them as separate processes of one codebase */
  ingest: { role: IngestRole };
  /** processes per service in the local stack (REPLICAS_DETECTION=2, …) */
  replicas: Record<string, number>;
  /** urlSecret: validated when set; undefined when not set (a service refuses to boot, see requireUrlSecret) */
  service: { port: number; host: string; ingestUrls: string[]; analyticsUrls: string[]; urlSecret: string | undefined };
  reconcile: { intervalMs: number; mediaDeadlineMs: number };
  media: { maxFramesPerMedia: number };
  /** operators' access across tenants (the queue dashboard); undefined: no such access */
  admin: { key: string | undefined };
  retention: { days: number };
  rollups: { refreshMs: number };
  /** the one rule for "who is this face" (@storelens/decision), with the values this deployment set */
  decision: DecisionRule;
  /**
   * Turning faces into shoppers: a track ends after `trackMaxGapFrames` sampled frames without its person, or
   * `trackMaxMs` after its first face (the person's next face starts the next track); faces
   * link at `trackLinkSimilarity` anywhere in the frame or `trackNearSimilarity` when their boxes are close; a gap
   * of `visitGapMs` starts a new visit; a visit is returning after one within `returnWindowMs`; a sale matches
   * the checkout visit within `transactionMatchMs`.
   */
  shoppers: {
    trackMaxGapFrames: number;
    trackMaxMs: number;
    trackLinkSimilarity: number;
    trackNearSimilarity: number;
    visitGapMs: number;
    returnWindowMs: number;
    transactionMatchMs: number;
  };
  /** the key that seals secrets at rest; null when not configured (features that store secrets then refuse) */
  secretKey: Buffer | null;
  live: {
    watch: boolean;
    leaseMs: number;
    pollMs: number;
    maxBacklog: number;
    openTimeoutMs: number;
    reconnectMaxMs: number;
    segmentMinutes: number;
  };
  events: { dedupSeconds: number };
  webhooks: { timeoutMs: number; concurrency: number };
  /** where StoreLens may connect on a tenant's behalf (webhook targets, camera streams) */
  outbound: { deny: string[]; allow: string[] };
}

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Reads and validates the environment once; the only place that reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StoreLensConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const root = repoRoot();
  return {
    root,
    assetsDir: path.resolve(root, e.STORELENS_ASSETS ?? '../shared'),
    logLevel: e.STORELENS_LOG_LEVEL,
    stateDir: path.resolve(root, e.STORELENS_STATE_DIR ?? 'tmp/stack'),
    compiled: e.STORELENS_COMPILED === '1',
    models: {
      cacheDir: e.STORELENS_MODEL_CACHE ?? path.join(homedir(), '.cache', 'storelens', 'models'),
      allowDownload: e.STORELENS_MODEL_DOWNLOAD === '1',
      threads: e.STORELENS_ORT_THREADS,
      embedder: e.STORELENS_EMBEDDER,
    },
    vision: {
      detectThreshold: e.STORELENS_DETECT_THRESHOLD,
      minFaceSize: e.STORELENS_MIN_FACE,
      maxPixels: e.STORELENS_MAX_PIXELS,
    },
    redis: { url: e.REDIS_URL },
    queue: { prefix: e.QUEUE_PREFIX },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      vectorSearch: {
        efSearch: e.VECTOR_EF_SEARCH,
        iterativeScan: e.VECTOR_ITERATIVE_SCAN,
        efSearchRows: e.VECTOR_EF_SEARCH_ROWS,
      },
    },
    s3: {
      endpoint: e.S3_ENDPOINT,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.API_HOST}:${e.API_PORT}`,
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
    },
    worker: { concurrency: e.WORKER_CONCURRENCY, lockDurationMs: e.WORKER_LOCK_MS },
    ingest: { role: e.INGEST_ROLE },
    replicas: Object.fromEntries(
      Object.entries(env)
        .filter(([k, v]) => /^REPLICAS_[A-Z]+(_[A-Z]+)*$/.test(k) && /^[1-9]\d*$/.test(v ?? ''))
        .map(([k, v]) => [k.slice('REPLICAS_'.length).toLowerCase().replaceAll('_', '-'), Number(v)]),
    ),
    service: {
      port: e.SERVICE_PORT,
      host: e.SERVICE_HOST,
      ingestUrls: list(e.INGEST_URL),
      analyticsUrls: list(e.ANALYTICS_URL),
      urlSecret: e.STORELENS_URL_SECRET,
    },
    admin: { key: e.STORELENS_ADMIN_KEY || undefined },
    retention: { days: e.RETENTION_DAYS },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, mediaDeadlineMs: e.MEDIA_DEADLINE_MINUTES * 60_000 },
    media: { maxFramesPerMedia: e.MAX_FRAMES_PER_MEDIA },
    rollups: { refreshMs: e.ROLLUP_REFRESH_MS },
    decision: {
      threshold: e.STORELENS_MATCH_THRESHOLD,
      margin: e.CLASSIFY_MARGIN,
      visitorThreshold: e.VISITOR_THRESHOLD,
    },
    shoppers: {
      trackMaxGapFrames: e.TRACK_MAX_GAP_FRAMES,
      trackMaxMs: e.TRACK_MAX_MINUTES * 60_000,
      trackLinkSimilarity: e.TRACK_LINK_SIMILARITY,
      trackNearSimilarity: e.TRACK_NEAR_SIMILARITY,
      visitGapMs: e.VISIT_GAP_MINUTES * 60_000,
      returnWindowMs: e.RETURN_WINDOW_DAYS * 24 * 3600_000,
      transactionMatchMs: e.TRANSACTION_MATCH_SECONDS * 1000,
    },
    secretKey: e.STORELENS_SECRET_KEY ? Buffer.from(e.STORELENS_SECRET_KEY, 'base64') : null,
    live: {
      watch: e.LIVE_WATCH === '1',
      leaseMs: e.LIVE_LEASE_MS,
      pollMs: e.LIVE_POLL_MS,
      maxBacklog: e.LIVE_MAX_BACKLOG,
      openTimeoutMs: e.LIVE_OPEN_TIMEOUT_MS,
      reconnectMaxMs: e.LIVE_RECONNECT_MAX_MS,
      segmentMinutes: e.LIVE_SEGMENT_MINUTES,
    },
    events: { dedupSeconds: e.EVENT_DEDUP_SECONDS },
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
    },
    outbound: {
      deny: list(e.OUTBOUND_DENY),
      allow: list(e.OUTBOUND_ALLOW),
    },
  };
}

/**
 * The URL secret a service signs with. Services call this at boot, so a service started without a secret stops at
 * once with the reason (the command-line tool, which signs nothing, does not need one).
 */
export function requireUrlSecret(cfg: StoreLensConfig): string {
  if (!cfg.service.urlSecret) {
    throw new Error(
      `invalid configuration: STORELENS_URL_SECRET is not set; give every service the same random value of at ` +
        `least ${MIN_SECRET_BYTES} bytes (openssl rand -hex 32). npm run stack:up generates one.`,
    );
  }
  return cfg.service.urlSecret;
}

let cached: StoreLensConfig | undefined;
/** The process-wide configuration, read at first use. */
export function config(): StoreLensConfig {
  return (cached ??= loadConfig());
}
