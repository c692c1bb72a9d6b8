import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ApiAuthenticated, ApiNotFound, ErrorDto, IdDto, IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { LiveCamerasService } from '../live/live-cameras.service';
import { StoreService } from './store.service';
import { CameraDto, NewCameraBody, NewCameraDto, NewStoreBody, NewStoreDto, StoreDto } from './stores.dto';

@ApiTags('stores')
@ApiAuthenticated()
@Controller('v1/stores')
export class StoresController {
  constructor(
    @Inject(StoreService) private readonly stores: StoreService,
    @Inject(LiveCamerasService) private readonly live: LiveCamerasService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a store' })
  @ApiBody({ type: NewStoreDto })
  @ApiCreatedResponse({ type: IdDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a field is missing or invalid' })
  async create(@TenantId() tenantId: string, @Body() body: NewStoreDto): Promise<IdDto> {
    const input = parseOr400(NewStoreBody, body ?? {});
    const store = await this.stores.create(tenantId, input);
    return { id: store.id };
  }

  @Get()
  @ApiOperation({ summary: 'List the stores, by name' })
  @ApiOkResponse({ type: [StoreDto] })
  async list(@TenantId() tenantId: string): Promise<StoreDto[]> {
    return (await this.stores.list(tenantId)).map(StoreDto.of);
  }

  @Get(':storeId')
  @ApiOperation({ summary: 'One store' })
  @ApiOkResponse({ type: StoreDto })
  @ApiNotFound('store')
  async get(@TenantId() tenantId: string, @Param('storeId', new IdPipe('store')) storeId: string): Promise<StoreDto> {
    return StoreDto.of(await this.stores.get(tenantId, storeId));
  }

  @Post(':storeId/cameras')
  @ApiOperation({ summary: 'Add a camera to a store' })
  @ApiBody({ type: NewCameraDto })
  @ApiCreatedResponse({ type: IdDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a field is missing or invalid (fps must be in [0.1, 30])' })
  @ApiNotFound('store')
  async createCamera(
    @TenantId() tenantId: string,
    @Param('storeId', new IdPipe('store')) storeId: string,
    @Body() body: NewCameraDto,
  ): Promise<IdDto> {
    const { streamUrl, streamTransport, ...input } = parseOr400(NewCameraBody, body ?? {});
    await this.stores.get(tenantId, storeId); // 404 before anything about the stream is looked at
    const id = randomUUID();
    const stream = streamUrl ? await this.live.streamSettings(id, streamUrl, streamTransport) : null;
    const camera = await this.stores.createCamera(tenantId, storeId, { id, ...input, stream });
    return { id: camera.id };
  }

  @Get(':storeId/cameras')
  @ApiOperation({ summary: 'List a store’s cameras, by name' })
  @ApiOkResponse({ type: [CameraDto] })
  @ApiNotFound('store')
  async listCameras(
    @TenantId() tenantId: string,
    @Param('storeId', new IdPipe('store')) storeId: string,
  ): Promise<CameraDto[]> {
    return (await this.stores.listCameras(tenantId, storeId)).map(CameraDto.of);
  }
}
