import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IdPipe, parseOr400, TenantId } from '@storelens/platform';
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
};

/** Shoppers, not faces: every answer counts visits and people (tracks grouped into visits), never frames. */
@ApiTags('shoppers')
@ApiUnauthorizedResponse({ description: 'missing, invalid or revoked API key' })
@ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
@ApiNotFoundResponse({ description: 'no such store (or identity) for this tenant' })
@Controller('v1')
export class ShoppersController {
  constructor(@Inject(ShoppersService) private readonly shoppers: ShoppersService) {}

  @Get('visits')
  @ApiOperation({ summary: 'Visits that started in [from, to), earliest first' })
  @RangeQueries()
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiOkResponse({ type: VisitsPageDto })
  visits(@TenantId() tenantId: string, @Query() query: Record<string, unknown>) {
    return this.shoppers.visits(tenantId, parseOr400(VisitsQuery, query));
  }

  @Get('analytics/traffic')
  @ApiOperation({
    summary: 'Visits, unique, new and returning visitors and peak occupancy per hour or day (store time)',
  })
  @RangeQueries()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['hour', 'day', 'none'] })
  @ApiOkResponse({ type: TrafficDto })
  traffic(@TenantId() tenantId: string, @Query() query: Record<string, unknown>) {
    return this.shoppers.traffic(tenantId, parseOr400(TrafficQuery, query));
  }

  @Get('analytics/demographics')
  @ApiOperation({ summary: 'Gender and age of the people who visited, each person counted once' })
  @RangeQueries()
  @ApiOkResponse({ type: DemographicsDto })
  demographics(@TenantId() tenantId: string, @Query() query: Record<string, unknown>) {
    return this.shoppers.demographics(tenantId, parseOr400(ShopperRangeQuery, query));
  }

  @Get('analytics/zones')
  @ApiOperation({ summary: 'Zones ranked by visits reaching them (hot spots), with dwell percentiles and emotions' })
  @RangeQueries()
  @ApiOkResponse({ type: ZonesDto })
  zones(@TenantId() tenantId: string, @Query() query: Record<string, unknown>) {
    return this.shoppers.zones(tenantId, parseOr400(ShopperRangeQuery, query));
  }

  @Get('analytics/conversion')
  @ApiOperation({
    summary: 'Visits with a matched sale over visits (or, without sales, visits reaching checkout), by segment',
  })
  @RangeQueries()
  @ApiOkResponse({ type: ConversionDto })
  conversion(@TenantId() tenantId: string, @Query() query: Record<string, unknown>) {
    return this.shoppers.conversion(tenantId, parseOr400(ShopperRangeQuery, query));
  }

  @Get('identities/:identityId/visits')
  @ApiOperation({ summary: 'A person’s visits (newest first) and matched purchases; default: the last 90 days' })
  @ApiQuery({ name: 'from', required: false, description: instantDoc })
  @ApiQuery({ name: 'to', required: false, description: instantDoc })
  @ApiOkResponse({ type: PersonVisitsDto })
  personVisits(
    @TenantId() tenantId: string,
    @Param('identityId', new IdPipe('identity')) identityId: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.shoppers.personVisits(tenantId, identityId, parseOr400(PersonVisitsQuery, query));
  }
}
