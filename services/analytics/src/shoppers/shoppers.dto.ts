import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const Counts = z.record(z.string(), z.number().int());

export const VisitSchema = z.object({
  id: z.uuid(),
  storeId: z.uuid(),
  visitorId: z.uuid().nullable().describe('the anonymous visitor (also kept once the visitor was enrolled)'),
  identity: z.object({ id: z.uuid(), name: z.string(), category: z.enum(['member', 'staff', 'watchlist']) }).nullable(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().describe('when the person was last in view'),
  durationS: z.number(),
  returning: z.boolean().describe('an earlier visit to any store of the tenant within RETURN_WINDOW_DAYS'),
  converted: z.boolean().describe('a sale was matched to the visit'),
  reachedCheckout: z.boolean(),
  zones: z.array(z.object({ zone: z.string(), kind: z.string(), dwellS: z.number() })),
  gender: z.object({ label: z.enum(['female', 'male']), confidence: z.number() }).nullable(),
  age: z.number().nullable(),
  emotions: Counts.describe('faces per dominant emotion'),
  transactions: z.array(
    z.object({ id: z.uuid(), at: z.iso.datetime(), amount: z.number(), currency: z.string().nullable() }),
  ),
});
export class VisitDto extends createZodDto(VisitSchema) {}

export const VisitsPageSchema = z.object({
  total: z.number().int(),
  timezone: z.string(),
  items: z.array(VisitSchema),
});
export class VisitsPageDto extends createZodDto(VisitsPageSchema) {}

export const TrafficSchema = z.object({
  timezone: z.string().describe('the time zone of the periods: the store’s'),
  counts: z.literal('visitors'),
  groups: z.array(
    z.object({
      period: z.string().describe('2026-11-28T14:00 (hour), 2026-11-28 (day) or all'),
      visits: z.number().int(),
      uniqueVisitors: z.number().int(),
      newVisitors: z.number().int(),
      returningVisitors: z.number().int(),
      members: z.number().int(),
      anonymous: z.number().int(),
      occupancyPeak: z
        .number()
        .int()
        .describe(
          'the most visits of one store in progress at one instant of the period (visits that began earlier count)',
        ),
    }),
  ),
});
export class TrafficDto extends createZodDto(TrafficSchema) {}

const ByBand = z.record(z.string(), z.number().int());
export const DemographicsSchema = z.object({
  counts: z.literal('visitors'),
  visitors: z.number().int().describe('people with a visit in the range, each counted once'),
  byGender: z.object({ female: z.number().int(), male: z.number().int(), unknown: z.number().int() }),
  byAgeBand: ByBand,
  matrix: z.object({ female: ByBand, male: ByBand, unknown: ByBand }),
});
export class DemographicsDto extends createZodDto(DemographicsSchema) {}

export const ZonesSchema = z.object({
  visits: z.number().int(),
  zones: z.array(
    z.object({
      zone: z.string(),
      kind: z.string(),
      visits: z.number().int(),
      shareOfVisits: z.number(),
      dwellP50S: z.number(),
      dwellP90S: z.number(),
      emotions: Counts,
    }),
  ),
});
export class ZonesDto extends createZodDto(ZonesSchema) {}

const Rate = z.object({ visits: z.number().int(), converted: z.number().int(), rate: z.number() });
export const ConversionSchema = Rate.extend({
  basis: z.enum(['transactions', 'checkout']).describe('sales matched to visits, or (no sales sent) checkout reached'),
  transactions: z.number().int(),
  matchedTransactions: z.number().int(),
  revenue: z.number(),
  bySegment: z.object({
    membership: z.record(z.string(), Rate),
    visitor: z.record(z.string(), Rate),
    gender: z.record(z.string(), Rate),
    ageBand: z.record(z.string(), Rate),
  }),
});
export class ConversionDto extends createZodDto(ConversionSchema) {}

export const PersonVisitsSchema = z.object({
  identity: z.object({ id: z.uuid(), name: z.string(), category: z.string() }),
  total: z.number().int(),
  items: z.array(VisitSchema).describe('newest first'),
  purchases: z.array(
    z.object({
      id: z.uuid(),
      at: z.iso.datetime(),
      amount: z.number(),
      currency: z.string().nullable(),
      visitId: z.uuid(),
      storeId: z.uuid(),
    }),
  ),
});
export class PersonVisitsDto extends createZodDto(PersonVisitsSchema) {}
