import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { IdentityRepository } from '@storelens/db';
import { AGE_BANDS, type AgeBand } from '@storelens/tracking';
import { round1, type VisitView } from './shopper-analytics';
import type { PersonVisitsQuery, ShopperRangeQuery, TrafficQuery, VisitsQuery } from './shoppers.query';
import { ShoppersReadRepository, type FactsScope } from './shoppers.read-repository';
import { VisitBuilder } from './visit-builder';
import { VisitFacts } from './visit-facts';
import { VisitSliceStore } from './visit-slice-store';
import { mergeDemographics, mergeTraffic, mergeZones, type ConversionSlice } from './visit-slices';

interface Loaded {
  visits: VisitView[];
  timezone: string;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Tracks and visits turned into answers. The visits lists build each visit from its tracks, faces and sales; the
 * aggregates (traffic, demographics, zones, conversion) read the per-visit facts built by the same code, refreshed
 * first, so a chain's 90 days are summed in SQL instead of rebuilt visit by visit.
 */
@Injectable()
export class ShoppersService {
  constructor(
    @Inject(ShoppersReadRepository) private readonly read: ShoppersReadRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(VisitBuilder) private readonly builder: VisitBuilder,
    @Inject(VisitFacts) private readonly facts: VisitFacts,
    @Inject(VisitSliceStore) private readonly slices: VisitSliceStore,
  ) {}

  async visits(tenantId: string, q: VisitsQuery) {
    const { visits, timezone } = await this.load(tenantId, q);
    return { total: visits.length, timezone, items: visits.slice(q.offset, q.offset + q.limit).map(visitDto) };
  }

  async traffic(tenantId: string, q: TrafficQuery) {
    const { scope, timezone, storeClock } = await this.scope(tenantId, q);
    const rows = mergeTraffic(await this.slices.peopleSlices(tenantId, scope), q.groupBy, storeClock);
    return {
      timezone,
      counts: 'visitors' as const,
      groups: rows.map(({ returningVisitors, ...r }) => ({
        period: r.period,
        visits: r.visits,
        uniqueVisitors: r.uniqueVisitors,
        newVisitors: r.uniqueVisitors - returningVisitors,
        returningVisitors,
        members: r.members,
        anonymous: r.anonymous,
        occupancyPeak: r.occupancyPeak,
      })),
    };
  }

  /**
   * Who came, each person once: a person's gender is the weighted vote of all their faces and their age band that of
   * all their ages, over every visit of theirs (the same person falls in the same cell whatever the range).
   */
  async demographics(tenantId: string, q: ShopperRangeQuery) {
    const { scope } = await this.scope(tenantId, q);
    const rows = mergeDemographics(await this.slices.peopleSlices(tenantId, scope));
    const bands = [...AGE_BANDS, 'unknown'] as const;
    const zero = () => Object.fromEntries(bands.map((b) => [b, 0])) as Record<AgeBand | 'unknown', number>;
    const byGender: Record<'female' | 'male' | 'unknown', number> = { female: 0, male: 0, unknown: 0 };
    const byAgeBand = zero();
    const matrix = { female: zero(), male: zero(), unknown: zero() };
    let visitors = 0;
    for (const r of rows) {
      const band = r.ageBand as AgeBand | 'unknown';
      visitors += r.people;
      byGender[r.gender] += r.people;
      byAgeBand[band] += r.people;
      matrix[r.gender][band] += r.people;
    }
    return { counts: 'visitors' as const, visitors, byGender, byAgeBand, matrix };
  }

  /** Zones ranked by how many visits reached them (the hot spots), with dwell percentiles and emotions. */
  async zones(tenantId: string, q: ShopperRangeQuery) {
    const { scope } = await this.scope(tenantId, q);
    const { visits, zones: parts } = await this.slices.zoneSlices(tenantId, scope);
    const zones = mergeZones(parts);
    return {
      visits,
      zones: zones
        .map((z) => ({
          zone: z.zone,
          kind: z.kind,
          visits: z.visits,
          shareOfVisits: visits ? round3(z.visits / visits) : 0,
          dwellP50S: round1(z.dwellP50S),
          dwellP90S: round1(z.dwellP90S),
          emotions: z.emotions,
        }))
        .sort((a, b) => b.visits - a.visits || b.dwellP50S - a.dwellP50S || (a.zone < b.zone ? -1 : 1)),
    };
  }

  /**
   * Conversion: visits with a matched sale over visits, when the stores sent sales for the range; otherwise visits
   * that reached a checkout zone over visits (basis says which). Segments split the same count.
   */
  async conversion(tenantId: string, q: ShopperRangeQuery) {
    const { scope } = await this.scope(tenantId, q);
    const [cells, transactions] = await Promise.all([
      this.slices.conversionSlices(tenantId, scope),
      this.read.salesCount(tenantId, scope),
    ]);
    const basis: 'transactions' | 'checkout' = transactions > 0 ? 'transactions' : 'checkout';
    const rate = (cs: readonly ConversionSlice[]) => {
      const visits = cs.reduce((n, c) => n + c.visits, 0);
      const converted = cs.reduce((n, c) => n + (basis === 'transactions' ? c.bought : c.reachedCheckout), 0);
      return { visits, converted, rate: visits ? round3(converted / visits) : 0 };
    };
    const segment = (key: (c: ConversionSlice) => string) => {
      const groups = new Map<string, ConversionSlice[]>();
      for (const c of cells) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
      return Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, cs]) => [k, rate(cs)]));
    };
    return {
      ...rate(cells),
      basis,
      transactions,
      matchedTransactions: cells.reduce((n, c) => n + c.sales, 0),
      revenue: Math.round(cells.reduce((s, c) => s + c.revenue, 0) * 100) / 100,
      bySegment: {
        membership: segment((c) => (c.identified ? 'member' : 'anonymous')),
        visitor: segment((c) => (c.returning ? 'returning' : 'new')),
        gender: segment((c) => c.gender),
        ageBand: segment((c) => c.ageBand),
      },
    };
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

  /** The stores and range an aggregate covers, with their visit facts brought up to date first. */
  private async scope(
    tenantId: string,
    q: { storeId?: string; from: Date; to: Date },
  ): Promise<{ scope: FactsScope; timezone: string; storeClock: boolean }> {
    const { storeIds, timezone, storeClock } = await this.stores(tenantId, q.storeId);
    await this.facts.refreshAll(tenantId);
    return { scope: { storeIds, from: q.from, to: q.to }, timezone, storeClock };
  }

  private async load(
    tenantId: string,
    q: { storeId?: string; from: Date; to: Date },
    identityId?: string,
  ): Promise<Loaded> {
    const { storeIds, timezone } = await this.stores(tenantId, q.storeId);
    const visits = await this.builder.build(tenantId, storeIds, q.from.getTime(), q.to.getTime(), identityId);
    return { visits, timezone };
  }

  /** The stores asked for (one, or all of the tenant's) and the clock their periods follow. */
  private async stores(tenantId: string, storeId: string | undefined) {
    const stores = await this.read.stores(tenantId, storeId);
    if (storeId && stores.length === 0) throw new NotFoundException('store not found');
    // buckets follow the store's clock; several stores without one named fall back to UTC
    const storeClock = stores.length === 1;
    return { storeIds: stores.map((s) => s.id), timezone: storeClock ? stores[0]!.timezone : 'UTC', storeClock };
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
