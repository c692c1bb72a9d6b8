import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { TenantRepository } from '@storelens/db';
import { ObjectStore } from '@storelens/storage';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
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
  let env: TestEnvironment;
  let app: INestApplication;
  let apiKey: string;
  let tenantId: string;

  beforeAll(async () => {
    env = await createTestEnvironment({ name: 'platform-test' });
    const tenants = new TenantRepository(env.dataSource);
    tenantId = (await tenants.create('Acme')).id;
    apiKey = (await tenants.issueApiKey(tenantId, 'test')).key;
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forService('test', env.config)],
      controllers: [WhoAmIController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.get(ObjectStore).removeBucket(); // the module made the environment's bucket on start
    await app?.close();
    await env?.close();
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
