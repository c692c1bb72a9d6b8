import type { DataSource, Repository } from 'typeorm';
import { Store } from '../entities';

export interface NewStore {
  name: string;
  /** IANA time zone; defaults to UTC. */
  timezone?: string;
}

export class StoreRepository {
  private readonly stores: Repository<Store>;

  constructor(dataSource: DataSource) {
    this.stores = dataSource.getRepository(Store);
  }

  async create(tenantId: string, input: NewStore): Promise<Store> {
    return this.stores.save(this.stores.create({ tenantId, name: input.name, timezone: input.timezone ?? 'UTC' }));
  }

  async get(tenantId: string, storeId: string): Promise<Store | null> {
    return this.stores.findOneBy({ tenantId, id: storeId });
  }

  async list(tenantId: string): Promise<Store[]> {
    return this.stores.find({ where: { tenantId }, order: { name: 'ASC' } });
  }
}
