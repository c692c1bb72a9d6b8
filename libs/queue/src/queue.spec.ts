import { config } from '@storelens/config';
import { InvalidJobError, JobName, QueueName, type JobOf } from '@storelens/contracts';
import { uniqueTestId, waitFor } from '@storelens/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { PermanentJobError } from './errors';
import type { JobFailure, JobHandler } from './queue-worker';
import { QueueService } from './queue.service';

// Real Redis (deploy/local/infra.sh). Every test gets its own key prefix so runs never see each other's jobs.
const silent = pino({ level: 'silent' });
const admin = new Redis(config().redis.url);
let prefix: string;
let service: QueueService;
const opened: { close(): Promise<void> }[] = [];

const frame = (): JobOf<'detect-faces'> => ({ tenantId: randomUUID(), frameId: randomUUID() });

/** A raw producer that skips QueueService's validation and options, to send what a buggy producer might. */
function rawQueue(): Queue {
  const q = new Queue(QueueName.Detection, { connection: { url: config().redis.url }, prefix });
  opened.push(q);
  return q;
}

beforeEach(() => {
  prefix = `storelens-test-${uniqueTestId()}`;
  service = new QueueService({ redisUrl: config().redis.url, prefix, logger: silent });
  opened.push(service);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
});

afterAll(async () => {
  await admin.quit();
});

