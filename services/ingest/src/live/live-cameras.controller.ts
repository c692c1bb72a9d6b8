import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiAuthenticated, ApiNotFound, ErrorDto, IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { CameraPatchDto, CameraPatchSchema, LiveStatusDto } from './live-cameras.dto';
import { LiveCamerasService } from './live-cameras.service';

@ApiTags('cameras')
@ApiAuthenticated()
@Controller('v1/cameras')
export class LiveCamerasController {
  constructor(@Inject(LiveCamerasService) private readonly live: LiveCamerasService) {}

  @Patch(':cameraId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change a camera: name, role, fps, zone, its live stream (streamUrl, streamTransport)' })
  @ApiBody({ type: CameraPatchDto })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a field is invalid (e.g. a stream URL scheme)' })
  @ApiNotFound('camera')
  async update(
    @TenantId() tenantId: string,
    @Param('cameraId', new IdPipe('camera')) cameraId: string,
    @Body() body: unknown,
  ): Promise<void> {
    await this.live.update(tenantId, cameraId, parseOr400(CameraPatchSchema, body ?? {}));
  }

  @Get(':cameraId/status')
  @ApiOperation({ summary: 'The live stream’s state, rates, drops, lag and last error' })
  @ApiOkResponse({ type: LiveStatusDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'the camera has no stream' })
  @ApiNotFound('camera')
  status(
    @TenantId() tenantId: string,
    @Param('cameraId', new IdPipe('camera')) cameraId: string,
  ): Promise<LiveStatusDto> {
    return this.live.status(tenantId, cameraId);
  }

  @Post(':cameraId/stop')
  @HttpCode(202)
  @ApiOperation({ summary: 'Stop watching the stream (within a few seconds)' })
  @ApiAcceptedResponse()
  @ApiConflictResponse({ type: ErrorDto, description: 'the camera has no stream' })
  @ApiNotFound('camera')
  async stop(@TenantId() tenantId: string, @Param('cameraId', new IdPipe('camera')) cameraId: string) {
    await this.live.setEnabled(tenantId, cameraId, false);
    return { state: 'stopped' };
  }

  @Post(':cameraId/start')
  @HttpCode(202)
  @ApiOperation({ summary: 'Watch the stream again' })
  @ApiAcceptedResponse()
  @ApiConflictResponse({ type: ErrorDto, description: 'the camera has no stream' })
  @ApiNotFound('camera')
  async start(@TenantId() tenantId: string, @Param('cameraId', new IdPipe('camera')) cameraId: string) {
    await this.live.setEnabled(tenantId, cameraId, true);
    return { state: 'connecting' };
  }
}
