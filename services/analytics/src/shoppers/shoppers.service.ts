import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { IdentityRepository, TransactionRepository, type TransactionRow } from '@storelens/db';
import { InjectConfig } from '@storelens/platform';
import { buildVisits, conversion, demographics, traffic, zones, type VisitView } from './shopper-analytics';
import type { PersonVisitsQuery, ShopperRangeQuery, TrafficQuery, VisitsQuery } from './shoppers.query';
import { ShoppersReadRepository } from './shoppers.read-repository';

/** Visits starting this long before a range are read too, so sales near its start match the visit they belong to. */
const LOOKBACK_MS = 12 * 3_600_000;

interface Loaded {
  visits: VisitView[];
  sales: TransactionRow[];
  timezone: string;
}

/** Tracks and visits turned into answers: visits, traffic, demographics, zones and conversion. */
@Injectable()
export class ShoppersService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(ShoppersReadRepository) private readonly read: ShoppersReadRepository,
    @Inject(TransactionRepository) private readonly transactions: TransactionRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
  ) {}

  async visits(tenantId: string, q: VisitsQuery) {
    const { visits, timezone } = await this.load(tenantId, q);
    return { total: visits.length, timezone, items: visits.slice(q.offset, q.offset + q.limit).map(visitDto) };
  }

  async traffic(tenantId: string, q: TrafficQuery) {
    const { visits, timezone } = await this.load(tenantId, q);
    return { timezone, counts: 'visitors' as const, groups: traffic(visits, timezone, q.groupBy) };
  }

  async demographics(tenantId: string, q: ShopperRangeQuery) {
    const { visits } = await this.load(tenantId, q);
    return { counts: 'visitors' as const, ...demographics(visits) };
  }

  async zones(tenantId: string, q: ShopperRangeQuery) {
    const { visits } = await this.load(tenantId, q);
    return { visits: visits.length, zones: zones(visits) };
  }

  async conversion(tenantId: string, q: ShopperRangeQuery) {
    const { visits, sales } = await this.load(tenantId, q);
    return conversion(visits, sales);
  }

  async personVisits(tenantId: string, identityId: string, q: PersonVisitsQuery) {
    const identity = await this.identities.get(tenantId, identityId);
    if (!identity) throw new NotFoundException('identity not found');
    const { visits } = await this.load(tenantId, q, identityId);
    return {
      identity: { id: identity.id, name: identity.name, category: identity.category },
      total: visits.length,
      items: [...visits].reverse().map(visitDto),
      purchases: visits.flatMap((v) =>
        v.transactions.map((t) => ({ ...t, at: t.at.toISOString(), visitId: v.id, storeId: v.storeId })),
      ),
    };
  }

  private async load(
    tenantId: string,
    q: { storeId?: string; from: Date; to: Date },
    identityId?: string,
  ): Promise<Loaded> {
    const stores = await this.read.stores(tenantId, q.storeId);
    if (q.storeId && stores.length === 0) throw new NotFoundException('store not found');
    const storeIds = stores.map((s) => s.id);
    const matchMs = this.cfg.shoppers.transactionMatchMs;
    const records = await this.read.visits(
      tenantId,
      { storeIds, from: new Date(q.from.getTime() - LOOKBACK_MS), to: q.to, identityId },
      this.cfg.shoppers.returnWindowMs,
    );
    const ids = records.map((v) => v.id);
    const [tracks, faces, cameras] = await Promise.all([
      this.read.tracksOf(tenantId, ids),
      this.read.facesOf(tenantId, ids),
      this.read.cameras(tenantId, storeIds),
    ]);
    const sales = (
      await Promise.all(
        storeIds.map((id) =>
          this.transactions.between(
            tenantId,
            id,
            new Date(q.from.getTime() - LOOKBACK_MS),
            new Date(q.to.getTime() + matchMs),
          ),
        ),
      )
    ).flat();
    const from = q.from.getTime();
    const visits = buildVisits(records, tracks, faces, cameras, sales, matchMs).filter(
      (v) => v.startedAt.getTime() >= from,
    );
    const inRange = sales.filter((s) => s.at.getTime() >= from && s.at.getTime() < q.to.getTime());
    // buckets follow the store's clock; several stores without one named fall back to UTC
    const timezone = stores.length === 1 ? stores[0]!.timezone : 'UTC';
    return { visits, sales: inRange, timezone };
  }
}

function visitDto(v: VisitView) {
  return {
    id: v.id,
    storeId: v.storeId,
    visitorId: v.visitorId,
    identity: v.identity,
    startedAt: v.startedAt.toISOString(),
    endedAt: v.endedAt.toISOString(),
    durationS: v.durationS,
    returning: v.returning,
    converted: v.converted,
    reachedCheckout: v.reachedCheckout,
    zones: v.zones,
    gender: v.gender,
    age: v.age,
    emotions: v.emotions,
    transactions: v.transactions.map((t) => ({ ...t, at: t.at.toISOString() })),
  };
}
