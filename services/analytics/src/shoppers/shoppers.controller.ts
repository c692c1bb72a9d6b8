import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiOkJsonOrCsv, IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { sendCsv, wantsCsv } from '../export/csv';
import { conversionRows, demographicsRows, trafficRows, visitRows, zoneRows, type Table } from './shoppers.csv';
import { ConversionDto, DemographicsDto, PersonVisitsDto, TrafficDto, VisitsPageDto, ZonesDto } from './shoppers.dto';
import { PersonVisitsQuery, ShopperRangeQuery, TrafficQuery, VisitsQuery } from './shoppers.query';
import { ShoppersService } from './shoppers.service';

const instantDoc = 'ISO 8601 date-time with a zone or a date (midnight UTC)';
const RangeQueries = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  ApiQuery({ name: 'from', required: false, description: `${instantDoc}; default: 24 hours before to` })(
    target,
    key,
    descriptor,
  );
  ApiQuery({ name: 'to', required: false, description: `${instantDoc}; default: now` })(target, key, descriptor);
  ApiQuery({ name: 'storeId', required: false, schema: { format: 'uuid' } })(target, key, descriptor);
  ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'csv'],
    description: 'json (default) or csv; CSV is also chosen by Accept: text/csv',
  })(target, key, descriptor);
};

/** The JSON answer, or the same numbers as a CSV table (?format=csv or Accept: text/csv). */
async function answer<T>(
  req: Request,
  res: Response,
  format: 'json' | 'csv' | undefined,
  filename: string,
  body: T,
  table: (body: T) => Table,
): Promise<void> {
  if (!wantsCsv(req, format)) return void res.json(body);
  const { columns, rows } = table(body);
  await sendCsv(res, { filename, columns, rows });
}

/** Shoppers, not faces: every answer counts visits and people (tracks grouped into visits), never frames. */
@ApiTags('shoppers')
@ApiUnauthorizedResponse({ description: 'missing, invalid or revoked API key' })
@ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
@ApiNotFoundResponse({ description: 'no such store (or identity) for this tenant' })
@Controller('v1')
export class ShoppersController {
  constructor(@Inject(ShoppersService) private readonly shoppers: ShoppersService) {}

  @Get('visits')
  @ApiOperation({
    summary: 'Visits that started in [from, to), earliest first',
    description: 'CSV: one row per visit of the page (limit, offset), as in the JSON answer.',
  })
  @RangeQueries()
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiOkJsonOrCsv(VisitsPageDto)
  async visits(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(VisitsQuery, query);
    await answer(req, res, q.format, 'visits', await this.shoppers.visits(tenantId, q), (p) => visitRows(p.items));
  }

  @Get('analytics/traffic')
  @ApiOperation({
    summary: 'Visits, unique, new and returning visitors and peak occupancy per hour or day (store time)',
  })
  @RangeQueries()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['hour', 'day', 'none'] })
  @ApiOkJsonOrCsv(TrafficDto)
  async traffic(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(TrafficQuery, query);
    await answer(req, res, q.format, `traffic-${q.groupBy}`, await this.shoppers.traffic(tenantId, q), trafficRows);
  }

  @Get('analytics/demographics')
  @ApiOperation({ summary: 'Gender and age of the people who visited, each person counted once' })
  @RangeQueries()
  @ApiOkJsonOrCsv(DemographicsDto)
  async demographics(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(ShopperRangeQuery, query);
    await answer(req, res, q.format, 'demographics', await this.shoppers.demographics(tenantId, q), demographicsRows);
  }

  @Get('analytics/zones')
  @ApiOperation({ summary: 'Zones ranked by visits reaching them (hot spots), with dwell percentiles and emotions' })
  @RangeQueries()
  @ApiOkJsonOrCsv(ZonesDto)
  async zones(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(ShopperRangeQuery, query);
    await answer(req, res, q.format, 'zones', await this.shoppers.zones(tenantId, q), zoneRows);
  }

  @Get('analytics/conversion')
  @ApiOperation({
    summary: 'Visits with a matched sale over visits (or, without sales, visits reaching checkout), by segment',
  })
  @RangeQueries()
  @ApiOkJsonOrCsv(ConversionDto)
  async conversion(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(ShopperRangeQuery, query);
    await answer(req, res, q.format, 'conversion', await this.shoppers.conversion(tenantId, q), conversionRows);
  }

  @Get('identities/:identityId/visits')
  @ApiOperation({ summary: 'A person’s visits (newest first) and matched purchases; default: the last 90 days' })
  @ApiQuery({ name: 'from', required: false, description: instantDoc })
  @ApiQuery({ name: 'to', required: false, description: instantDoc })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'csv'],
    description: 'json (default) or csv (one row per visit)',
  })
  @ApiOkJsonOrCsv(PersonVisitsDto)
  async personVisits(
    @TenantId() tenantId: string,
    @Param('identityId', new IdPipe('identity')) identityId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(PersonVisitsQuery, query);
    const body = await this.shoppers.personVisits(tenantId, identityId, q);
    await answer(req, res, q.format, 'visits', body, (p) => visitRows(p.items));
  }
}
