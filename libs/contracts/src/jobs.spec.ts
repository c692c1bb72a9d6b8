import { randomUUID } from 'node:crypto';
import {
  InvalidJobError,
  JOB_ATTEMPTS,
  JobName,
  jobIdOf,
  jobNames,
  jobNamesOn,
  jobOptions,
  parseJob,
  queueOf,
  type JobOf,
} from './jobs';
import { QueueName, queueNames } from './queues';

const tenantId = randomUUID();
const frameId = randomUUID();

describe('job contracts', () => {
  it('routes every job to a declared queue and every queue carries at least one job', () => {
    for (const name of jobNames) expect(queueNames).toContain(queueOf(name));
    for (const queue of queueNames) expect(jobNamesOn(queue).length).toBeGreaterThan(0);
    expect(jobNamesOn(QueueName.Detection)).toEqual([JobName.DetectFaces]);
  });

  it('accepts a payload of ids and returns it typed', () => {
    const payload: JobOf<'detect-faces'> = parseJob(JobName.DetectFaces, { tenantId, frameId });
    expect(payload).toEqual({ tenantId, frameId });
  });

  it('rejects unknown names, malformed ids, missing ids and extra fields (no pixels in payloads)', () => {
    expect(() => parseJob('resize-image', { tenantId })).toThrow(/unknown job name/);
    expect(() => parseJob(JobName.DetectFaces, { tenantId, frameId: 'frame-1' })).toThrow(/frameId/);
    expect(() => parseJob(JobName.DetectFaces, { tenantId })).toThrow(/frameId/);
    expect(() => parseJob(JobName.DetectFaces, { tenantId, frameId, jpeg: 'AAAA' })).toThrow(InvalidJobError);
    expect(() => parseJob(JobName.DetectFaces, null)).toThrow(InvalidJobError);
  });

  it('derives the same jobId from the same work, a different one from different work', () => {
    const a = jobIdOf(JobName.EmbedFace, { tenantId, faceId: frameId });
    expect(jobIdOf(JobName.EmbedFace, { tenantId, faceId: frameId })).toBe(a);
    // the same face goes through several stages; each stage is its own job
    expect(jobIdOf(JobName.DescribeFace, { tenantId, faceId: frameId })).not.toBe(a);
    expect(jobIdOf(JobName.EmbedFace, { tenantId, faceId: randomUUID() })).not.toBe(a);
    expect(a).not.toContain(':');
  });

  it('builds one set of options: dedup id, bounded retries with jittered backoff, completed jobs gone within the hour', () => {
    const opts = jobOptions(JobName.DetectFaces, { tenantId, frameId });
    expect(opts).toEqual({
      jobId: `detect-faces.${tenantId}.${frameId}`,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: expect.any(Number), jitter: expect.any(Number) },
      removeOnComplete: { age: 3600, count: expect.any(Number) },
      removeOnFail: { age: expect.any(Number), count: expect.any(Number) },
    });
    expect(JOB_ATTEMPTS).toBe(7);
  });

  it('refuses to build options for an invalid payload rather than inventing a jobId', () => {
    expect(() => jobOptions(JobName.DetectFaces, { tenantId } as JobOf<'detect-faces'>)).toThrow(InvalidJobError);
  });
});
