import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IdentityCategory } from '@storelens/contracts';
import { GroupBy } from '../query-params';
import { AGE_BANDS, type AgeBand } from './aggregates.read-repository';

/** An object of integer counts under fixed keys. */
const counts = (keys: readonly string[], description: string): ApiPropertyOptions => ({
  type: 'object',
  properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer' as const }])),
  required: [...keys],
  description,
});

export class VisitorCountsDto {
  @ApiProperty({ type: 'integer', description: 'identified + anonymous: the distinct people who are not staff' })
  unique!: number;

  @ApiProperty({ type: 'integer', description: 'distinct enrolled identities (members, watchlist) seen' })
  identified!: number;

  @ApiProperty({ type: 'integer', description: 'distinct anonymous visitor ids of unknown faces' })
  anonymous!: number;
}

export class StaffCountsDto {
  @ApiProperty({ type: 'integer', description: 'faces attributed to staff identities' })
  faces!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'distinct staff identities seen (null with visitors=none)',
  })
  people!: number | null;
}

export class SummaryGroupDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'groupBy=hour: start of the hour (UTC)' })
  hour?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'groupBy=day: start of the day (UTC)' })
  day?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'groupBy=camera or store' })
  storeId?: string;

  @ApiPropertyOptional({ type: String, description: 'groupBy=camera or store' })
  storeName?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'groupBy=camera' })
  cameraId?: string;

  @ApiPropertyOptional({ type: String, description: 'groupBy=camera' })
  cameraName?: string;

  @ApiProperty({ type: 'integer', description: 'face sightings (a face in a frame), staff included' })
  faces!: number;

  @ApiProperty({ type: 'integer', description: 'faces named as an enrolled identity, staff included' })
  identified!: number;

  @ApiProperty({ type: 'integer', description: 'faces classified as unknown' })
  unknown!: number;

  @ApiProperty({ type: 'integer', description: 'faces not yet classified' })
  pending!: number;

  @ApiProperty({ type: VisitorCountsDto, nullable: true, description: 'null when asked with visitors=none' })
  visitors!: VisitorCountsDto | null;

  @ApiProperty({
    type: StaffCountsDto,
    description: 'staff are reported here and left out of visitors and demographics',
  })
  staff!: StaffCountsDto;

  @ApiProperty(counts(['female', 'male'], 'faces per estimated gender (staff excluded)'))
  gender!: { female: number; male: number };

  @ApiProperty(
    counts(
      AGE_BANDS.map((b) => b.label),
      'faces per band of estimated age in years, rounded (staff excluded)',
    ),
  )
  ageBands!: Record<AgeBand, number>;

  @ApiProperty({
    type: 'object',
    properties: {
      female: counts(AGE_BANDS.map((b) => b.label), 'faces estimated female, per age band'),
      male: counts(AGE_BANDS.map((b) => b.label), 'faces estimated male, per age band'),
    } as never,
    description: 'age band × gender (staff excluded)',
  })
  ageByGender!: { female: Record<AgeBand, number>; male: Record<AgeBand, number> };

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'faces per most likely emotion (staff excluded); labels that did not occur are left out',
    example: { happy: 3, neutral: 5 },
  })
  emotions!: Record<string, number>;
}

export class SummaryDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'start of the range (inclusive)' })
  from!: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'end of the range (exclusive)' })
  to!: Date;

  @ApiProperty({ type: String, enum: GroupBy.options })
  groupBy!: GroupBy;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  storeId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  cameraId!: string | null;

  @ApiProperty({
    type: () => [SummaryGroupDto],
    description:
      'one per hour, camera or store that has sightings (hours ascending; cameras and stores by name); ' +
      'groupBy=none: exactly one',
  })
  groups!: SummaryGroupDto[];
}

export class NamedRefDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  name!: string;
}

export class AlertIdentityDto extends NamedRefDto {
  @ApiProperty({ type: String, enum: IdentityCategory.options })
  category!: IdentityCategory;
}

export class AlertDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'when the frame was captured' })
  seenAt!: Date;

  @ApiProperty({ type: Number, description: 'cosine similarity of the match' })
  similarity!: number;

  @ApiProperty({ type: AlertIdentityDto })
  identity!: AlertIdentityDto;

  @ApiProperty({ type: NamedRefDto, nullable: true })
  camera!: NamedRefDto | null;

  @ApiProperty({ type: NamedRefDto, nullable: true })
  store!: NamedRefDto | null;

  @ApiProperty({ type: String, format: 'uuid' })
  mediaId!: string;

  @ApiProperty({ type: String, format: 'uuid' })
  frameId!: string;

  @ApiProperty({ type: String, format: 'uuid' })
  faceId!: string;

  @ApiProperty({ type: String, format: 'uri', description: 'signed link to the annotated frame (valid one hour)' })
  annotatedUrl!: string;
}
