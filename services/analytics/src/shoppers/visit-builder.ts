import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { TransactionRepository } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { buildVisits, type VisitView } from './shopper-analytics';
import { ShoppersReadRepository } from './shoppers.read-repository';

/**
 * How far before a range visits are read, so that a sale or checkout sighting near its start meets the visit it
 * belongs to (and how much context a day of visit facts is recomputed with on each side).
 */
export const CONTEXT_MS = 12 * 3_600_000;

/**
 * Visits built one by one from their tracks, faces, the stores' cameras and sales (buildVisits): what the visits
 * lists show, and what the visit facts behind the aggregates hold.
 */
@Injectable()
export class VisitBuilder {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(ShoppersReadRepository) private readonly read: ShoppersReadRepository,
    @Inject(TransactionRepository) private readonly transactions: TransactionRepository,
  ) {}

  /**
   * The visits of these stores (or of one identity) that started in [from, to), earliest first: visits from
   * CONTEXT_MS before `from` and sales up to the match window after `to` are read too, so every sale meets the visit
   * it matches.
   */
  async build(
    tenantId: string,
    storeIds: readonly string[],
    from: number,
    to: number,
    identityId?: string,
  ): Promise<VisitView[]> {
    const matchMs = this.cfg.shoppers.transactionMatchMs;
    const records = await this.read.visits(
      tenantId,
      { storeIds, from: new Date(from - CONTEXT_MS), to: new Date(to), identityId },
      this.cfg.shoppers.returnWindowMs,
    );
    const ids = records.map((v) => v.id);
    const [tracks, faces, cameras, sales] = await Promise.all([
      this.read.tracksOf(tenantId, ids),
      this.read.facesOf(tenantId, ids),
      this.read.cameras(tenantId, storeIds),
      Promise.all(
        storeIds.map((id) =>
          this.transactions.between(tenantId, id, new Date(from - CONTEXT_MS), new Date(to + matchMs)),
        ),
      ).then((perStore) => perStore.flat()),
    ]);
    return buildVisits(records, tracks, faces, cameras, sales, matchMs).filter((v) => v.startedAt.getTime() >= from);
  }
}
