import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

// The query strings of the read API, validated with parseOr400: a 400 names each parameter that is wrong and why.
// Each schema is also its endpoint's documented parameters (@ApiQuery({ type: XQueryDto })).
// Objects are strict, so a misspelt parameter (?groupby=) is an error rather than silently ignored.

export const HOUR_MS = 3_600_000;
/** Longest summary range: a year of hourly groups is about 8 800 rows. */
export const MAX_RANGE_DAYS = 366;

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/**
 * An instant: an ISO 8601 date-time with a zone (Z or an offset), or a date, read as midnight UTC. A date-time
 * without a zone is refused: it would mean a different instant on every server.
 */
export const instant = z
  .string()
  .refine((s) => isoDateTime.safeParse(s).success || isoDate.safeParse(s).success, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an ISO 8601 date-time with a zone (e.g. 2026-11-28T13:00:00Z) or a date (2026-11-28)`,
  })
  .transform((s) => new Date(s))
  .refine((d) => !Number.isNaN(d.getTime()), { error: 'is not a real calendar date' });

const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a whole number from 1 to ${max}` })
    .int({ error: `must be a whole number from 1 to ${max}` })
    .min(1, { error: `must be a whole number from 1 to ${max}` })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);

const instantDoc = 'ISO 8601 date-time with a zone (2026-11-28T13:00:00Z) or a date (2026-11-28, midnight UTC)';

/** ?format=: every read endpoint also answers CSV (also chosen by Accept: text/csv). */
export const format = z
  .enum(['json', 'csv'])
  .optional()
  .meta({ description: 'json (default) or csv; CSV is also chosen by Accept: text/csv' });

/** A zone name (a camera's zone). */
export const zone = z
  .string()
  .min(1)
  .max(100, { error: 'must be at most 100 characters' })
  .optional()
  .meta({ description: 'only cameras of this zone' });

export const unknownParameter = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown query parameter ${(issue.keys ?? []).join(', ')}` : undefined,
};

export const MediaListQuery = z.strictObject(
  {
    cameraId: z
      .uuid({ error: 'must be a camera id (uuid)' })
      .optional()
      .meta({ description: 'only this camera’s media' }),
    limit: limit(200, 50),
    format,
  },
  unknownParameter,
);
export type MediaListQuery = z.infer<typeof MediaListQuery>;
export class MediaListQueryDto extends createZodDto(MediaListQuery) {}

/** Frames per page of GET /v1/media/:id: a long video's frames come in pages, never in one huge answer. */
export const MAX_FRAMES_PAGE = 500;

export const MediaFramesQuery = z.strictObject(
  {
    framesOffset: z.coerce
      .number({ error: 'must be a whole number, 0 or more' })
      .int({ error: 'must be a whole number, 0 or more' })
      .min(0, { error: 'must be a whole number, 0 or more' })
      .default(0)
      .meta({ description: 'position of the first frame of the page' }),
    framesLimit: limit(MAX_FRAMES_PAGE, 100).meta({ description: 'frames in the page' }),
  },
  unknownParameter,
);
export type MediaFramesQuery = z.infer<typeof MediaFramesQuery>;
export class MediaFramesQueryDto extends createZodDto(MediaFramesQuery) {}

export const GroupBy = z.enum(['hour', 'day', 'camera', 'store', 'none']);
export type GroupBy = z.infer<typeof GroupBy>;

export const SummaryQuery = z
  .strictObject(
    {
      from: instant.optional().meta({ description: `${instantDoc}; default: 24 hours before to` }),
      to: instant
        .optional()
        .meta({ description: `${instantDoc}; default: now; at most ${MAX_RANGE_DAYS} days after from` }),
      storeId: z.uuid({ error: 'must be a store id (uuid)' }).optional().meta({ description: 'only this store' }),
      cameraId: z.uuid({ error: 'must be a camera id (uuid)' }).optional().meta({ description: 'only this camera' }),
      zone,
      groupBy: GroupBy.default('none').meta({ description: 'hour and day buckets are UTC' }),
      visitors: z.enum(['exact', 'none']).default('exact').meta({
        description: 'none leaves distinct visitors out (null), for the fastest answer over long ranges',
      }),
      format,
    },
    unknownParameter,
  )
  // Defaults: the 24 hours up to `to`, and `to` is now. The range is [from, to).
  .transform(({ from, to, ...rest }) => {
    const end = to ?? new Date();
    return { ...rest, from: from ?? new Date(end.getTime() - 24 * HOUR_MS), to: end };
  })
  .refine((q) => q.from.getTime() <= q.to.getTime(), { error: 'must not be after to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_RANGE_DAYS * 24 * HOUR_MS, {
    error: `must be at most ${MAX_RANGE_DAYS} days after from`,
    path: ['to'],
  });
export type SummaryQuery = z.infer<typeof SummaryQuery>;
export class SummaryQueryDto extends createZodDto(SummaryQuery) {}

export const AlertsQuery = z.strictObject(
  {
    since: instant.optional().meta({ description: `${instantDoc}; only alerts seen at or after it` }),
    limit: limit(500, 100),
    format,
  },
  unknownParameter,
);
export type AlertsQuery = z.infer<typeof AlertsQuery>;
export class AlertsQueryDto extends createZodDto(AlertsQuery) {}

/** One page of sightings at most; CSV exports read page after page. */
export const MAX_FACES_JSON = 10_000;

export const FacesQuery = z
  .strictObject(
    {
      from: instant.meta({ description: instantDoc }),
      to: instant.meta({ description: `${instantDoc}; at most ${MAX_RANGE_DAYS} days after from` }),
      storeId: z.uuid({ error: 'must be a store id (uuid)' }).optional().meta({ description: 'only this store' }),
      cameraId: z.uuid({ error: 'must be a camera id (uuid)' }).optional().meta({ description: 'only this camera' }),
      zone,
      limit: z.coerce
        .number({ error: 'must be a whole number of at least 1' })
        .int({ error: 'must be a whole number of at least 1' })
        .min(1, { error: 'must be a whole number of at least 1' })
        .optional()
        .meta({ description: `rows at most; JSON: default 1000, at most ${MAX_FACES_JSON}; CSV: the whole range` }),
      format,
    },
    unknownParameter,
  )
  .refine((q) => q.from.getTime() <= q.to.getTime(), { error: 'must not be after to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_RANGE_DAYS * 24 * HOUR_MS, {
    error: `must be at most ${MAX_RANGE_DAYS} days after from`,
    path: ['to'],
  })
  .refine((q) => q.format === 'csv' || q.limit === undefined || q.limit <= MAX_FACES_JSON, {
    error: `must be at most ${MAX_FACES_JSON} for JSON (CSV exports have no limit)`,
    path: ['limit'],
  });
export type FacesQuery = z.infer<typeof FacesQuery>;
export class FacesQueryDto extends createZodDto(FacesQuery) {}
