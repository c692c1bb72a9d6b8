/**
 * The compiled build, as the container image runs it: `npm run build` into dist/, then the six services and the
 * gateway started as `node dist/.../main.js` (no ts-node, no path mapping) against the real Redis, Postgres +
 * pgvector and S3 endpoint, and one upload through all six to `done` with its faces named. The full end-to-end
 * suite runs compiled too with `STORELENS_COMPILED=1 npx jest deploy/e2e/platform.spec.ts`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { repoRoot } from '@storelens/config';
import { TenantRepository } from '@storelens/db';
import { ManagedStack } from '@storelens/stack';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { createTestDatabase, dropTestDatabase, fixtures } from '@storelens/testing';
import { build } from '../build/build';

jest.setTimeout(600_000);

const ROOT = repoRoot();
const DIST = path.join(ROOT, 'dist');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? jsFiles(path.join(dir, d.name)) : d.name.endsWith('.js') ? [path.join(dir, d.name)] : [],
  );
}

/** The package a bare require names: `@scope/name/x` -> `@scope/name`, `name/x` -> `name`. */
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

describe('the compiled build (dist/)', () => {
  let files: string[];

  beforeAll(() => {
    build(ROOT);
    files = jsFiles(DIST);
  });

  it('compiles every entry point with decorator metadata and no path alias left', () => {
    for (const entry of [
      'services/ingest/src/main.js',
      'services/detection/src/main.js',
      'services/embedding/src/main.js',
      'services/attribute/src/main.js',
      'services/classification/src/main.js',
      'services/analytics/src/main.js',
      'services/gateway/src/gateway.js',
      'libs/db/src/migrate.js',
    ]) {
      expect(files).toContain(path.join(DIST, entry));
    }
    const aliased = files.filter((f) => /require\(["']@storelens\//.test(readFileSync(f, 'utf8')));
    expect(aliased).toEqual([]);
    // NestJS injects by the constructor's emitted parameter types
    expect(readFileSync(path.join(DIST, 'services/detection/src/face-detection.service.js'), 'utf8')).toContain(
      'design:paramtypes',
    );
    // shipped code never reaches test helpers or tooling
    const reached = files.map((f) => path.relative(DIST, f).split(path.sep).slice(0, 2).join('/'));
    for (const tooling of ['libs/testing', 'libs/test-environment', 'libs/bench', 'libs/cli', 'libs/evaluation']) {
      expect(reached).not.toContain(tooling);
    }
  });

  it('needs only production dependencies at run time (npm ci --omit=dev installs all it requires)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/require\(["']([^"'.][^"']*)["']\)/g)) {
        const name = packageOf(m[1]);
        if (!builtins.has(name.replace(/^node:/, '')) && !pkg.dependencies[name]) missing.add(`${name} (${f})`);
      }
    }
    expect([...missing]).toEqual([]);
    // loaded by name at run time rather than required by our code: Nest's HTTP platform and TypeORM's driver
    for (const name of ['@nestjs/platform-express', 'pg', 'reflect-metadata'])
      expect(pkg.dependencies[name]).toBeDefined();
  });

  it('migrates a new database with the compiled migration runner (what the migration job runs)', async () => {
    const db = await createTestDatabase();
    try {
      const run = (cmd: string) =>
        execFileSync(process.execPath, [path.join(DIST, 'libs/db/src/migrate.js'), cmd], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: db.url },
          encoding: 'utf8',
        });
      expect(run('up')).toMatch(/^applied: /);
      expect(run('status').trim()).toBe('schema is up to date');
    } finally {
      await dropTestDatabase(db);
    }
  });

  describe('the compiled stack end to end', () => {
    let env: TestEnvironment;
    let stack: ManagedStack;
    let key: string;

    beforeAll(async () => {
      env = await createTestEnvironment({ name: 'compiled' });
      const tenants = new TenantRepository(env.dataSource);
      const tenant = await tenants.create('Compiled Chain');
      key = (await tenants.issueApiKey(tenant.id, 'e2e')).key;
      // beside the main end-to-end suite's ports, so both can run at once
      const basePort = Number(process.env.E2E_BASE_PORT ?? 18080) + 20;
      stack = new ManagedStack({ basePort, env: env.env, compiled: true, startTimeoutMs: 240_000 });
      await stack.start();
    });

    afterAll(async () => {
      await stack?.stop();
      await env?.close();
    });

    const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
      const form = body instanceof FormData;
      const res = await fetch(stack.baseUrl + url, {
        method,
        headers: { Authorization: `Bearer ${key}`, ...(body && !form ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
      return JSON.parse(text) as T;
    };
    const file = (rel: string) => {
      const form = new FormData();
      form.append('file', new Blob([readFileSync(fixtures.file(rel))]), path.basename(rel));
      return form;
    };
    interface Media {
      status: string;
      error: string | null;
      frames: {
        faces: { identity: { name: string } | null; age: number | null; gender: { label: string } | null }[];
      }[];
    }
    const done = async (id: string): Promise<Media> => {
      const until = Date.now() + 180_000;
      for (;;) {
        const m = await api<Media>('GET', `/v1/media/${id}`);
        if (m.status === 'done' || m.status === 'failed' || Date.now() > until) return m;
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    it('runs every process from dist/', () => {
      for (const p of stack.processes)
        expect(p.child?.spawnargs.slice(1)).toEqual([expect.stringMatching(/\/dist\/.+\.js$/)]);
    });

    it('takes one upload through all six services to done, with the enrolled faces named', async () => {
      const store = await api<{ id: string }>('POST', '/v1/stores', { name: 'Compiled' });
      const camera = await api<{ id: string }>('POST', `/v1/stores/${store.id}/cameras`, {
        name: 'Door',
        role: 'entrance',
      });
      for (const [name, photo] of [
        ['Barack Obama', 'faces/barack_obama/obama.jpg'],
        ['Joe Biden', 'faces/joe_biden/knn_train_biden2.jpg'],
      ]) {
        const identity = await api<{ id: string }>('POST', '/v1/identities', { name, category: 'member' });
        const enrolment = await api<{ id: string }>('POST', `/v1/identities/${identity.id}/faces`, file(photo));
        expect(await done(enrolment.id)).toMatchObject({ status: 'done', error: null });
      }
      const upload = await api<{ id: string }>('POST', `/v1/cameras/${camera.id}/media`, file('scenes/two_people.jpg'));
      const media = await done(upload.id);
      expect(media.status).toBe('done');
      const faces = media.frames[0].faces;
      expect(faces.map((f) => f.identity?.name)).toEqual(['Barack Obama', 'Joe Biden']);
      for (const f of faces) {
        expect(f.gender?.label).toBe('male');
        expect(f.age).toBeGreaterThan(30);
      }
    });
  });
});
