import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiAuthenticated, ErrorDto, parseOr400, TenantId } from '@storelens/platform';
import { AlertsQuery, AlertsQueryDto, SummaryQuery, SummaryQueryDto } from '../query-params';
import { AlertDto, SummaryDto } from './aggregates.dto';
import { AggregatesService } from './aggregates.service';

@ApiTags('analytics')
@ApiAuthenticated()
@ApiBadRequestResponse({ type: ErrorDto, description: 'a bad query parameter (the reason is given)' })
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
  @ApiQuery({ type: SummaryQueryDto })
  @ApiOkResponse({ type: SummaryDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'the storeId or cameraId is not one of the tenant’s' })
  summary(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<SummaryDto> {
    return this.aggregates.summary(tenantId, parseOr400(SummaryQuery, query));
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Sightings of watchlisted identities, newest first' })
  @ApiQuery({ type: AlertsQueryDto })
  @ApiOkResponse({ type: [AlertDto] })
  alerts(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<AlertDto[]> {
    return this.aggregates.alerts(tenantId, parseOr400(AlertsQuery, query));
  }
}
