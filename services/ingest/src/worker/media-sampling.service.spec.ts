import { mock, type MockProxy } from 'jest-mock-extended';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '@storelens/config';
import { JobName, QueueName } from '@storelens/contracts';
import { CameraRepository, FrameRepository, MediaRepository, type Media } from '@storelens/db';
import { QueueService, type JobFailure } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { FailureRecorder } from '@storelens/worker-kit';
import { MediaSamplingService } from './media-sampling.service';

// Unit tier: the decisions of the ingest-media handler with every outside system mocked; worker.spec.ts runs the
// same service on the real Postgres, Redis, S3 endpoint and ffmpeg.
describe('MediaSamplingService', () => {
  let media: MockProxy<MediaRepository>;
  let cameras: MockProxy<CameraRepository>;
  let objects: MockProxy<ObjectStore>;
  let queues: MockProxy<QueueService>;
  let failures: MockProxy<FailureRecorder>;
  let service: MediaSamplingService;
  const ctx = { jobId: 'j', attempt: 1, logger: pino({ level: 'silent' }) };
  const job = { tenantId: randomUUID(), mediaId: randomUUID() };
  const row = (over: Partial<Media>) =>
    ({
      id: job.mediaId,
      tenantId: job.tenantId,
      cameraId: 'c1',
      kind: 'image',
      status: 'queued',
      frameCount: null,
      ...over,
    }) as Media;

  beforeEach(() => {
    media = mock<MediaRepository>();
    cameras = mock<CameraRepository>();
    objects = mock<ObjectStore>();
    queues = mock<QueueService>();
    failures = mock<FailureRecorder>();
    service = new MediaSamplingService(
      loadConfig({}),
      media,
      cameras,
      mock<FrameRepository>(),
      objects,
      queues,
      failures,
    );
  });

  it.each([
    ['the media is gone', null],
    ['the media already failed', row({ status: 'failed' })],
    ['the media is done', row({ status: 'done' })],
    ['its frames were already sampled (a replay)', row({ status: 'processing', frameCount: 3 })],
  ])('skips, touching nothing, when %s', async (_why, found) => {
    media.get.calledWith(job.tenantId, job.mediaId).mockResolvedValue(found);
    await expect(service.ingestMedia(job, ctx)).resolves.toBe('skipped');
    expect(media.setStatus).not.toHaveBeenCalled();
    expect(objects.get).not.toHaveBeenCalled();
    expect(queues.enqueueMany).not.toHaveBeenCalled();
  });

  it('skips a media whose camera was deleted', async () => {
    media.get.mockResolvedValue(row({}));
    cameras.get.calledWith(job.tenantId, 'c1').mockResolvedValue(null);
    await expect(service.ingestMedia(job, ctx)).resolves.toBe('skipped');
    expect(media.setStatus).not.toHaveBeenCalled();
  });

  const failure = (over: Partial<JobFailure>): JobFailure => ({
    queue: QueueName.Ingest,
    jobId: 'j',
    name: JobName.IngestMedia,
    data: job,
    error: new Error('connect ECONNREFUSED'),
    attemptsMade: 5,
    permanent: false,
    ...over,
  });

  it('records a failure in the wording every worker uses', async () => {
    await service.recordFailure(failure({}));
    expect(failures.mediaFailed).toHaveBeenCalledWith(
      job.tenantId,
      job.mediaId,
      'connect ECONNREFUSED (gave up after 5 attempts)',
    );
    await service.recordFailure(failure({ permanent: true, error: new Error('no video stream') }));
    expect(failures.mediaFailed).toHaveBeenLastCalledWith(job.tenantId, job.mediaId, 'no video stream');
  });

  it('records nothing for a payload that names no media', async () => {
    await service.recordFailure(failure({ data: { tenantId: job.tenantId } }));
    expect(failures.mediaFailed).not.toHaveBeenCalled();
  });
});
