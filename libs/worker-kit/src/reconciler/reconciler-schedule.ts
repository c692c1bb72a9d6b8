import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { WorkBacklogRepository } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { WorkReconciler } from './work-reconciler';

/** The Postgres advisory lock every replica competes for: one sweep at a time across the platform. */
export const RECONCILE_LOCK_ID = 0x5354_4c52; // "STLR"

/**
 * Runs the reconciler every RECONCILE_INTERVAL_MS (±25 % jitter, so replicas do not line up) in each worker
 * service. It is driven from Postgres and a local timer, never from a Redis-held schedule, because it must still run
 * after Redis has lost everything; the advisory lock keeps it to one sweep at a time however many replicas run it.
 * A sweep that cannot reach Postgres or Redis is logged and tried again at the next tick.
 */
@Injectable()
export class ReconcilerSchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerSchedule.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(WorkBacklogRepository) private readonly backlog: WorkBacklogRepository,
    @Inject(WorkReconciler) private readonly reconciler: WorkReconciler,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cfg.reconcile.intervalMs > 0) this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep under the lock; false when another replica held it. */
  async runOnce(): Promise<boolean> {
    return this.backlog.withSweepLock(RECONCILE_LOCK_ID, async () => {
      const report = await this.reconciler.sweep();
      if (WorkReconciler.acted(report)) this.logger.warn({ report }, 'reconciler re-sent or closed unfinished work');
    });
  }

  private schedule(): void {
    const interval = this.cfg.reconcile.intervalMs;
    const delay = Math.round(interval * (0.75 + Math.random() * 0.5));
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'reconciler sweep failed; trying again next time'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, delay);
    this.timer.unref();
  }
}