describe('QueueService and QueueWorker (real Redis)', () => {
  it('retries a transient error with backoff until the handler succeeds, without reporting a failure', async () => {
    const onFailed = jest.fn();
    const attempts: number[] = [];
    service.worker(
      QueueName.Detection,
      {
        [JobName.DetectFaces]: async (_payload, { attempt }) => {
          attempts.push(attempt);
          if (attempt < 3) throw new Error('connection to postgres lost');
          return 'done';
        },
      },
      { onFailed },
    );
    const jobId = await service.enqueue(JobName.DetectFaces, frame());

    const job = await waitFor(async () => {
      const s = await service.inspect(QueueName.Detection, jobId);
      return s?.state === 'completed' && s;
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(job).toMatchObject({ attemptsMade: 3, returnValue: 'done' }); // BullMQ counts the successful attempt too
    expect(onFailed).not.toHaveBeenCalled();
  });

  it('fails a PermanentJobError at once, without retrying, and reports it with its reason', async () => {
    let calls = 0;
    const failures: JobFailure[] = [];
    service.worker(
      QueueName.Detection,
      {
        [JobName.DetectFaces]: async () => {
          calls++;
          throw new PermanentJobError('frame image is not a decodable JPEG');
        },
      },
      { onFailed: (f) => void failures.push(f) },
    );
    const payload = frame();
    const jobId = await service.enqueue(JobName.DetectFaces, payload);

    await waitFor(() => failures.length > 0);
    const snapshot = await service.inspect(QueueName.Detection, jobId);
    expect(snapshot).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'frame image is not a decodable JPEG',
    });
    expect(calls).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      jobId,
      name: JobName.DetectFaces,
      data: payload,
      permanent: true,
      attemptsMade: 1,
    });
    expect(failures[0]?.error).toBeInstanceOf(PermanentJobError);
  });

  it('reports a transient failure once, after the last attempt only', async () => {
    let calls = 0;
    const failures: { failure: JobFailure; callsSoFar: number }[] = [];
    service.worker(
      QueueName.Detection,
      {
        [JobName.DetectFaces]: async () => {
          calls++;
          throw new Error('s3 unavailable');
        },
      },
      { onFailed: (failure) => void failures.push({ failure, callsSoFar: calls }) },
    );
    // Three attempts with a 10 ms backoff instead of the standard five with seconds, to keep the test short.
    await rawQueue().add(JobName.DetectFaces, frame(), { attempts: 3, backoff: { type: 'fixed', delay: 10 } });

    await waitFor(() => failures.length > 0);
    await new Promise((r) => setTimeout(r, 200)); // a second report would arrive by now
    expect(calls).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.callsSoFar).toBe(3);
    expect(failures[0]?.failure).toMatchObject({ permanent: false, attemptsMade: 3 });
    expect(failures[0]?.failure.error.message).toBe('s3 unavailable');
  });

  it('deduplicates a replay of the same work by jobId, also after it completed', async () => {
    const handled: string[] = [];
    service.worker(QueueName.Detection, {
      [JobName.DetectFaces]: async ({ frameId }) => {
        handled.push(frameId);
        return 'done';
      },
    });
    const payload = frame();
    const [a, b] = await Promise.all([
      service.enqueue(JobName.DetectFaces, payload),
      service.enqueue(JobName.DetectFaces, { ...payload }),
    ]);
    expect(b).toBe(a);
    await waitFor(async () => (await service.inspect(QueueName.Detection, a))?.state === 'completed');

    expect(await service.enqueue(JobName.DetectFaces, payload)).toBe(a);
    await new Promise((r) => setTimeout(r, 200));
    expect(handled).toEqual([payload.frameId]);
    expect(await service.jobCounts(QueueName.Detection)).toMatchObject({ completed: 1, waiting: 0, delayed: 0 });
  });

  it('enqueues many jobs at once, each with its own jobId', async () => {
    const payloads = [frame(), frame(), frame()];
    const ids = await service.enqueueMany(JobName.DetectFaces, payloads);
    expect(new Set(ids).size).toBe(3);
    expect(await service.jobCounts(QueueName.Detection)).toMatchObject({ waiting: 3 });
  });

  it('rejects an invalid payload at enqueue time, before it reaches Redis', async () => {
    const bad = { tenantId: 'not-a-uuid', frameId: randomUUID() };
    await expect(service.enqueue(JobName.DetectFaces, bad)).rejects.toBeInstanceOf(InvalidJobError);
    const withPixels = { ...frame(), jpeg: 'AAAA' } as JobOf<'detect-faces'>;
    await expect(service.enqueue(JobName.DetectFaces, withPixels)).rejects.toThrow(/jpeg/);
    await expect(service.enqueueMany(JobName.DetectFaces, [frame(), bad])).rejects.toBeInstanceOf(InvalidJobError);
    expect(await service.jobCounts(QueueName.Detection)).toMatchObject({ waiting: 0 });
  });

  it('fails an invalid payload that reached the queue anyway, permanently and without calling the handler', async () => {
    const handler = jest.fn<ReturnType<JobHandler<'detect-faces'>>, Parameters<JobHandler<'detect-faces'>>>();
    const failures: JobFailure[] = [];
    service.worker(QueueName.Detection, { [JobName.DetectFaces]: handler }, { onFailed: (f) => void failures.push(f) });
    await rawQueue().add(JobName.DetectFaces, { tenantId: randomUUID() }, { attempts: 5 });

    await waitFor(() => failures.length > 0);
    expect(handler).not.toHaveBeenCalled();
    expect(failures[0]).toMatchObject({ permanent: true, attemptsMade: 1 });
    expect(failures[0]?.error).toBeInstanceOf(InvalidJobError);
  });

  it('refuses to start a worker that lacks a handler for a job on its queue', () => {
    // @ts-expect-error the compiler already rejects the missing handler
    expect(() => service.worker(QueueName.Detection, {})).toThrow(/detect-faces/);
  });

  it('runs jobs concurrently up to the configured concurrency', async () => {
    let running = 0;
    let peak = 0;
    service.worker(
      QueueName.Detection,
      {
        [JobName.DetectFaces]: async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 150));
          running--;
          return 'done';
        },
      },
      { concurrency: 2 },
    );
    await service.enqueueMany(JobName.DetectFaces, [frame(), frame(), frame(), frame()]);
    await waitFor(async () => (await service.jobCounts(QueueName.Detection)).completed === 4);
    expect(peak).toBe(2);
  });

  it('lets the running job finish when closed for shutdown', async () => {
    let started = false;
    let finished = false;
    service.worker(QueueName.Detection, {
      [JobName.DetectFaces]: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
        return 'done';
      },
    });
    const jobId = await service.enqueue(JobName.DetectFaces, frame());
    await waitFor(() => started);

    await service.close();
    expect(finished).toBe(true);
    const observer = new QueueService({ redisUrl: config().redis.url, prefix, logger: silent });
    opened.push(observer);
    expect(await observer.inspect(QueueName.Detection, jobId)).toMatchObject({ state: 'completed' });
  });
});
