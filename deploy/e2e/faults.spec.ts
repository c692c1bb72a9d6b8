/**
 * Fault suite: the real stack on its own Redis, Postgres and S3 endpoint (ports FAULT_BASE_PORT+1..3, state under
 * tmp/faults), so killing them hurts nobody else. Each test leaves a backlog of frames in the pipeline, breaks one
 * part (Redis killed, Redis wiped, Postgres restarted, S3 stopped for 30 s, each worker SIGKILLed) and then checks
 * that, with nobody's help, every media ends done or failed with a reason, nothing is doubled and every face of a
 * finished frame has its vector, attributes and decision. The reconciler runs every 5 s here (30 s by default).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { ManagedStack } from '@storelens/stack';
import { StoreLensClient, type Media } from '@storelens/api-client';
import { fixtures } from '@storelens/testing';

jest.setTimeout(1_800_000);

const ROOT = path.resolve(__dirname, '../..');

const BASE = Number(process.env.FAULT_BASE_PORT ?? 23000);
const PORTS = { redis: BASE + 1, pg: BASE + 2, s3: BASE + 3, stack: BASE + 80 };
const STATE = path.join(ROOT, 'tmp', `faults-${BASE}`);
const DB = 'storelens';
const infraEnv = {
  ...process.env,
  REDIS_PORT: String(PORTS.redis),
  PG_PORT: String(PORTS.pg),
  S3_PORT: String(PORTS.s3),
  PG_DB: DB,
  STORELENS_STATE_DIR: STATE,
};
const PGBIN = '/usr/lib/postgresql/15/bin';

function infra(cmd: 'up' | 'down'): void {
  execFileSync('bash', [path.join(ROOT, 'deploy/local/infra.sh'), cmd], { env: infraEnv, stdio: 'pipe' });
}
const pidOf = (file: string) => Number(readFileSync(path.join(STATE, file), 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults: every media ends done or failed, nothing doubled, every face finished', () => {
  let stack: ManagedStack;
  let api: StoreLensClient;
  let db: Client;
  let camera: string;
  let apiKey: string;
  const uploadForm = async (file: string) => {
    const form = new FormData();
    form.append('file', await openAsBlob(fixtures.file(file)), path.basename(file));
    return form;
  };
  const started = Date.now();
  const timings: Record<string, number> = {};
  const media: string[] = [];

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await db.query(sql, params)).rows as T[];
      } catch (err) {
        if (attempt > 60) throw err;
        await reconnect(); // Postgres restarted under us
      }
    }
  };
  /** A client of the suite's own Postgres; a restart under it is an error event, not a crash of the suite. */
  const connect = async (): Promise<Client> => {
    const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${PORTS.pg}/${DB}` });
    c.on('error', () => undefined);
    await c.connect().catch(() => undefined);
    return c;
  };
  const reconnect = async () => {
    // end() of a client whose server went away may never settle: give it a moment, then drop it
    await Promise.race([db.end().catch(() => undefined), sleep(1000)]);
    await sleep(500);
    db = await connect();
  };

  /** Uploads the video (sampled at `fps`) and two photos; returns their media ids. */
  const backlog = async (fps: number): Promise<string[]> => {
    const store = (await api.createStore(`store ${fps}`)).id;
    camera = (await api.createCamera(store, { name: `cam ${fps}`, role: 'floor', fps })).id;
    const ids = [];
    ids.push((await api.uploadMedia(camera, fixtures.file('video/hamilton_clip.mp4'))).id);
    for (const f of ['scenes/two_people.jpg', 'faces/barack_obama/obama.jpg'])
      ids.push((await api.uploadMedia(camera, fixtures.file(f))).id);
    media.push(...ids);
    return ids;
  };

  /** Waits until detection has started on the backlog but has frames left, so a fault hits it mid-way. */
  const midway = async (ids: string[]) => {
    for (let i = 0; i < 600; i++) {
      const [row] = await q<{ done: number; left: number }>(
        `SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
                count(*) FILTER (WHERE status IN ('queued', 'processing'))::int AS left
         FROM frames WHERE media_id = ANY($1)`,
        [ids],
      );
      if (row && row.done >= 5 && row.left >= 20) return;
      await sleep(250);
    }
    throw new Error('the backlog never got going');
  };

  /**
   * Polls the API until the media is done or failed. An answer of 503 (an outside system still coming back) is
   * polled through like any unfinished answer; any other error fails the test.
   */
  const finished = async (id: string, timeoutMs = 600_000): Promise<Media> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${stack.baseUrl}/v1/media/${id}?framesLimit=1`, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: AbortSignal.timeout(30_000),
      }).catch(() => null);
      if (res && res.status !== 503) {
        expect([id, res.status]).toEqual([id, 200]);
        const m = (await res.json()) as Media;
        if (m.status === 'done' || m.status === 'failed') return m;
      }
      if (Date.now() > until) throw new Error(`media ${id} not finished after ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
  };

  /** Polls the API until each media is done or failed; then checks the rows. */
  const settles = async (ids: string[], what: string) => {
    const t0 = Date.now();
    for (const id of ids) {
      const m = await finished(id);
      expect({ id, status: m.status, error: m.status === 'failed' ? typeof m.error : null }).toEqual({
        id,
        status: m.status === 'failed' ? 'failed' : 'done',
        error: m.status === 'failed' ? 'string' : null,
      });
    }
    timings[what] = Date.now() - t0;
    // nothing doubled: one frame per (media, index), as many as sampled; one face per (frame, position)
    const frames = await q<{ id: string; frames: number; distinct_idx: number; frame_count: number | null }>(
      `SELECT m.id, count(fr.id)::int AS frames, count(DISTINCT fr."index")::int AS distinct_idx, m.frame_count
       FROM media m LEFT JOIN frames fr ON fr.media_id = m.id WHERE m.id = ANY($1) AND m.status <> 'failed'
       GROUP BY m.id`,
      [ids],
    );
    for (const f of frames) {
      expect(f.frames).toBe(f.distinct_idx);
      expect(f.frames).toBe(f.frame_count);
    }
    const [dupFaces] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT frame_id, face_index FROM faces GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(dupFaces?.n).toBe(0);
    // every face of a finished frame is fully processed
    const [unfinished] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM faces f JOIN frames fr ON fr.id = f.frame_id
       WHERE fr.media_id = ANY($1) AND fr.status = 'done'
         AND (f.attribute_model_id IS NULL OR f.decided_at IS NULL
              OR NOT EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id))`,
      [ids],
    );
    expect(unfinished?.n).toBe(0);
    // a failed frame says why
    const [silent] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM frames WHERE media_id = ANY($1) AND status = 'failed' AND error IS NULL`,
      [ids],
    );
    expect(silent?.n).toBe(0);
  };

  beforeAll(async () => {
    rmSync(STATE, { recursive: true, force: true });
    infra('up');
    db = await connect();
    const url = `postgres://postgres@127.0.0.1:${PORTS.pg}/${DB}`;
    const ds = createDataSource(url, { poolSize: 2 });
    await ds.initialize();
    await runMigrations(ds);
    const tenants = new TenantRepository(ds);
    const tenant = await tenants.create('Fault Retail');
    const key = (apiKey = (await tenants.issueApiKey(tenant.id, 'faults')).key);
    await ds.destroy();
    const logs = mkdtempSync(path.join(tmpdir(), 'faults-'));
    stack = new ManagedStack(
      {
        basePort: PORTS.stack,
        startTimeoutMs: 600_000, // seven processes compiling at once on a shared 2-core machine
        env: {
          DATABASE_URL: url,
          DATABASE_POOL_SIZE: '4',
          REDIS_URL: `redis://127.0.0.1:${PORTS.redis}`,
          S3_ENDPOINT: `http://127.0.0.1:${PORTS.s3}`,
          S3_BUCKET: 'faults',
          QUEUE_PREFIX: 'faults',
          STORELENS_URL_SECRET: randomBytes(32).toString('hex'),
          STORELENS_LOG_LEVEL: 'warn',
          WORKER_LOCK_MS: '4000',
          RECONCILE_INTERVAL_MS: '5000',
        },
      },
      logs,
    );
    await stack.start();
    api = new StoreLensClient(stack.baseUrl).withKey(key);
  });

  afterAll(async () => {
    await stack?.stop();
    if (db) await Promise.race([db.end().catch(() => undefined), sleep(1000)]);
    infra('down');

    console.log(
      `fault suite: ${Math.round((Date.now() - started) / 1000)} s; settle times (ms): ${JSON.stringify(timings)}`,
    );
  });

  it('(a) Redis SIGKILLed mid-backlog and restarted (AOF): the lost tail of the queues is re-sent', async () => {
    const ids = await backlog(20); // ~200 frames of video plus two photos
    await midway(ids);
    process.kill(pidOf('redis.pid'), 'SIGKILL');
    await sleep(3000);
    infra('up');
    await settles(ids, 'redis-kill');
  });

  it('(a) Redis lost everything (killed, data gone) mid-backlog: Postgres is the record and the work is re-sent', async () => {
    const ids = await backlog(8);
    await midway(ids);
    process.kill(pidOf('redis.pid'), 'SIGKILL');
    await sleep(1000);
    rmSync(path.join(STATE, 'redis'), { recursive: true, force: true });
    // while Redis is down an upload is refused with 503 and leaves no row behind
    const [before] = await q<{ n: number }>('SELECT count(*)::int AS n FROM media');
    const refused = await fetch(`${stack.baseUrl}/v1/cameras/${camera}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: await uploadForm('scenes/two_people.jpg'),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const [after] = await q<{ n: number }>('SELECT count(*)::int AS n FROM media');
    expect(after?.n).toBe(before?.n);
    infra('up');
    await settles(ids, 'redis-wipe');
  });

  it('(b) Postgres restarted mid-backlog', async () => {
    const ids = await backlog(6);
    await midway(ids);
    // -l: the server's output goes to its log; without it the server would hold this call's pipe open for good
    const pgCtl = [`${PGBIN}/pg_ctl`, '-D', path.join(STATE, 'pg/data'), '-l', path.join(STATE, 'pg/log')];
    execFileSync('runuser', ['-u', 'postgres', '--', ...pgCtl, '-m', 'fast', '-w', 'restart'], { stdio: 'ignore' });
    await reconnect();
    await settles(ids, 'postgres-restart');
  });

  it('(c) the S3 endpoint stopped for 30 s mid-backlog; an upload meanwhile is 503 with Retry-After and leaves nothing', async () => {
    const ids = await backlog(6);
    await midway(ids);
    process.kill(pidOf('s3.pid'), 'SIGTERM');
    const [before] = await q<{ n: number }>('SELECT count(*)::int AS n FROM media');
    const refused = await fetch(`${stack.baseUrl}/v1/cameras/${camera}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: await uploadForm('scenes/two_people.jpg'),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const [after] = await q<{ n: number }>('SELECT count(*)::int AS n FROM media');
    expect(after?.n).toBe(before?.n);
    await sleep(30_000);
    infra('up');
    await settles(ids, 's3-stopped-30s');
  });

  it('(d) each worker SIGKILLed mid-backlog and started again', async () => {
    const ids = await backlog(6);
    await midway(ids);
    for (const service of ['ingest-worker', 'detection', 'embedding', 'attribute', 'classification'] as const) {
      await stack.process(service).kill('SIGKILL');
      await stack.process(service).start();
    }
    await settles(ids, 'workers-killed');
  });

  it('leaves no unfinished work in Postgres and nothing stuck in the queues', async () => {
    const [left] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM media WHERE id = ANY($1) AND status IN ('queued', 'processing')
         AND (frame_count IS NULL OR EXISTS (SELECT 1 FROM frames fr WHERE fr.media_id = media.id
                                             AND fr.status IN ('queued', 'processing')))`,
      [media],
    );
    expect(left?.n).toBe(0);
    expect(existsSync(STATE)).toBe(true);
  });
});
