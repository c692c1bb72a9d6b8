import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  CameraRepository,
  StoreRepository,
  type Camera,
  type NewCamera,
  type NewStore,
  type Store,
} from '@storelens/db';

/** Stores and their cameras, always within one tenant; an id of another tenant is not found, like an unknown one. */
@Injectable()
export class StoreService {
  constructor(
    @Inject(StoreRepository) private readonly stores: StoreRepository,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
  ) {}

  create(tenantId: string, input: NewStore): Promise<Store> {
    return this.stores.create(tenantId, input);
  }

  list(tenantId: string): Promise<Store[]> {
    return this.stores.list(tenantId);
  }

  async get(tenantId: string, storeId: string): Promise<Store> {
    const store = await this.stores.get(tenantId, storeId);
    if (!store) throw new NotFoundException('store not found');
    return store;
  }

  async createCamera(tenantId: string, storeId: string, input: Omit<NewCamera, 'storeId'>): Promise<Camera> {
    await this.get(tenantId, storeId);
    return this.cameras.create(tenantId, { storeId, ...input });
  }

  async listCameras(tenantId: string, storeId: string): Promise<Camera[]> {
    await this.get(tenantId, storeId);
    return this.cameras.listByStore(tenantId, storeId);
  }

  async camera(tenantId: string, cameraId: string): Promise<Camera> {
    const camera = await this.cameras.get(tenantId, cameraId);
    if (!camera) throw new NotFoundException('camera not found');
    return camera;
  }
}
