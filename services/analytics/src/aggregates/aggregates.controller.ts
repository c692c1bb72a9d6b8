import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiNotFoundResponse,
} from '@nestjs/swagger';
import { parseOr400, TenantId } from '@storelens/platform';
import { AlertsQuery, GroupBy, MAX_RANGE_DAYS, SummaryQuery } from '../query-params';
import { AlertDto, SummaryDto } from './aggregates.dto';
import { AggregatesService } from './aggregates.service';

const instantDoc = 'ISO 8601 date-time with a zone (2026-11-28T13:00:00Z) or a date (2026-11-28, midnight UTC)';

@ApiTags('analytics')
@ApiUnauthorizedResponse({ description: 'missing, invalid or revoked API key' })
@ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
@Controller('v1')
export class AggregatesController {
  constructor(@Inject(AggregatesService) private readonly aggregates: AggregatesService) {}

  @Get('analytics/summary')
  @ApiOperation({
    summary: 'Faces, identified vs unknown, unique visitors, gender, age bands and emotions over a time range',
    description:
      'Counts the faces seen by the tenant’s cameras whose frames were captured in [from, to), per group. ' +
      'Unique visitors are distinct anonymous visitor ids plus distinct enrolled identities; staff are reported ' +
      'apart and left out of visitors and demographics. Demographics count face sightings, not people.',
  })
  @ApiQuery({ name: 'from', required: false, description: `${instantDoc}; default: 24 hours before to` })
  @ApiQuery({
    name: 'to',
    required: false,
    description: `${instantDoc}; default: now; at most ${MAX_RANGE_DAYS} days after from`,
  })
  @ApiQuery({ name: 'storeId', required: false, schema: { format: 'uuid' } })
  @ApiQuery({ name: 'cameraId', required: false, schema: { format: 'uuid' } })
  @ApiQuery({
    name: 'groupBy',
    required: false,
    enum: GroupBy.options,
    description: 'hour buckets are UTC; default none',
  })
  @ApiOkResponse({ type: SummaryDto })
  @ApiNotFoundResponse({ description: 'the storeId or cameraId is not one of the tenant’s' })
  summary(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<SummaryDto> {
    return this.aggregates.summary(tenantId, parseOr400(SummaryQuery, query));
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Sightings of watchlisted identities, newest first' })
  @ApiQuery({ name: 'since', required: false, description: `${instantDoc}; only alerts seen at or after it` })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiOkResponse({ type: [AlertDto] })
  alerts(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<AlertDto[]> {
    return this.aggregates.alerts(tenantId, parseOr400(AlertsQuery, query));
  }
}
