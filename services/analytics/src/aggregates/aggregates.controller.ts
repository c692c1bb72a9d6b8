import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiOkJsonOrCsv, ErrorDto, parseOr400, TenantId } from '@storelens/platform';
import { sendCsv, wantsCsv } from '../export/csv';
import {
  AlertsQuery,
  AlertsQueryDto,
  FacesQuery,
  FacesQueryDto,
  MAX_FACES_JSON,
  SummaryQuery,
  SummaryQueryDto,
} from '../query-params';
import { AlertDto, SightingDto, SummaryDto } from './aggregates.dto';
import { ALERT_COLUMNS, AggregatesService, alertRow, SIGHTING_COLUMNS, summaryTable } from './aggregates.service';

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
  @ApiOkJsonOrCsv(SummaryDto)
  @ApiNotFoundResponse({ type: ErrorDto, description: 'the storeId or cameraId is not one of the tenant’s' })
  async summary(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(SummaryQuery, query);
    const answer = await this.aggregates.summary(tenantId, q);
    if (!wantsCsv(req, q.format)) return void res.json(answer);
    const { columns, rows } = summaryTable(answer);
    await sendCsv(res, { filename: `summary-${q.groupBy}`, columns, rows });
  }

  @Get('analytics/faces')
  @ApiOperation({
    summary: 'Every face sighting in a time range, in time order: the raw rows behind the summary',
    description:
      `JSON answers at most limit rows (default 1000, at most ${MAX_FACES_JSON}); CSV streams the whole range ` +
      '(or limit rows), read page by page so a large export is never held in memory.',
  })
  @ApiQuery({ type: FacesQueryDto })
  @ApiOkJsonOrCsv([SightingDto])
  @ApiNotFoundResponse({ type: ErrorDto, description: 'the storeId or cameraId is not one of the tenant’s' })
  async faces(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(FacesQuery, query);
    // checked before the first byte: a CSV answer cannot turn into a 404 once it streams
    await this.aggregates.requireOwnFilters(tenantId, q);
    if (wantsCsv(req, q.format))
      return sendCsv(res, { filename: 'faces', columns: SIGHTING_COLUMNS, rows: this.aggregates.faces(tenantId, q) });
    const rows = [];
    for await (const row of this.aggregates.faces(tenantId, { ...q, limit: q.limit ?? 1000 })) rows.push(row);
    res.json(rows);
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Sightings of watchlisted identities, newest first' })
  @ApiQuery({ type: AlertsQueryDto })
  @ApiOkJsonOrCsv([AlertDto])
  async alerts(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(AlertsQuery, query);
    const alerts = await this.aggregates.alerts(tenantId, q);
    if (!wantsCsv(req, q.format)) return void res.json(alerts);
    await sendCsv(res, { filename: 'alerts', columns: ALERT_COLUMNS, rows: alerts.map(alertRow) });
  }
}
