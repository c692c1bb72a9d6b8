import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { MAX_FRAMES_PAGE, MediaFramesQuery, MediaListQuery } from '../query-params';
import { MediaDto, MediaSummaryDto } from './media.dto';
import { MediaService } from './media.service';

@ApiTags('media')
@ApiUnauthorizedResponse({ description: 'missing, invalid or revoked API key' })
@Controller('v1/media')
export class MediaController {
  constructor(@Inject(MediaService) private readonly media: MediaService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s media, newest first, each with its computed status' })
  @ApiQuery({ name: 'cameraId', required: false, description: 'only this camera’s media', schema: { format: 'uuid' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiOkResponse({ type: [MediaSummaryDto] })
  @ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
  list(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<MediaSummaryDto[]> {
    return this.media.list(tenantId, parseOr400(MediaListQuery, query));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A media item with its status, frames and faces (identity, visitor, age, gender, emotion)',
    description:
      'Poll until status is done or failed. Frames come a page at a time (framesOffset, framesLimit; framesTotal ' +
      'says how many there are). Each frame carries a signed annotatedUrl (valid one hour) to the frame ' +
      'with the faces drawn.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'framesOffset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({
    name: 'framesLimit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_FRAMES_PAGE, default: 100 },
  })
  @ApiOkResponse({ type: MediaDto })
  @ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
  @ApiNotFoundResponse({ description: 'no such media for this tenant' })
  get(
    @TenantId() tenantId: string,
    @Param('id', new IdPipe('media')) id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<MediaDto> {
    return this.media.get(tenantId, id, parseOr400(MediaFramesQuery, query));
  }
}
