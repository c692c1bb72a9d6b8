import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { RollupRepository } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { DataSource } from 'typeorm';
import { VisitFacts } from '../shoppers/visit-facts';

/**
 * Keeps the hourly rollups current in the background: every ROLLUP_REFRESH_MS it recomputes the buckets whose
 * faces changed since the last pass (rollup_dirty, filled by triggers as results arrive), and then the visit facts
 * of the store days marked the same way. The summary and the shopper aggregates also refresh their tenant before
 * answering, so an answer never lags; this pass keeps that work small and keeps the reporting views current.
 */
@Injectable()
export class RollupRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(RollupRefresher.name);
  private readonly rollups: RollupRepository;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(VisitFacts) private readonly visitFacts: VisitFacts,
  ) {
    this.rollups = new RollupRepository(dataSource);
  }

  onApplicationBootstrap(): void {
    if (this.cfg.rollups.refreshMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass().finally(() => (this.running = undefined));
    }, this.cfg.rollups.refreshMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; a failure is logged and retried on the next tick (the dirty buckets stay marked). */
  async pass(): Promise<void> {
    try {
      const n = await this.rollups.refreshAll(null, 1000, 20);
      if (n > 0) this.log.debug(`recomputed ${n} hourly buckets`);
      const days = await this.visitFacts.refreshAll(null, 50, 20);
      if (days > 0) this.log.debug(`recomputed the visit facts of ${days} store days`);
    } catch (err) {
      this.log.warn(`rollup refresh failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
