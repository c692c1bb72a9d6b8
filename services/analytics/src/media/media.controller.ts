import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ApiAuthenticated,
  ApiNotFound,
  ApiOkJsonOrCsv,
  ErrorDto,
  IdPipe,
  parseOr400,
  TenantId,
} from '@storelens/platform';
import { sendCsv, wantsCsv } from '../export/csv';
import { MediaFramesQuery, MediaFramesQueryDto, MediaListQuery, MediaListQueryDto } from '../query-params';
import { MediaDto, MediaSummaryDto } from './media.dto';
import { MediaService } from './media.service';

const MEDIA_COLUMNS: (keyof MediaSummaryDto)[] = [
  'id',
  'kind',
  'purpose',
  'status',
  'error',
  'cameraId',
  'identityId',
  'capturedAt',
  'createdAt',
  'frameCount',
];

@ApiTags('media')
@ApiAuthenticated()
@Controller('v1/media')
export class MediaController {
  constructor(@Inject(MediaService) private readonly media: MediaService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s media, newest first, each with its computed status' })
  @ApiQuery({ type: MediaListQueryDto })
  @ApiOkJsonOrCsv([MediaSummaryDto])
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a bad query parameter (the reason is given)' })
  async list(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseOr400(MediaListQuery, query);
    const media = await this.media.list(tenantId, q);
    if (!wantsCsv(req, q.format)) return void res.json(media);
    await sendCsv(res, { filename: 'media', columns: MEDIA_COLUMNS, rows: media });
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
  @ApiQuery({ type: MediaFramesQueryDto })
  @ApiOkResponse({ type: MediaDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a bad query parameter (the reason is given)' })
  @ApiNotFound('media')
  get(
    @TenantId() tenantId: string,
    @Param('id', new IdPipe('media')) id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<MediaDto> {
    return this.media.get(tenantId, id, parseOr400(MediaFramesQuery, query));
  }
}
