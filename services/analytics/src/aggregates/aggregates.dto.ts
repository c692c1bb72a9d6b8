import { IdentityCategory } from '@storelens/contracts';
import { ApiId, ApiTime, orNull } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { GroupBy } from '../query-params';
import { AGE_BANDS, type AgeBand } from './aggregates.read-repository';

// The response bodies of the summary and alerts endpoints, each defined once as a zod schema (see media.dto.ts).

const count = (description?: string) =>
  z
    .number()
    .int()
    .min(0)
    .meta(description ? { description } : {});

/** An object of integer counts under fixed keys. */
const counts = <K extends string>(keys: readonly K[], description: string) =>
  z.object(Object.fromEntries(keys.map((k) => [k, count()])) as Record<K, ReturnType<typeof count>>).meta({
    description,
  });

const VisitorCountsSchema = z
  .object({
    unique: count('identified + anonymous: the distinct people who are not staff'),
    identified: count('distinct enrolled identities (members, watchlist) seen'),
    anonymous: count('distinct anonymous visitor ids of unknown faces'),
  })
  .meta({ id: 'VisitorCountsDto' });

const StaffCountsSchema = z
  .object({
    faces: count('faces attributed to staff identities'),
    people: count('distinct staff identities seen (null with visitors=none)').nullable(),
  })
  .meta({ id: 'StaffCountsDto', description: 'staff are reported here and left out of visitors and demographics' });

export const SummaryGroupSchema = z
  .object({
    hour: z.string().optional().meta({ format: 'date-time', description: 'groupBy=hour: start of the hour (UTC)' }),
    day: z.string().optional().meta({ format: 'date-time', description: 'groupBy=day: start of the day (UTC)' }),
    storeId: ApiId.optional().meta({ description: 'groupBy=camera or store' }),
    storeName: z.string().optional().meta({ description: 'groupBy=camera or store' }),
    cameraId: ApiId.optional().meta({ description: 'groupBy=camera' }),
    cameraName: z.string().optional().meta({ description: 'groupBy=camera' }),
    faces: count('face sightings (a face in a frame), staff included'),
    identified: count('faces named as an enrolled identity, staff included'),
    unknown: count('faces classified as unknown'),
    pending: count('faces not yet classified'),
    visitors: VisitorCountsSchema.nullable().meta({ description: 'null when asked with visitors=none' }),
    staff: StaffCountsSchema,
    gender: counts(['female', 'male'] as const, 'faces per estimated gender (staff excluded)'),
    ageBands: counts(
      AGE_BANDS.map((b) => b.label) as AgeBand[],
      'faces per band of estimated age in years, rounded (staff excluded)',
    ),
    ageByGender: z
      .object({
        female: counts(AGE_BANDS.map((b) => b.label) as AgeBand[], 'faces estimated female, per age band'),
        male: counts(AGE_BANDS.map((b) => b.label) as AgeBand[], 'faces estimated male, per age band'),
      })
      .meta({ description: 'age band × gender (staff excluded)' }),
    emotions: z.record(z.string(), z.number().int()).meta({
      description: 'faces per most likely emotion (staff excluded); labels that did not occur are left out',
      example: { happy: 3, neutral: 5 },
    }),
  })
  .meta({ id: 'SummaryGroupDto' });
export type SummaryGroupDto = z.output<typeof SummaryGroupSchema>;

export const SummarySchema = z.object({
  counts: z.enum(['faces']).meta({
    description:
      'what the numbers count: face sightings in frames (one person in many frames counts many times); people ' +
      'and visits are counted by /v1/visits and /v1/analytics/traffic, demographics, zones and conversion',
  }),
  from: ApiTime.meta({ description: 'start of the range (inclusive)' }),
  to: ApiTime.meta({ description: 'end of the range (exclusive)' }),
  groupBy: GroupBy,
  storeId: orNull(ApiId, 'the store asked for, if any'),
  cameraId: orNull(ApiId, 'the camera asked for, if any'),
  groups: z.array(SummaryGroupSchema).meta({
    description:
      'one per hour, day, camera or store that has sightings (hours and days ascending; cameras and stores by ' +
      'name); ' +
      'groupBy=none: exactly one',
  }),
});
export class SummaryDto extends createZodDto(SummarySchema) {}

const NamedRefSchema = z.object({ id: ApiId, name: z.string() }).meta({ id: 'NamedRefDto' });

export const AlertSchema = z.object({
  id: ApiId,
  seenAt: ApiTime.meta({ description: 'when the frame was captured' }),
  similarity: z.number().meta({ description: 'cosine similarity of the match' }),
  identity: z.object({ id: ApiId, name: z.string(), category: IdentityCategory }).meta({ id: 'AlertIdentityDto' }),
  camera: NamedRefSchema.nullable(),
  store: NamedRefSchema.nullable(),
  mediaId: ApiId,
  frameId: ApiId,
  faceId: ApiId,
  annotatedUrl: z.string().meta({ format: 'uri', description: 'signed link to the annotated frame (valid one hour)' }),
});
export class AlertDto extends createZodDto(AlertSchema) {}

export const SightingSchema = z.object({
  id: ApiId.meta({ description: 'the face' }),
  seenAt: ApiTime.meta({ description: 'when its frame was captured' }),
  storeId: ApiId,
  cameraId: ApiId,
  zone: orNull(z.string(), 'the camera’s zone'),
  mediaId: ApiId,
  frameId: ApiId,
  status: z.enum(['identified', 'unknown', 'pending']),
  identityId: orNull(ApiId, 'the enrolled identity it was named as'),
  identityCategory: IdentityCategory.nullable(),
  visitorId: orNull(ApiId, 'the anonymous visitor of an unknown face'),
  similarity: orNull(z.number(), 'cosine similarity of the decision'),
  age: orNull(z.number(), 'estimated age in years'),
  gender: z.enum(['female', 'male']).nullable(),
  emotion: orNull(z.string(), 'most likely emotion'),
});
export class SightingDto extends createZodDto(SightingSchema) {}
