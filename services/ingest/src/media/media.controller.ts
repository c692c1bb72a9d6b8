import { Controller, Inject, Param, Post, Req, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAuthenticated, ApiNotFound, IdDto, IdPipe, TenantId } from '@storelens/platform';
import { StoreService } from '../stores/store.service';
import { ApiUpload } from './api-upload';
import { DrainRequestFilter } from './drain-request.filter';
import { MediaIntake } from './media-intake.service';
import { UploadReceiver } from './upload-receiver';

@ApiTags('media')
@ApiAuthenticated()
@Controller('v1/cameras')
export class MediaController {
  constructor(
    @Inject(StoreService) private readonly stores: StoreService,
    @Inject(UploadReceiver) private readonly uploads: UploadReceiver,
    @Inject(MediaIntake) private readonly intake: MediaIntake,
  ) {}

  @Post(':cameraId/media')
  @ApiOperation({
    summary: 'Upload an image or a video recorded by a camera',
    description:
      'The file type is read from its content. A video is sampled at the camera’s fps. Follow the processing ' +
      'with GET /v1/media/{id}.',
  })
  @ApiUpload({
    file: 'a JPEG, PNG, WebP, GIF, TIFF or AVIF image, or a video (MP4, MOV, MKV, WebM, ...)',
    unsupported: 'neither an image nor a video',
    withCapturedAt: true,
  })
  @ApiNotFound('camera')
  @UseFilters(DrainRequestFilter)
  async upload(
    @TenantId() tenantId: string,
    @Param('cameraId', new IdPipe('camera')) cameraId: string,
    @Req() req: Request,
  ): Promise<IdDto> {
    // Checked before the body is read, so an upload to a wrong camera is refused without storing it.
    const camera = await this.stores.camera(tenantId, cameraId);
    const media = await this.uploads.withUpload(req, (upload) =>
      this.intake.accept(tenantId, { purpose: 'analysis', camera }, upload),
    );
    return { id: media.id };
  }
}
