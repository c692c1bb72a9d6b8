import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@storelens/config';
import { MediaRepository, TenantRepository } from '@storelens/db';
import { fixtures } from '@storelens/testing';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { waitFor } from '@storelens/testing';
import type { DataSource } from 'typeorm';
import { disposeEnvironment } from './testing/ingest-test-app';

// The service as it is really started, compiled by esbuild (tsx's loader), not ts-jest: the ready line, dependency
// injection, the worker, the OpenAPI page, and a SIGTERM that lets the running job finish. The service is its own
// process (`node --import tsx`), as in the images, where SIGTERM reaches it directly. The `tsx` command runs it as a
// child and relays signals: when the child has not acknowledged one within 30 ms (a busy machine) it sends it again,
// and a second SIGTERM while Nest is shutting down ends the process at once (tsx's own handler exits when no other
// listener is left). A full test run once ended with the video's frame count unset, which this would explain (not
// reproduced since).

let testEnv: TestEnvironment;
let ds: DataSource;
let child: ChildProcess;
let base: string;
let auth: { Authorization: string };
const stderr: string[] = [];

async function post(url: string, body: FormData | object): Promise<{ status: number; body: any }> {
  const form = body instanceof FormData;
  const res = await fetch(base + url, {
    method: 'POST',
    headers: form ? auth : { ...auth, 'Content-Type': 'application/json' },
    body: form ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function fileForm(file: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([readFileSync(file)]), path.basename(file));
  return form;
}

beforeAll(async () => {
  testEnv = await createTestEnvironment({ name: 'ingest-main', env: { SERVICE_PORT: '0' } });
  ds = testEnv.dataSource;
  const tenants = new TenantRepository(ds);
  const tenant = await tenants.create('Acme');
  auth = { Authorization: `Bearer ${(await tenants.issueApiKey(tenant.id, 'test')).key}` };

  child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot(), 'services/ingest/src/main.ts')], {
    cwd: repoRoot(),
    env: { ...process.env, ...testEnv.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<any>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ingest exited with ${code}: ${stderr.join('')}`)));
    lines.on('line', (line) => {
      if (line.includes('"ready"')) resolve(JSON.parse(line));
    });
  });
  expect(ready).toEqual({ service: 'ingest', ready: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  base = ready.url;
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  if (testEnv) await disposeEnvironment(testEnv);
});

describe('ingest started with tsx', () => {
  it('serves health, the authenticated API and its worker', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/v1/stores`)).status).toBe(401);
    const store = await post('/v1/stores', { name: 'Berlin' });
    expect(store.status).toBe(201);
    const camera = await post(`/v1/stores/${store.body.id}/cameras`, { name: 'door', fps: 2 });
    expect(camera.status).toBe(201);
    const upload = await post(
      `/v1/cameras/${camera.body.id}/media`,
      fileForm(fixtures.file('faces/joe_biden/biden.jpg')),
    );
    expect(upload.status).toBe(202);
    const media = new MediaRepository(ds);
    const tenantId = (await new TenantRepository(ds).verifyApiKey(auth.Authorization.slice(7)))!.tenantId;
    await waitFor(async () => (await media.get(tenantId, upload.body.id))?.frameCount === 1, {
      what: 'the photo to be sampled',
    });
  });

  it('publishes its OpenAPI page and a document with typed schemas', async () => {
    const page = await fetch(`${base}/docs/ingest`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui/i);
    const doc: any = await (await fetch(`${base}/docs/ingest/openapi.json`)).json();
    expect(doc.info.title).toBe('StoreLens ingest API');
    expect(doc.paths['/v1/stores'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/NewStoreDto',
    );
    const camera = doc.components.schemas.NewCameraDto;
    expect(camera.required).toEqual(['name']);
    expect(camera.properties.fps).toMatchObject({ type: 'number', maximum: 30 });
    expect(camera.properties.role.enum).toEqual(['entrance', 'checkout', 'floor', 'promotion', 'other']);
    expect(doc.components.schemas.IdentityDetailDto.properties.faces.type).toBe('integer');
    expect(Object.keys(doc.paths['/v1/cameras/{cameraId}/media'].post.requestBody.content)).toEqual([
      'multipart/form-data',
    ]);
  });

  it('on SIGTERM finishes the video it is sampling, then exits', async () => {
    const store = await post('/v1/stores', { name: 'Hamburg' });
    const camera = await post(`/v1/stores/${store.body.id}/cameras`, { name: 'aisle', fps: 10 });
    const upload = await post(
      `/v1/cameras/${camera.body.id}/media`,
      fileForm(fixtures.file('video/hamilton_clip.mp4'), { capturedAt: '2026-11-28T13:00:00Z' }),
    );
    expect(upload.status).toBe(202);
    const media = new MediaRepository(ds);
    const tenantId = (await new TenantRepository(ds).verifyApiKey(auth.Authorization.slice(7)))!.tenantId;
    await waitFor(async () => (await media.get(tenantId, upload.body.id))?.status === 'processing', {
      intervalMs: 5,
      what: 'the worker to start on the video',
    });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    const done = await media.get(tenantId, upload.body.id);
    expect(done!.frameCount).toBeGreaterThanOrEqual(99);
    expect(stderr.join('')).not.toMatch(/ERROR/);
  });
});
