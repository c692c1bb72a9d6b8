import { z } from 'zod';
import { format, HOUR_MS, instant, MAX_RANGE_DAYS, unknownParameter } from '../query-params';

// the instants, the unknown-parameter wording and the longest range are the read API's own (query-params.ts)

const range = {
  from: instant.optional(),
  to: instant.optional(),
  storeId: z.uuid({ error: 'must be a store id (uuid)' }).optional(),
  format,
};

/** [from, to): by default the 24 hours up to `to`, and `to` is now (or `defaultDays` for a person's history). */
function withRange<T extends { from?: Date; to?: Date }>(defaultDays = 1) {
  return (q: T) => {
    const to = q.to ?? new Date();
    return { ...q, from: q.from ?? new Date(to.getTime() - defaultDays * 24 * HOUR_MS), to };
  };
}

const checks = <S extends z.ZodType<{ from: Date; to: Date }>>(schema: S) =>
  schema
    .refine((q) => q.from.getTime() <= q.to.getTime(), { error: 'must not be after to', path: ['from'] })
    .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_RANGE_DAYS * 24 * HOUR_MS, {
      error: `must be at most ${MAX_RANGE_DAYS} days after from`,
      path: ['to'],
    });

export const ShopperRangeQuery = checks(z.strictObject(range, unknownParameter).transform(withRange()));
export type ShopperRangeQuery = z.infer<typeof ShopperRangeQuery>;

export const TrafficQuery = checks(
  z
    .strictObject({ ...range, groupBy: z.enum(['hour', 'day', 'none']).default('hour') }, unknownParameter)
    .transform(withRange()),
);
export type TrafficQuery = z.infer<typeof TrafficQuery>;

export const VisitsQuery = checks(
  z
    .strictObject(
      {
        ...range,
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      },
      unknownParameter,
    )
    .transform(withRange()),
);
export type VisitsQuery = z.infer<typeof VisitsQuery>;

export const PersonVisitsQuery = checks(
  z.strictObject({ from: range.from, to: range.to, format }, unknownParameter).transform(withRange(90)),
);
export type PersonVisitsQuery = z.infer<typeof PersonVisitsQuery>;
