import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { repoRoot } from '@storelens/config';
import { BiLoginRepository, REPORTING_VIEWS, RollupRepository } from '@storelens/db';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { biConnectionString } from './bi';

// `storelens bi grant|revoke` and the reporting schema's tenant isolation, enforced by Postgres: the test connects
// as the granted login with a plain pg client, as a BI tool would.

let env: TestEnvironment;

function cli(args: string[]) {
  const r = spawnSync(
    path.join(repoRoot(), 'node_modules/.bin/tsx'),
    [path.join(repoRoot(), 'libs/cli/src/main.ts'), ...args],
    { encoding: 'utf8', timeout: 90_000, env: { ...process.env, DATABASE_URL: env.db.url } },
  );
  return { code: r.status ?? -1, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

/** A tenant with one store, one camera, one video of `faces` faces (half of them one anonymous visitor). */
async function seedTenant(name: string, faces: number) {
  const q = (sql: string, params: unknown[]) => env.dataSource.query(sql, params);
  const [{ id: tenantId }] = await q(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]);
  const [{ id: storeId }] = await q(`INSERT INTO stores (tenant_id, name) VALUES ($1, $2) RETURNING id`, [
    tenantId,
    `${name} store`,
  ]);
  const [{ id: cameraId }] = await q(
    `INSERT INTO cameras (tenant_id, store_id, name, role, zone) VALUES ($1, $2, 'door', 'entrance', 'entrance')
     RETURNING id`,
    [tenantId, storeId],
  );
  const [{ id: mediaId }] = await q(
    `INSERT INTO media (tenant_id, camera_id, kind, object_key, sha256, bytes, mime, captured_at)
     VALUES ($1, $2, 'video', 'k', repeat('a', 64), 1, 'video/mp4', '2026-11-28T10:00:00Z') RETURNING id`,
    [tenantId, cameraId],
  );
  const [{ id: identityId }] = await q(
    `INSERT INTO identities (tenant_id, name, category) VALUES ($1, $2, 'watchlist') RETURNING id`,
    [tenantId, `${name} suspect`],
  );
  const visitor = randomUUID();
  let lastFace = '';
  for (let i = 0; i < faces; i++) {
    const [{ id: frameId }] = await q(
      `INSERT INTO frames (tenant_id, media_id, "index", time_ms, captured_at, object_key, width, height)
       VALUES ($1, $2, $3, $3 * 1000, '2026-11-28T10:00:00Z'::timestamptz + $3 * interval '1 second', 'k', 640, 480)
       RETURNING id`,
      [tenantId, mediaId, i],
    );
    const last = i === faces - 1;
    [{ id: lastFace }] = await q(
      `INSERT INTO faces (tenant_id, frame_id, face_index, box_x, box_y, box_w, box_h, score, landmarks,
                          detector_model_id, age, gender, emotion, visitor_id, identity_id, similarity, decided_at)
       VALUES ($1, $2, 0, 1, 1, 10, 10, 0.9, '[]', 'test', 30, 'female', 'happy', $3, $4, $5, now()) RETURNING id`,
      [
        tenantId,
        frameId,
        last ? null : i % 2 === 0 ? visitor : randomUUID(),
        last ? identityId : null,
        last ? 0.6 : null,
      ],
    );
  }
  await q(
    `INSERT INTO alerts (tenant_id, face_id, identity_id, camera_id, similarity, seen_at)
     VALUES ($1, $2, $3, $4, 0.6, '2026-11-28T10:00:30Z')`,
    [tenantId, lastFace, identityId, cameraId],
  );
  // the shopper side: the visitor's faces are one track of one visit, and a sale at the store
  const visitId = randomUUID();
  const trackId = randomUUID();
  await q(
    `INSERT INTO visits (id, tenant_id, store_id, person_key, visitor_id, started_at, ended_at, track_count)
     VALUES ($1, $2, $3, $4, $5, '2026-11-28T10:00:00Z', '2026-11-28T10:00:10Z', 1)`,
    [visitId, tenantId, storeId, `v:${visitor}`, visitor],
  );
  await q(
    `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                         face_count, centroid, model_id, person_key, visit_id)
     VALUES ($1, $2, $3, $4, $5, '2026-11-28T10:00:00Z', '2026-11-28T10:00:10Z', 1000, 2,
             array_fill(0.1, ARRAY[128])::vector, 'test', $6, $7)`,
    [trackId, tenantId, storeId, cameraId, lastFace, `v:${visitor}`, visitId],
  );
  await q(`UPDATE faces SET track_id = $2 WHERE tenant_id = $1 AND visitor_id = $3`, [tenantId, trackId, visitor]);
  await q(`INSERT INTO transactions (tenant_id, store_id, at, amount, currency) VALUES ($1, $2, $3, 12.5, 'EUR')`, [
    tenantId,
    storeId,
    '2026-11-28T10:00:09Z',
  ]);
  return { tenantId, storeId, cameraId };
}

async function connectAs(connectionString: string): Promise<Client> {
  const client = new Client({ connectionString });
  await client.connect();
  return client;
}

/** The SQLSTATE of a statement's failure, or 'ok'. */
async function outcome(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

beforeAll(async () => {
  env = await createTestEnvironment({ name: 'cli-bi-test' });
}, 60_000);

afterAll(async () => {
  await env?.close();
});

describe('storelens bi and the reporting schema (real Postgres, a login per tenant)', () => {
  let a: Awaited<ReturnType<typeof seedTenant>>;
  let b: Awaited<ReturnType<typeof seedTenant>>;
  let grantA: { role: string; connectionString: string };
  let grantB: { role: string; connectionString: string };
  let asA: Client;
  let asB: Client;

  beforeAll(async () => {
    a = await seedTenant('Chain A', 4);
    b = await seedTenant('Chain B', 3);
    await new RollupRepository(env.dataSource).refreshAll(null);
  }, 60_000);

  afterAll(async () => {
    await asA?.end().catch(() => undefined);
    await asB?.end().catch(() => undefined);
    // the logins are cluster-wide: never leave one behind
    for (const t of [a, b]) if (t) await new BiLoginRepository(env.dataSource).revoke(t.tenantId);
  }, 120_000);

  it('grant prints exactly {"role","connectionString"} and the login connects', async () => {
    const r = cli(['bi', 'grant', a.tenantId, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    grantA = JSON.parse(r.lines[0]!);
    expect(Object.keys(grantA)).toEqual(['role', 'connectionString']);
    expect(grantA.role).toBe(`storelens_bi_${a.tenantId.replace(/-/g, '')}`);
    const url = new URL(grantA.connectionString);
    expect(url.username).toBe(grantA.role);
    expect(url.password).toMatch(/^[0-9a-f]{48}$/);
    expect(url.pathname).toBe(`/${env.db.name}`);
    const loginB = await new BiLoginRepository(env.dataSource).grant(b.tenantId);
    grantB = { role: loginB.role, connectionString: biConnectionString(env.db.url, loginB.role, loginB.password) };
    asA = await connectAs(grantA.connectionString);
    asB = await connectAs(grantB.connectionString);
  }, 120_000);

  it('every documented view exists, has tenant_id, and shows the login its own tenant only', async () => {
    const { rows } = await asA.query(
      `SELECT table_name FROM information_schema.views WHERE table_schema = 'reporting' ORDER BY 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([...REPORTING_VIEWS].sort());
    for (const view of REPORTING_VIEWS) {
      const own = await asA.query(`SELECT DISTINCT tenant_id FROM reporting.${view}`);
      expect({ view, tenants: own.rows.map((r) => r.tenant_id) }).toEqual({ view, tenants: [a.tenantId] });
      const other = await asA.query(`SELECT count(*)::int AS n FROM reporting.${view} WHERE tenant_id = $1`, [
        b.tenantId,
      ]);
      expect(other.rows[0].n).toBe(0);
    }
    expect((await asA.query(`SELECT count(*)::int AS n FROM reporting.faces`)).rows[0].n).toBe(4);
    expect((await asB.query(`SELECT count(*)::int AS n FROM reporting.faces`)).rows[0].n).toBe(3);
    const traffic = await asA.query(`SELECT faces, people FROM reporting.hourly_traffic`);
    expect(traffic.rows).toEqual([{ faces: 4, people: 3 }]); // 2 faces of one visitor, 1 other, 1 watchlisted
    const visits = await asA.query(
      `SELECT v.duration_s, v.reached_checkout, d.faces, d.gender, d.age, d.age_band, z.zone, z.dwell_s
       FROM reporting.visits v
       JOIN reporting.visit_demographics d USING (tenant_id, visit_id)
       JOIN reporting.zone_dwell z USING (tenant_id, visit_id)`,
    );
    expect(visits.rows).toEqual([
      {
        duration_s: '10.0',
        reached_checkout: false,
        faces: 2,
        gender: 'female',
        age: '30.0',
        age_band: '30-39',
        zone: 'entrance',
        dwell_s: '11.0',
      },
    ]);
    expect((await asB.query(`SELECT amount FROM reporting.transactions`)).rows).toEqual([{ amount: '12.50' }]);
    // a leaky function in the user's own WHERE clause sees no other tenant's row either
    const leak = await asA.query(
      `SELECT count(*)::int AS n FROM reporting.stores WHERE name LIKE '%' AND tenant_id <> $1`,
      [a.tenantId],
    );
    expect(leak.rows[0].n).toBe(0);
  });

  it('cannot read a base table, the mapping of logins, API keys or embeddings', async () => {
    for (const table of [
      'faces',
      'frames',
      'media',
      'stores',
      'tenants',
      'api_keys',
      'face_embeddings',
      'bi_logins',
      'traffic_hourly',
      'visits',
      'tracks',
      'visitors',
      'transactions',
    ])
      expect(`${table}: ${await outcome(asA, `SELECT * FROM public.${table} LIMIT 1`)}`).toBe(`${table}: 42501`);
  });

  it('cannot write anything, even with the read-only default switched off', async () => {
    expect((await asA.query(`SHOW default_transaction_read_only`)).rows[0].default_transaction_read_only).toBe('on');
    await asA.query(`SET default_transaction_read_only = off`);
    expect(await outcome(asA, `INSERT INTO reporting.stores (tenant_id, name) VALUES ('${a.tenantId}', 'x')`)).toBe(
      '42501',
    );
    expect(await outcome(asA, `UPDATE reporting.stores SET name = 'x'`)).toBe('42501');
    expect(await outcome(asA, `UPDATE reporting.faces SET age = 1`)).not.toBe('ok'); // not updatable at all
    expect(await outcome(asA, `DELETE FROM reporting.identities`)).toBe('42501');
    expect(await outcome(asA, `INSERT INTO public.stores (tenant_id, name) VALUES ('${a.tenantId}', 'x')`)).toBe(
      '42501',
    );
    expect(await outcome(asA, `CREATE TABLE reporting.mine (x int)`)).toBe('42501');
    expect(await outcome(asA, `CREATE TABLE public.mine (x int)`)).toBe('42501');
    expect(await outcome(asA, `CREATE TEMP TABLE mine (x int)`)).toBe('42501');
    expect(await outcome(asA, `SET ROLE storelens_reporting`)).toBe('42501');
    const [{ n }] = await env.dataSource.query(`SELECT count(*)::int AS n FROM stores`);
    expect(n).toBe(2);
  });

  it('revoke removes the login: it can no longer connect, and the other tenant’s login still works', async () => {
    await asA.end();
    const r = cli(['bi', 'revoke', a.tenantId]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lines[0]!)).toEqual({ role: grantA.role, revoked: true });
    await expect(connectAs(grantA.connectionString)).rejects.toThrow(/role .* does not exist|authentication/);
    expect((await asB.query(`SELECT count(*)::int AS n FROM reporting.faces`)).rows[0].n).toBe(3);
    const [{ n }] = await env.dataSource.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1`, [
      grantA.role,
    ]);
    expect(n).toBe(0);
  }, 120_000);
});
