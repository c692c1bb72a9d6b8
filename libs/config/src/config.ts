import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
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
  STORELENS_DETECT_THRESHOLD: num(0.9),
  STORELENS_MIN_FACE: int(20),
  STORELENS_MATCH_THRESHOLD: num(0.42),
  STORELENS_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  STORELENS_MAX_PIXELS: int(50_000_000),
  STORELENS_STATE_DIR: z.string().optional(),
  // platform
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/storelens'),
  DATABASE_POOL_SIZE: int(10),
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
  MAX_UPLOAD_BYTES: int(200 * 1024 * 1024),
  /** this process's own HTTP port (API, or health and metrics for a worker); 0 picks a free one */
  SERVICE_PORT: int(0),
  /** the interface services listen on: loopback locally, 0.0.0.0 in containers */
  SERVICE_HOST: z.string().default('127.0.0.1'),
  INGEST_URL: z.string().default('http://127.0.0.1:8081'),
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
  /** days until an upload, its frames and its faces are deleted (biometric data is kept no longer than needed) */
  RETENTION_DAYS: num(30),
  CLASSIFY_MARGIN: num(0.05),
  VISITOR_THRESHOLD: num(0.5),
});

export interface StoreLensConfig {
  root: string;
  assetsDir: string;
  logLevel: z.infer<typeof EnvSchema>['STORELENS_LOG_LEVEL'];
  stateDir: string;
  models: { cacheDir: string; allowDownload: boolean; threads: number };
  vision: { detectThreshold: number; minFaceSize: number; maxPixels: number; matchThreshold: number };
  redis: { url: string };
  /** BullMQ key prefix: keeps StoreLens queues apart from anything else sharing the Redis. */
  queue: { prefix: string };
  database: { url: string; poolSize: number };
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
  api: { host: string; port: number; publicBaseUrl: string; maxUploadBytes: number };
  worker: { concurrency: number; lockDurationMs: number };
  /** processes per service in the local stack (REPLICAS_DETECTION=2, …) */
  replicas: Record<string, number>;
  /** urlSecret: validated when set; undefined when not set (a service refuses to boot, see requireUrlSecret) */
  service: { port: number; host: string; ingestUrl: string; analyticsUrl: string; urlSecret: string | undefined };
  reconcile: { intervalMs: number; mediaDeadlineMs: number };
  media: { maxFramesPerMedia: number };
  retention: { days: number };
  classification: { threshold: number; margin: number; visitorThreshold: number };
}

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
    models: {
      cacheDir: e.STORELENS_MODEL_CACHE ?? path.join(homedir(), '.cache', 'storelens', 'models'),
      allowDownload: e.STORELENS_MODEL_DOWNLOAD === '1',
      threads: e.STORELENS_ORT_THREADS,
    },
    vision: {
      detectThreshold: e.STORELENS_DETECT_THRESHOLD,
      minFaceSize: e.STORELENS_MIN_FACE,
      maxPixels: e.STORELENS_MAX_PIXELS,
      matchThreshold: e.STORELENS_MATCH_THRESHOLD,
    },
    redis: { url: e.REDIS_URL },
    queue: { prefix: e.QUEUE_PREFIX },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
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
    replicas: Object.fromEntries(
      Object.entries(env)
        .filter(([k, v]) => /^REPLICAS_[A-Z]+$/.test(k) && /^[1-9]\d*$/.test(v ?? ''))
        .map(([k, v]) => [k.slice('REPLICAS_'.length).toLowerCase(), Number(v)]),
    ),
    service: {
      port: e.SERVICE_PORT,
      host: e.SERVICE_HOST,
      ingestUrl: e.INGEST_URL,
      analyticsUrl: e.ANALYTICS_URL,
      urlSecret: e.STORELENS_URL_SECRET,
    },
    retention: { days: e.RETENTION_DAYS },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, mediaDeadlineMs: e.MEDIA_DEADLINE_MINUTES * 60_000 },
    media: { maxFramesPerMedia: e.MAX_FRAMES_PER_MEDIA },
    classification: {
      threshold: e.STORELENS_MATCH_THRESHOLD,
      margin: e.CLASSIFY_MARGIN,
      visitorThreshold: e.VISITOR_THRESHOLD,
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
