import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { Id } from './domain';
import { QueueName } from './queues';

/**
 * Every job the pipeline runs, declared once and imported by producer and consumer alike.
 * Payloads carry ids, never pixels or secrets: the worker loads what it needs from Postgres and S3, so a payload
 * stays small in Redis and a replay always sees the current state. Schemas are strict so that nobody can smuggle
 * image data or extra fields through a payload.
 */
export const JobName = {
  /** Store the upload's metadata and sample its frames to S3 (one frame for an image). */
  IngestMedia: 'ingest-media',
  /** Find faces in one frame and store aligned crops. */
  DetectFaces: 'detect-faces',
  /** Compute and store the face's recognition embedding. */
  EmbedFace: 'embed-face',
  /** Estimate age, gender and emotion of one face. */
  DescribeFace: 'describe-face',
  /** Open-set identification of an embedded face against the tenant's enrolled identities. */
  ClassifyFace: 'classify-face',
  /** Turn a photo uploaded for an identity into enrolled (gallery) faces. */
  EnrolIdentityMedia: 'enrol-identity-media',
  /** POST one event to one webhook (a delivery row), signed. */
  DeliverWebhook: 'deliver-webhook',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

const MediaJob = z.strictObject({ tenantId: Id, mediaId: Id });
const FrameJob = z.strictObject({ tenantId: Id, frameId: Id });
const FaceJob = z.strictObject({ tenantId: Id, faceId: Id });
const EnrolmentJob = z.strictObject({ tenantId: Id, identityId: Id, mediaId: Id });
const DeliveryJob = z.strictObject({ tenantId: Id, deliveryId: Id });

/**
 * The table behind every other export: which queue a job goes to, its payload schema, and which payload fields
 * identify the work (and so make up the jobId).
 */
const jobs = {
  [JobName.IngestMedia]: { queue: QueueName.Ingest, payload: MediaJob, key: ['tenantId', 'mediaId'] },
  [JobName.DetectFaces]: { queue: QueueName.Detection, payload: FrameJob, key: ['tenantId', 'frameId'] },
  [JobName.EmbedFace]: { queue: QueueName.Embedding, payload: FaceJob, key: ['tenantId', 'faceId'] },
  [JobName.DescribeFace]: { queue: QueueName.Attribute, payload: FaceJob, key: ['tenantId', 'faceId'] },
  [JobName.ClassifyFace]: { queue: QueueName.Classification, payload: FaceJob, key: ['tenantId', 'faceId'] },
  [JobName.EnrolIdentityMedia]: {
    queue: QueueName.Enrolment,
    payload: EnrolmentJob,
    key: ['tenantId', 'identityId', 'mediaId'],
  },
  [JobName.DeliverWebhook]: {
    queue: QueueName.Webhooks,
    payload: DeliveryJob,
    key: ['tenantId', 'deliveryId'],
    // a receiver may be down for minutes: 10 attempts from 2 s doubling reach about 17 minutes in total
    retry: { attempts: 10, backoffMs: 2000 },
  },
} as const satisfies Record<
  JobName,
  {
    queue: QueueName;
    payload: z.ZodObject;
    key: readonly string[];
    retry?: { attempts: number; backoffMs: number };
  }
>;

/** The payload type of a job, e.g. `JobOf<'detect-faces'>` is `{ tenantId: string; frameId: string }`. */
export type JobOf<N extends JobName> = z.infer<(typeof jobs)[N]['payload']>;
/** The queue a job is sent to. */
export type QueueOf<N extends JobName> = (typeof jobs)[N]['queue'];
/** The job names a queue carries; a worker for the queue must handle all of them. */
export type JobNameOn<Q extends QueueName> = { [N in JobName]: QueueOf<N> extends Q ? N : never }[JobName];

export const jobNames: readonly JobName[] = Object.values(JobName);

export function isJobName(name: string): name is JobName {
  return Object.prototype.hasOwnProperty.call(jobs, name);
}

export function queueOf<N extends JobName>(name: N): QueueOf<N> {
  return jobs[name].queue;
}

export function jobNamesOn<Q extends QueueName>(queue: Q): JobNameOn<Q>[] {
  return jobNames.filter((name) => jobs[name].queue === queue) as JobNameOn<Q>[];
}

/** A job that can never succeed as sent: unknown name or a payload that fails its schema. */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
  constructor(
    readonly jobName: string,
    message: string,
  ) {
    super(`invalid job ${jobName}: ${message}`);
  }
}

/** Validates a payload where it crosses a boundary (enqueue, worker entry). Throws InvalidJobError. */
export function parseJob<N extends JobName>(name: N, data: unknown): JobOf<N>;
export function parseJob(name: string, data: unknown): JobOf<JobName>;
export function parseJob(name: string, data: unknown): JobOf<JobName> {
  if (!isJobName(name)) throw new InvalidJobError(name, 'unknown job name');
  const parsed = jobs[name].payload.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    throw new InvalidJobError(name, issues);
  }
  return parsed.data;
}

/**
 * The id BullMQ stores the job under: the job name plus the ids the payload names. Enqueueing the same work twice
 * (a retried HTTP request, a replayed producer) therefore adds nothing while the first job is still kept in Redis.
 * BullMQ forbids ':' in custom ids; uuids and job names never contain one.
 */
export function jobIdOf<N extends JobName>(name: N, payload: JobOf<N>): string {
  const values = payload as Record<string, string>;
  return [name, ...jobs[name].key.map((field) => values[field])].join('.');
}

/**
 * Attempts and backoff for transient failures (database restart, S3 or Redis outage): 1+2+4+8+16+32 s, about a
 * minute in total before giving up, so a restart or a 30 s outage of a backing service costs no work. What still
 * runs out of attempts is retried by the reconciler (WorkReconciler) until the media's deadline.
 */
export const JOB_ATTEMPTS = 7;
export const JOB_BACKOFF_BASE_MS = 1000;
/** Spread retries of jobs that failed together (e.g. all of a video's frames) so they do not retry in lockstep. */
export const JOB_BACKOFF_JITTER = 0.5;
/**
 * What a finished job leaves in Redis: its payload is ids only (never names, pixels or vectors), and even those go
 * soon: completed jobs after an hour, failed ones (with their reason, which the reconciler reads to record a failure
 * that never reached its row) after three days, each bounded by count; `tenant delete` removes a tenant's jobs at
 * once. This is also the deduplication window: after a job is removed the same jobId can be added again, and from
 * then on the handlers' unique keys, upserts and "already done" checks keep a replay harmless.
 */
export const KEEP_COMPLETED = { age: 3600, count: 10_000 } as const;
export const KEEP_FAILED = { age: 3 * 24 * 3600, count: 50_000 } as const;

/** The BullMQ options for a job: built here and only here, never at a call site. */
export function jobOptions<N extends JobName>(name: N, payload: JobOf<N>): JobsOptions {
  const valid = parseJob(name, payload);
  const spec = jobs[name] as { retry?: { attempts: number; backoffMs: number } };
  return {
    jobId: jobIdOf(name, valid),
    attempts: spec.retry?.attempts ?? JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: spec.retry?.backoffMs ?? JOB_BACKOFF_BASE_MS, jitter: JOB_BACKOFF_JITTER },
    removeOnComplete: { ...KEEP_COMPLETED },
    removeOnFail: { ...KEEP_FAILED },
  };
}
