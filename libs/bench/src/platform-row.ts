import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { ManagedStack } from '@storelens/stack';
import { createTestDatabase, dropTestDatabase, ensureInfra, uniqueTestId } from '@storelens/testing';
import { StoreLensClient } from '../../cli/src/api-client';
import type { BenchContext, BenchRow } from './types';

/** Ports of the bench's own stack, away from a developer's running one (8080…) and the tests' (18080…). */
const BENCH_BASE_PORT = 19080;

/**
 * The `platform` row: the same images uploaded through the public API of a freshly started stack (six service
 * processes, one replica each, on the real Redis, Postgres + pgvector and S3 endpoint), timed from the first
 * upload to the last media done. This is the end-to-end cost: HTTP, S3 round trips, queue hops, database writes,
 * and the models, spread over the worker processes.
 */
export async function platformRow(ctx: BenchContext, log: (line: string) => void = () => undefined): Promise<BenchRow> {
  await ensureInfra();
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, { poolSize: 1 });
  let stack: ManagedStack | undefined;
  try {
    await ds.initialize();
    await runMigrations(ds);
    const tenants = new TenantRepository(ds);
    const tenant = await tenants.create('bench');
    const key = (await tenants.issueApiKey(tenant.id, 'bench')).key;
    const id = uniqueTestId();
    stack = new ManagedStack(
      {
        basePort: BENCH_BASE_PORT,
        env: {
          DATABASE_URL: db.url,
          QUEUE_PREFIX: `bench${id}`,
          S3_BUCKET: `bench-${id}`.toLowerCase(),
          STORELENS_LOG_LEVEL: 'warn',
        },
      },
      mkdtempSync(path.join(tmpdir(), 'bench-stack-')),
    );
    log('platform: starting the six services and the gateway');
    await stack.start();
    const api = new StoreLensClient(stack.baseUrl).withKey(key);
    const store = await api.createStore('bench');
    const camera = await api.createCamera(store.id, { name: 'bench', role: 'floor' });

    // warm-up: every worker has loaded its models and served one job
    await api.waitForMedia((await api.uploadMedia(camera.id, ctx.files[0])).id);

    let best = Infinity;
    let faces = 0;
    for (let pass = 0; pass < ctx.repeat; pass++) {
      const start = performance.now();
      const sent = await Promise.all(ctx.files.map(async (f) => (await api.uploadMedia(camera.id, f)).id));
      const done = await Promise.all(sent.map((m) => api.waitForMedia(m, 300_000, 50)));
      const ms = performance.now() - start;
      best = Math.min(best, ms);
      faces = done.reduce((n, m) => n + m.frames.reduce((k, f) => k + f.faces.length, 0), 0);
      log(`platform: pass ${pass + 1}: ${ctx.files.length} images in ${(ms / 1000).toFixed(2)} s`);
    }
    const seconds = best / 1000;
    return {
      name: 'platform',
      peer: false,
      imagesPerSec: ctx.files.length / seconds,
      facesPerSec: faces / seconds,
      msPerImage: best / ctx.files.length,
      msPerFace: faces ? best / faces : null,
      faces,
      processes: stack.processes.length,
      note:
        `platform: upload -> ingest -> detection -> embedding + attribute -> classification, all images sent at once, ` +
        `one process per service on this machine; faces found ${faces} (pipeline ${ctx.pipelineFaces})`,
    };
  } finally {
    await stack?.stop();
    if (ds.isInitialized) await ds.destroy();
    await dropTestDatabase(db);
  }
}
