import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAuthenticated, ApiNotFound, ErrorDto, IdDto, IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { ApiUpload } from '../media/api-upload';
import { DrainRequestFilter } from '../media/drain-request.filter';
import { MediaIntake } from '../media/media-intake.service';
import { UploadReceiver } from '../media/upload-receiver';
import {
  IdentityDetailDto,
  IdentityDto,
  IdentityListQuery,
  IdentityListQueryDto,
  NewIdentityBody,
  NewIdentityDto,
} from './identities.dto';
import { IdentityService } from './identity.service';

const identityId = () => new IdPipe('identity');

@ApiTags('identities')
@ApiAuthenticated()
@Controller('v1/identities')
export class IdentitiesController {
  constructor(
    @Inject(IdentityService) private readonly service: IdentityService,
    @Inject(UploadReceiver) private readonly uploads: UploadReceiver,
    @Inject(MediaIntake) private readonly intake: MediaIntake,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a person to recognise (member, staff or watchlist)' })
  @ApiBody({ type: NewIdentityDto })
  @ApiCreatedResponse({ type: IdDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a field is missing or invalid' })
  @ApiConflictResponse({ type: ErrorDto, description: 'another identity already has this externalRef' })
  async create(@TenantId() tenantId: string, @Body() body: NewIdentityDto): Promise<IdDto> {
    const identity = await this.service.create(tenantId, parseOr400(NewIdentityBody, body ?? {}));
    return { id: identity.id };
  }

  @Get()
  @ApiOperation({ summary: 'List identities, by name' })
  @ApiQuery({ type: IdentityListQueryDto })
  @ApiOkResponse({ type: [IdentityDto] })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'unknown category' })
  async list(@TenantId() tenantId: string, @Query() query: unknown): Promise<IdentityDto[]> {
    const { category } = parseOr400(IdentityListQuery, query);
    return (await this.service.list(tenantId, category)).map(IdentityDto.of);
  }

  @Get(':identityId')
  @ApiOperation({ summary: 'One identity, with the number of enrolled faces' })
  @ApiOkResponse({ type: IdentityDetailDto })
  @ApiNotFound('identity')
  async get(@TenantId() tenantId: string, @Param('identityId', identityId()) id: string): Promise<IdentityDetailDto> {
    const { identity, faces } = await this.service.get(tenantId, id);
    return { ...IdentityDto.of(identity), faces };
  }

  @Delete(':identityId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Erase an identity',
    description:
      'Removes the identity, its enrolment photos, every face attributed to it (its sightings), their vectors ' +
      'and crop images.',
  })
  @ApiNoContentResponse({ description: 'erased' })
  @ApiNotFound('identity')
  async remove(@TenantId() tenantId: string, @Param('identityId', identityId()) id: string): Promise<void> {
    await this.service.remove(tenantId, id);
  }

  @Post(':identityId/faces')
  @ApiOperation({
    summary: 'Enrol a photo of the identity',
    description:
      'The photo must show exactly one face; it becomes a reference face once processed. Follow it with ' +
      'GET /v1/media/{id}.',
  })
  @ApiUpload({
    file: 'a JPEG, PNG, WebP, GIF, TIFF or AVIF photo with one face',
    unsupported: 'not an image (videos are not taken for enrolment)',
    withCapturedAt: false,
  })
  @ApiNotFound('identity')
  @UseFilters(DrainRequestFilter)
  async enrol(
    @TenantId() tenantId: string,
    @Param('identityId', identityId()) id: string,
    @Req() req: Request,
  ): Promise<IdDto> {
    await this.service.require(tenantId, id);
    const media = await this.uploads.withUpload(req, (upload) =>
      this.intake.accept(tenantId, { purpose: 'enrolment', identityId: id }, upload),
    );
    return { id: media.id };
  }
}
