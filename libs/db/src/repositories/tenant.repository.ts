import { IsNull, type DataSource, type Repository } from 'typeorm';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from '../api-key';
import { ApiKey, Tenant } from '../entities';
import { EntityReader } from '../prepared';

export interface IssuedApiKey {
  apiKey: ApiKey;
  /** The full key: return it to the caller once; only its hash is stored. */
  key: string;
}

/** Tenants and their API keys. */
export class TenantRepository {
  private readonly tenants: Repository<Tenant>;
  private readonly apiKeys: Repository<ApiKey>;
  private readonly keyByPrefix: EntityReader<ApiKey>;

  constructor(dataSource: DataSource) {
    this.tenants = dataSource.getRepository(Tenant);
    this.apiKeys = dataSource.getRepository(ApiKey);
    this.keyByPrefix = new EntityReader(dataSource, ApiKey, ['prefix']);
  }

  async create(name: string): Promise<Tenant> {
    return this.tenants.save(this.tenants.create({ name }));
  }

  async get(tenantId: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id: tenantId });
  }

  /** Deletes the tenant and, through the cascading foreign keys, every row it owns. Objects in S3 are the caller's. */
  async remove(tenantId: string): Promise<boolean> {
    const result = await this.tenants.delete({ id: tenantId });
    return (result.affected ?? 0) > 0;
  }

  async issueApiKey(tenantId: string, name: string): Promise<IssuedApiKey> {
    const { key, prefix, hash } = generateApiKey();
    const apiKey = await this.apiKeys.save(
      this.apiKeys.create({ tenantId, name, prefix, keyHash: hash, revokedAt: null }),
    );
    return { apiKey, key };
  }

  /**
   * The live API key a presented key belongs to, or null. The one lookup that takes no tenantId: it is how a
   * request's tenant is found in the first place.
   */
  async verifyApiKey(key: string): Promise<ApiKey | null> {
    const prefix = apiKeyPrefix(key);
    if (!prefix) return null;
    const apiKey = await this.keyByPrefix.one(prefix);
    if (!apiKey || apiKey.revokedAt !== null || !apiKeyMatches(key, apiKey.keyHash)) return null;
    return apiKey;
  }

  /** Revokes a key; false when the tenant has no such live key. */
  async revokeApiKey(tenantId: string, apiKeyId: string): Promise<boolean> {
    const result = await this.apiKeys.update(
      { tenantId, id: apiKeyId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return this.apiKeys.find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }
}
