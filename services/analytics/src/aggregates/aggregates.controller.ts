import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { parseOr400, TenantId } from '@storelens/platform';
import { sendCsv, wantsCsv } from '../export/csv';
import { AlertsQuery, FacesQuery, GroupBy, MAX_FACES_JSON, MAX_RANGE_DAYS, SummaryQuery } from '../query-params';
import { AlertDto, SummaryDto } from './aggregates.dto';
import { ALERT_COLUMNS, AggregatesService, alertRow, SIGHTING_COLUMNS, summaryTable } from './aggregates.service';

const csvDoc = 'json (default) or csv; CSV is also chosen by Accept: text/csv';
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
  @ApiQuery({ name: 'zone', required: false, description: 'only cameras of this zone' })
  @ApiQuery({
    name: 'visitors',
    required: false,
    enum: ['exact', 'none'],
    description: 'none leaves distinct visitors out (null), for the fastest answer over long ranges',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: csvDoc })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: SummaryDto })
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
  @ApiQuery({ name: 'from', required: true, description: instantDoc })
  @ApiQuery({ name: 'to', required: true, description: `${instantDoc}; at most ${MAX_RANGE_DAYS} days after from` })
  @ApiQuery({ name: 'storeId', required: false, schema: { format: 'uuid' } })
  @ApiQuery({ name: 'cameraId', required: false, schema: { format: 'uuid' } })
  @ApiQuery({ name: 'zone', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: csvDoc })
  @ApiProduces('application/json', 'text/csv')
  async faces(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(FacesQuery, query);
    if (wantsCsv(req, q.format))
      return sendCsv(res, { filename: 'faces', columns: SIGHTING_COLUMNS, rows: this.aggregates.faces(tenantId, q) });
    const rows = [];
    for await (const row of this.aggregates.faces(tenantId, { ...q, limit: q.limit ?? 1000 })) rows.push(row);
    res.json(rows);
  }

  @Get('alerts')
  @ApiOperation({ summary: 'Sightings of watchlisted identities, newest first' })
  @ApiQuery({ name: 'since', required: false, description: `${instantDoc}; only alerts seen at or after it` })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: csvDoc })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: [AlertDto] })
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
