import type { CameraRole } from '@storelens/contracts';
import type { DataSource, Repository } from 'typeorm';
import { Camera } from '../entities';

export interface NewCamera {
  storeId: string;
  name: string;
  role: CameraRole;
  /** Sampling rate for this camera's video; defaults to 1 frame per second. */
  fps?: number;
  zone?: string | null;
}

export class CameraRepository {
  private readonly cameras: Repository<Camera>;

  constructor(dataSource: DataSource) {
    this.cameras = dataSource.getRepository(Camera);
  }

  /** Fails (foreign key) when the store does not belong to the tenant. */
  async create(tenantId: string, input: NewCamera): Promise<Camera> {
    return this.cameras.save(
      this.cameras.create({
        tenantId,
        storeId: input.storeId,
        name: input.name,
        role: input.role,
        fps: input.fps ?? 1,
        zone: input.zone ?? null,
      }),
    );
  }

  async get(tenantId: string, cameraId: string): Promise<Camera | null> {
    return this.cameras.findOneBy({ tenantId, id: cameraId });
  }

  /** Changes what a camera watches (role, zone) or how it is sampled; null when the tenant has no such camera. */
  async update(
    tenantId: string,
    cameraId: string,
    patch: Partial<Pick<Camera, 'name' | 'role' | 'fps' | 'zone'>>,
  ): Promise<Camera | null> {
    if (Object.keys(patch).length > 0) await this.cameras.update({ tenantId, id: cameraId }, patch);
    return this.get(tenantId, cameraId);
  }

  async listByStore(tenantId: string, storeId: string): Promise<Camera[]> {
    return this.cameras.find({ where: { tenantId, storeId }, order: { name: 'ASC' } });
  }
}
