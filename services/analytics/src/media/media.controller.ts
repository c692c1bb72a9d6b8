import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { sendCsv, wantsCsv } from '../export/csv';
import { MediaListQuery } from '../query-params';
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
@ApiUnauthorizedResponse({ description: 'missing, invalid or revoked API key' })
@Controller('v1/media')
export class MediaController {
  constructor(@Inject(MediaService) private readonly media: MediaService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s media, newest first, each with its computed status' })
  @ApiQuery({ name: 'cameraId', required: false, description: 'only this camera’s media', schema: { format: 'uuid' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'or Accept: text/csv' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: [MediaSummaryDto] })
  @ApiBadRequestResponse({ description: 'a bad query parameter (the reason is given)' })
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
      'Poll until status is done or failed. Each frame carries a signed annotatedUrl (valid one hour) to the frame ' +
      'with the faces drawn.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: MediaDto })
  @ApiNotFoundResponse({ description: 'no such media for this tenant' })
  get(@TenantId() tenantId: string, @Param('id', new IdPipe('media')) id: string): Promise<MediaDto> {
    return this.media.get(tenantId, id);
  }
}
