import type { CameraRole, StreamTransport } from '@storelens/contracts';
import type { DataSource, Repository } from 'typeorm';
import { Camera } from '../entities';
import { EntityReader } from '../prepared';

export interface NewCamera {
  /** Lets the caller seal the stream URL (bound to the id) before the row exists. */
  id?: string;
  storeId: string;
  name: string;
  role: CameraRole;
  /** Sampling rate for this camera's video; defaults to 1 frame per second. */
  fps?: number;
  zone?: string | null;
  /** A live camera's stream, sealed; the camera starts watched. */
  stream?: { streamUrlEnc: string; streamUrlRedacted: string; streamTransport: StreamTransport } | null;
}

export type CameraPatch = Partial<Pick<Camera, 'name' | 'role' | 'fps' | 'zone'>>;

export class CameraRepository {
  private readonly cameras: Repository<Camera>;
  private readonly byId: EntityReader<Camera>;

  constructor(dataSource: DataSource) {
    this.cameras = dataSource.getRepository(Camera);
    this.byId = new EntityReader(dataSource, Camera, ['tenantId', 'id']);
  }

  /** Fails (foreign key) when the store does not belong to the tenant. */
  async create(tenantId: string, input: NewCamera): Promise<Camera> {
    return this.cameras.save(
      this.cameras.create({
        ...(input.id ? { id: input.id } : {}),
        tenantId,
        storeId: input.storeId,
        name: input.name,
        role: input.role,
        fps: input.fps ?? 1,
        zone: input.zone ?? null,
        ...(input.stream ? { ...input.stream, liveEnabled: true } : {}),
      }),
    );
  }

  async get(tenantId: string, cameraId: string): Promise<Camera | null> {
    return this.byId.one(tenantId, cameraId);
  }

  /** Changes the given fields; false when the tenant has no such camera. */
  async update(tenantId: string, cameraId: string, patch: CameraPatch): Promise<boolean> {
    if (Object.keys(patch).length === 0) return (await this.get(tenantId, cameraId)) !== null;
    const result = await this.cameras.update({ tenantId, id: cameraId }, patch);
    return (result.affected ?? 0) > 0;
  }

  async listByStore(tenantId: string, storeId: string): Promise<Camera[]> {
    return this.cameras.find({ where: { tenantId, storeId }, order: { name: 'ASC' } });
  }
}
