import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { loadConfig } from '@storelens/config';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { createTestDatabase, dropTestDatabase, uniqueTestId, type TestDatabase } from '@storelens/testing';
import { TenantId } from './auth';
import { PlatformModule } from './platform.module';
import { signPath, verifySignedPath } from './signing';

@Controller('v1/whoami')
class WhoAmIController {
  @Get()
  whoami(@TenantId() tenantId: string) {
    return { tenantId };
  }
}

describe('PlatformModule (real Postgres, Redis and S3 endpoint)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let apiKey: string;
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const ds = createDataSource(db.url, { poolSize: 1 });
    await ds.initialize();
    await runMigrations(ds);
    const tenants = new TenantRepository(ds);
    tenantId = (await tenants.create('Acme')).id;
    apiKey = (await tenants.issueApiKey(tenantId, 'test')).key;
    await ds.destroy();
    const cfg = loadConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: `t${uniqueTestId()}`, STORELENS_LOG_LEVEL: 'warn' });
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forService('test', cfg)],
      controllers: [WhoAmIController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    if (db) await dropTestDatabase(db);
  });

  it('refuses a call without or with a wrong API key, and scopes a good one to its tenant', async () => {
    await request(app.getHttpServer()).get('/v1/whoami').expect(401);
    await request(app.getHttpServer()).get('/v1/whoami').set('Authorization', 'Bearer slk_nope_nope').expect(401);
    const res = await request(app.getHttpServer())
      .get('/v1/whoami')
      .set('Authorization', `Bearer ${apiKey}`)
      .expect(200);
    expect(res.body).toEqual({ tenantId });
  });

  it('serves health and metrics without a key', async () => {
    const health = await request(app.getHttpServer()).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', service: 'test', checks: { database: 'ok', redis: 'ok' } });
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/storelens_process_cpu_seconds_total\{service="test"\}/);
  });
});

describe('signed links', () => {
  it('accepts its own signature until it expires, and nothing altered', () => {
    const s = signPath('a-secret-of-enough-length', '/v1/frames/x/annotated.jpg', 'tenant-1', 60, 1_000_000);
    const q = { t: 'tenant-1', exp: String(s.exp), sig: s.sig };
    expect(verifySignedPath('a-secret-of-enough-length', '/v1/frames/x/annotated.jpg', q, 1_000_000)).toBe('tenant-1');
    expect(verifySignedPath('a-secret-of-enough-length', '/v1/frames/y/annotated.jpg', q, 1_000_000)).toBeNull();
    expect(
      verifySignedPath('a-secret-of-enough-length', '/v1/frames/x/annotated.jpg', { ...q, t: 'tenant-2' }, 1_000_000),
    ).toBeNull();
    expect(
      verifySignedPath('a-secret-of-enough-length', '/v1/frames/x/annotated.jpg', q, 1_000_000 + 61_000),
    ).toBeNull();
  });
});
