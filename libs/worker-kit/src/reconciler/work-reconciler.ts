import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { jobIdOf, JobName, queueOf, type JobOf } from '@storelens/contracts';
import { WorkBacklogRepository, type OverdueMedia } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { QueueService } from '@storelens/queue';
import { FailureRecorder } from '../failures';

/** What one stage's reconciliation did. */
export interface StageReport {
  /** due rows looked at */
  due: number;
  /** jobs Redis no longer held, sent again */
  resent: number;
  /** jobs that had failed for good without the failure being recorded on the row: recorded now */
  recorded: number;
  /** jobs that had used up their attempts on transient errors (e.g. during an outage): run again */
  retried: number;
}

export interface SweepReport {
  /** media marked failed because they passed their deadline unfinished */
  overdue: number;
  stages: Partial<Record<JobName, StageReport>>;
}

/**
 * Postgres is the record of work; the queues are how it gets done. A sweep reads what each stage still owes from
 * the rows (WorkBacklogRepository) and makes sure a job exists for each:
 * - no job under the work's jobId (Redis lost it: restarted without persistence, failed over, flushed) -> the job
 *   is sent again. Job ids are derived from the work, so a job still held is never doubled, and handlers are
 *   idempotent besides;
 * - a job that failed for good but whose failure never reached the row (Postgres was down when it was recorded, or
 *   BullMQ failed it for stalling) -> a permanent failure is recorded now; one that ran out of attempts on transient
 *   errors is run again with fresh attempts;
 * - a job waiting, running, delayed or finished -> in flight, left alone.
 * Media still unfinished MEDIA_DEADLINE_MINUTES after their upload are marked failed with the reason first, and
 * their remaining work is dropped, so nothing stays `processing` forever.
 */
@Injectable()
export class WorkReconciler {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(WorkBacklogRepository) private readonly backlog: WorkBacklogRepository,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
  ) {}

  async sweep(now = new Date()): Promise<SweepReport> {
    const report: SweepReport = { overdue: 0, stages: {} };
    const deadline = new Date(now.getTime() - this.cfg.reconcile.mediaDeadlineMs);
    for (const media of await this.backlog.overdueMedia(deadline)) {
      await this.failures.mediaFailed(media.tenantId, media.mediaId, this.overdueReason(media));
      report.overdue++;
    }

    report.stages[JobName.IngestMedia] = await this.reconcile(
      JobName.IngestMedia,
      await this.backlog.mediaToSample(),
      (p, reason) => this.failures.mediaFailed(p.tenantId, p.mediaId, reason),
    );
    report.stages[JobName.DetectFaces] = await this.reconcile(
      JobName.DetectFaces,
      await this.backlog.framesToDetect(),
      (p, reason) => this.failures.frameFailed(p.tenantId, p.frameId, reason),
    );
    const faceFailed = (p: { tenantId: string; faceId: string }, reason: string) =>
      this.failures.faceFailed(p.tenantId, p.faceId, reason);
    report.stages[JobName.EmbedFace] = await this.reconcile(
      JobName.EmbedFace,
      (await this.backlog.facesToEmbed()).map(({ tenantId, faceId }) => ({ tenantId, faceId })),
      faceFailed,
    );
    report.stages[JobName.DescribeFace] = await this.reconcile(
      JobName.DescribeFace,
      (await this.backlog.facesToDescribe()).map(({ tenantId, faceId }) => ({ tenantId, faceId })),
      faceFailed,
    );

    const toDecide = await this.backlog.facesToDecide();
    report.stages[JobName.ClassifyFace] = await this.reconcile(
      JobName.ClassifyFace,
      toDecide.filter((f) => f.purpose === 'analysis').map(({ tenantId, faceId }) => ({ tenantId, faceId })),
      faceFailed,
    );
    // one enrolment job per photo, however many of its faces wait
    const enrolments = new Map<string, JobOf<'enrol-identity-media'>>();
    for (const f of toDecide) {
      if (f.purpose === 'enrolment' && f.identityId) {
        enrolments.set(f.mediaId, { tenantId: f.tenantId, identityId: f.identityId, mediaId: f.mediaId });
      }
    }
    report.stages[JobName.EnrolIdentityMedia] = await this.reconcile(
      JobName.EnrolIdentityMedia,
      [...enrolments.values()],
      (p, reason) => this.failures.mediaFailed(p.tenantId, p.mediaId, reason),
    );
    return report;
  }

  /** Whether anything was done, for the log. */
  static acted(report: SweepReport): boolean {
    return report.overdue > 0 || Object.values(report.stages).some((s) => s && s.resent + s.recorded + s.retried > 0);
  }

  private async reconcile<N extends JobName>(
    name: N,
    due: readonly JobOf<N>[],
    recordFailure: (payload: JobOf<N>, reason: string) => Promise<void>,
  ): Promise<StageReport> {
    const report: StageReport = { due: due.length, resent: 0, recorded: 0, retried: 0 };
    if (due.length === 0) return report;
    const queue = queueOf(name);
    const ids = due.map((p) => jobIdOf(name, p));
    const states = await this.queues.jobStates(queue, ids);
    const missing: JobOf<N>[] = [];
    for (const [i, payload] of due.entries()) {
      const id = ids[i]!;
      const presence = states.get(id) ?? { state: 'missing' };
      if (presence.state === 'missing') {
        missing.push(payload);
      } else if (presence.state === 'failed' && presence.permanent) {
        await recordFailure(payload, presence.reason);
        report.recorded++;
      } else if (presence.state === 'failed') {
        await this.queues.retryFailed(queue, id);
        report.retried++;
      }
    }
    if (missing.length > 0) {
      await this.queues.enqueueMany(name, missing);
      report.resent = missing.length;
    }
    return report;
  }

  private overdueReason(media: OverdueMedia): string {
    const minutes = Math.round(this.cfg.reconcile.mediaDeadlineMs / 60_000);
    const left = !media.sampled
      ? 'its frames were never all sampled'
      : `${media.unfinishedFrames} frames and ${media.pendingFaces} faces were still unfinished`;
    return `processing did not finish within ${minutes} minutes of the upload: ${left}`;
  }
}
