import { Body, Controller, Get, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CameraRepository, StoreRepository } from '@storelens/db';
import { IdPipe, parseOr400, TenantId } from '@storelens/platform';
import { ApiAuthenticated, ApiNotFound, ErrorDto, IdDto } from '../api-docs';
import { LiveCamerasService } from '../live/live-cameras.service';
import { CameraDto, NewCameraBody, NewCameraDto, NewStoreBody, NewStoreDto, StoreDto } from './stores.dto';

@ApiTags('stores')
@ApiAuthenticated()
@Controller('v1/stores')
export class StoresController {
  constructor(
    @Inject(StoreRepository) private readonly stores: StoreRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
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
    const store = await this.stores.get(tenantId, storeId);
    if (!store) throw new NotFoundException('store not found');
    return StoreDto.of(store);
  }

  @Post(':storeId/cameras')
  @ApiOperation({ summary: 'Add a camera to a store' })
  @ApiBody({ type: NewCameraDto })
  @ApiCreatedResponse({ type: IdDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'a field is missing or invalid (fps must be in (0, 30])' })
  @ApiNotFound('store')
  async createCamera(
    @TenantId() tenantId: string,
    @Param('storeId', new IdPipe('store')) storeId: string,
    @Body() body: NewCameraDto,
  ): Promise<IdDto> {
    const { streamUrl, streamTransport, ...input } = parseOr400(NewCameraBody, body ?? {});
    if (!(await this.stores.get(tenantId, storeId))) throw new NotFoundException('store not found');
    const id = randomUUID();
    const stream = streamUrl ? await this.live.streamSettings(id, streamUrl, streamTransport) : null;
    const camera = await this.cameras.create(tenantId, { id, storeId, ...input, stream });
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
    if (!(await this.stores.get(tenantId, storeId))) throw new NotFoundException('store not found');
    return (await this.cameras.listByStore(tenantId, storeId)).map(CameraDto.of);
  }
}
