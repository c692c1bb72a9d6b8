import { loadConfig } from '@storelens/config';
import { jobIdOf, JobName, QueueName } from '@storelens/contracts';
import type { WorkBacklogRepository } from '@storelens/db';
import type { JobPresence, QueueService } from '@storelens/queue';
import { mock, type MockProxy } from 'jest-mock-extended';
import type { FailureRecorder } from '../failures';
import { WorkReconciler } from './work-reconciler';

const T = '00000000-0000-4000-8000-00000000000a';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('WorkReconciler (mocked Postgres and queues)', () => {
  let backlog: MockProxy<WorkBacklogRepository>;
  let queues: MockProxy<QueueService>;
  let failures: MockProxy<FailureRecorder>;
  let sut: WorkReconciler;
  /** what Redis holds, by jobId; anything else is missing */
  let held: Map<string, JobPresence>;

  beforeEach(() => {
    backlog = mock<WorkBacklogRepository>();
    queues = mock<QueueService>();
    failures = mock<FailureRecorder>();
    held = new Map();
    for (const m of [
      'overdueMedia',
      'mediaToSample',
      'framesToDetect',
      'facesToEmbed',
      'facesToDescribe',
      'facesToDecide',
    ] as const) {
      backlog[m].mockResolvedValue([]);
    }
    queues.jobStates.mockImplementation(
      async (_q, ids) => new Map(ids.map((i) => [i, held.get(i) ?? { state: 'missing' as const }])),
    );
    queues.enqueueMany.mockResolvedValue([]);
    const cfg = loadConfig({ MEDIA_DEADLINE_MINUTES: '60' });
    sut = new WorkReconciler(cfg, backlog, queues, failures);
  });

  it('sends again exactly the frames whose jobs Redis no longer holds, leaving jobs in flight alone', async () => {
    const frames = [1, 2, 3].map((n) => ({ tenantId: T, frameId: id(n) }));
    backlog.framesToDetect.mockResolvedValue(frames);
    held.set(jobIdOf(JobName.DetectFaces, frames[1]!), { state: 'in-flight' });

    const report = await sut.sweep();

    expect(queues.enqueueMany).toHaveBeenCalledTimes(1);
    expect(queues.enqueueMany).toHaveBeenCalledWith(JobName.DetectFaces, [frames[0], frames[2]]);
    expect(report.stages[JobName.DetectFaces]).toEqual({ due: 3, resent: 2, recorded: 0, retried: 0 });
    expect(WorkReconciler.acted(report)).toBe(true);
  });

  it('records a permanent failure that never reached the row, and retries one that ran out of transient attempts', async () => {
    const faces = [4, 5].map((n) => ({ tenantId: T, faceId: id(n) }));
    backlog.facesToDescribe.mockResolvedValue(faces);
    held.set(jobIdOf(JobName.DescribeFace, faces[0]!), { state: 'failed', reason: 'crop unreadable', permanent: true });
    held.set(jobIdOf(JobName.DescribeFace, faces[1]!), { state: 'failed', reason: 'ECONNREFUSED', permanent: false });

    const report = await sut.sweep();

    expect(failures.faceFailed).toHaveBeenCalledWith(T, id(4), 'crop unreadable');
    expect(queues.retryFailed).toHaveBeenCalledWith(QueueName.Attribute, jobIdOf(JobName.DescribeFace, faces[1]!));
    expect(queues.enqueueMany).not.toHaveBeenCalled();
    expect(report.stages[JobName.DescribeFace]).toEqual({ due: 2, resent: 0, recorded: 1, retried: 1 });
  });

  it('routes undecided faces: camera faces to classification, an enrolment photo once to enrolment', async () => {
    backlog.facesToDecide.mockResolvedValue([
      { tenantId: T, faceId: id(6), mediaId: id(60), purpose: 'analysis', identityId: null },
      { tenantId: T, faceId: id(7), mediaId: id(70), purpose: 'enrolment', identityId: id(700) },
      { tenantId: T, faceId: id(8), mediaId: id(70), purpose: 'enrolment', identityId: id(700) },
    ]);

    await sut.sweep();

    expect(queues.enqueueMany).toHaveBeenCalledWith(JobName.ClassifyFace, [{ tenantId: T, faceId: id(6) }]);
    expect(queues.enqueueMany).toHaveBeenCalledWith(JobName.EnrolIdentityMedia, [
      { tenantId: T, identityId: id(700), mediaId: id(70) },
    ]);
  });

  it('fails media past their deadline with a reason, looking for them with the configured deadline', async () => {
    const now = new Date('2026-11-30T12:00:00Z');
    backlog.overdueMedia.mockResolvedValue([
      { tenantId: T, mediaId: id(9), sampled: true, unfinishedFrames: 3, pendingFaces: 1 },
      { tenantId: T, mediaId: id(10), sampled: false, unfinishedFrames: 0, pendingFaces: 0 },
    ]);

    const report = await sut.sweep(now);

    expect(backlog.overdueMedia).toHaveBeenCalledWith(new Date('2026-11-30T11:00:00Z'));
    expect(failures.mediaFailed).toHaveBeenCalledWith(
      T,
      id(9),
      'processing did not finish within 60 minutes of the upload: 3 frames and 1 faces were still unfinished',
    );
    expect(failures.mediaFailed).toHaveBeenCalledWith(T, id(10), expect.stringContaining('never all sampled'));
    expect(report.overdue).toBe(2);
  });

  it('does nothing, and says so, when every due row has its job', async () => {
    const media = [{ tenantId: T, mediaId: id(11) }];
    backlog.mediaToSample.mockResolvedValue(media);
    held.set(jobIdOf(JobName.IngestMedia, media[0]!), { state: 'in-flight' });

    const report = await sut.sweep();

    expect(queues.enqueueMany).not.toHaveBeenCalled();
    expect(WorkReconciler.acted(report)).toBe(false);
  });
});
