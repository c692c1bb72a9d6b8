import { Controller, Get, Header, Inject, Param, Res, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IdPipe, Public, TenantId } from '@storelens/platform';
import type { Response } from 'express';
import { AnnotatedFrameService } from './annotated-frame.service';
import { FrameAccessGuard } from './frame-access.guard';

@ApiTags('frames')
@Controller('v1/frames')
export class FramesController {
  constructor(@Inject(AnnotatedFrameService) private readonly frames: AnnotatedFrameService) {}

  @Get(':frameId/annotated.jpg')
  @Public()
  @UseGuards(FrameAccessGuard)
  @Header('Cache-Control', 'private, max-age=300')
  @ApiOperation({
    summary: 'The frame with each face drawn: box, landmarks and "name or Unknown, gender, age, emotion"',
    description:
      'Opened through the signed annotatedUrl of GET /v1/media/{id} (no API key; valid for one hour), or with the ' +
      'API key and no query. Drawn from the stored frame and the faces as they are now.',
  })
  @ApiParam({ name: 'frameId', format: 'uuid' })
  @ApiQuery({ name: 't', required: false, description: 'signed link: the tenant' })
  @ApiQuery({ name: 'exp', required: false, description: 'signed link: expiry, Unix seconds' })
  @ApiQuery({ name: 'sig', required: false, description: 'signed link: HMAC-SHA256 signature' })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({ description: 'a JPEG of the frame’s size', schema: { type: 'string', format: 'binary' } })
  @ApiUnauthorizedResponse({ description: 'neither a signed link nor a valid API key' })
  @ApiForbiddenResponse({ description: 'the signed link is incomplete, expired or altered (the reason is given)' })
  @ApiNotFoundResponse({ description: 'no such frame for this tenant' })
  async annotated(
    @TenantId() tenantId: string,
    @Param('frameId', new IdPipe('frame')) frameId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const { jpeg, version } = await this.frames.render(tenantId, frameId);
    res.setHeader('ETag', `"${version}"`);
    return new StreamableFile(jpeg, { type: 'image/jpeg', length: jpeg.length });
  }
}
