import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  EMBEDDING_DIMENSIONS,
  EmbeddingRepository,
  nearestQuery,
  runMigrations,
  type Neighbour,
  type VectorSearchSettings,
} from '@storelens/db';
import { FaceSpace, seededRandom, tenantSizes } from './search-vectors';
import { quantile, round } from './stats';

/**
 * The classification decision's two searches, as the classification service runs them: the enrolled gallery
 * (GALLERY_NEIGHBOURS) and the earlier faces a visitor can join (VISITOR_NEIGHBOURS), both 20.
 */
const DECISION_K = 20;
const RECALL_AT = 10;
const MODEL_ID = 'mobilefacenet_foamliu';
/** 1 enrolled face : 10 visitor faces (the 1M enrolled : 10M visitors). */
const VISITORS_PER_ENROLLED = 10;
const FACES_PER_IDENTITY = 3;
/** faces per visitor cluster: uniform 1..MAX (a visit seen in several frames, return visits) */
const MAX_FACES_PER_VISITOR = 9;
/** share of visitor clusters that are enrolled people seen in a store */
const MEMBER_SHARE = 0.1;
const COPY_BATCH = 2000;

export interface SearchBenchOptions {
  /** vectors in all, split 1:10 enrolled faces : visitor faces */
  vectors: number;
  tenants?: number;
  /** query faces timed per setting (spread evenly over the tenants) */
  queries?: number;
  /** the server to create the bench's own database on (its database name is replaced) */
  databaseUrl: string;
  /** the search settings to time, first = the row's headline figures */
  settings?: VectorSearchSettings[];
  /** keep the database afterwards (to re-run queries by hand) */
  keep?: boolean;
  /**
   * read the HNSW graphs into shared_buffers before timing (pg_prewarm): a server that searches all day has them there,
   * when shared_buffers is sized to hold them
   */
  prewarm?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

export interface SearchSettingStat extends VectorSearchSettings {
  /** per face: the gallery search and the visitor search one after the other (what one decision costs at most) */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /**
   * Postgres CPU time per decision (the server process's schedstat): what the searches cost the database without
   * the wait for a core, the figure to compare when the machine is shared. Null when the server is not local.
   */
  serverCpuP50Ms: number | null;
  serverCpuP95Ms: number | null;
  /** mean over both searches of |approximate top 10 ∩ exact top 10| / 10 */
  recallAt10: number;
  galleryRecallAt10: number;
  visitorRecallAt10: number;
  /** p95 over the queries of the smaller half of the tenants (a shared index filters hardest for them) */
  smallTenantsP95Ms: number;
  largeTenantsP95Ms: number;
  minRecallAt10: number;
}

export interface SearchRow {
  name: 'search';
  vectors: number;
  enrolled: number;
  visitors: number;
  tenants: number;
  /** vectors of the largest and smallest tenant */
  tenantVectors: { max: number; min: number };
  queries: number;
  /** the headline setting (settings[0]) */
  p50Ms: number;
  p95Ms: number;
  recallAt10: number;
  efSearch: number;
  iterativeScan: string;
  buildSeconds: number;
  loadSeconds: number;
  /** the HNSW index definitions as the migrations create them, rebuilt after the load */
  indexes: string[];
  m: number;
  efConstruction: number;
  indexMiB: number;
  tableMiB: number;
  settings: SearchSettingStat[];
  server: { sharedBuffersMiB: number; maintenanceWorkMemMiB: number; pgvector: string };
  /** HNSW graph read into shared_buffers before timing (--search-prewarm), or null */
  prewarmedMiB: number | null;
  /** 1-minute load average when the timing ended: a shared machine inflates the wall times, not the CPU times */
  loadAverage: number;
  serverCpuP50Ms: number | null;
  serverCpuP95Ms: number | null;
}

export const DEFAULT_SEARCH_SETTINGS: VectorSearchSettings[] = [
  { efSearch: 40, iterativeScan: 'relaxed_order' },
  { efSearch: 40, iterativeScan: 'strict_order' },
  { efSearch: 100, iterativeScan: 'relaxed_order' },
];

interface QueryFace {
  tenantId: string;
  faceId: string;
  vector: number[];
  small: boolean;
}

// one per run, so that two runs on one server do not meet
const SEARCH_DATABASE = `storelens_bench_search_${process.pid}`;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** COPY FROM STDIN through one connection, honouring back-pressure. */
class CopyWriter {
  private pending: Buffer[] = [];
  private bytes = 0;
  private done!: Promise<void>;
  private stream!: Writable;

  constructor(private readonly client: Client) {}

  async open(sql: string, header?: Buffer): Promise<this> {
    this.stream = this.client.query(copyFrom(sql));
    this.done = new Promise((resolve, reject) => {
      this.stream.on('finish', resolve);
      this.stream.on('error', reject);
    });
    if (header) this.push(header);
    return this;
  }

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.bytes += chunk.length;
  }

  line(fields: (string | number | null)[]): void {
    this.push(Buffer.from(`${fields.map((f) => (f === null ? '\\N' : String(f))).join('\t')}\n`));
  }

  async flushIfFull(): Promise<void> {
    if (this.pending.length >= COPY_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending, this.bytes);
    this.pending = [];
    this.bytes = 0;
    if (!this.stream.write(chunk)) await new Promise((resolve) => this.stream.once('drain', resolve));
  }

  async close(trailer?: Buffer): Promise<void> {
    if (trailer) this.push(trailer);
    await this.flush();
    this.stream.end();
    await this.done;
  }
}

/** PGCOPY binary rows of face_embeddings (face_id, tenant_id, embedding, model_id). */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function embeddingRow(faceId: string, tenantId: string, vector: Float32Array, modelId: Buffer): Buffer {
  const vectorBytes = 4 + 4 * vector.length;
  const row = Buffer.alloc(2 + (4 + 16) * 2 + 4 + vectorBytes + 4 + modelId.length);
  let o = row.writeInt16BE(4, 0);
  o = row.writeInt32BE(16, o);
  o += uuidBytes(faceId).copy(row, o);
  o = row.writeInt32BE(16, o);
  o += uuidBytes(tenantId).copy(row, o);
  o = row.writeInt32BE(vectorBytes, o);
  // pgvector's binary form: int16 dimensions, int16 unused, float4 values
  o = row.writeInt16BE(vector.length, o);
  o = row.writeInt16BE(0, o);
  for (const v of vector) o = row.writeFloatBE(v, o);
  o = row.writeInt32BE(modelId.length, o);
  modelId.copy(row, o);
  return row;
}

function pickDistinct(random: () => number, n: number, count: number): Set<number> {
  const picked = new Set<number>();
  while (picked.size < Math.min(n, count)) picked.add(Math.floor(random() * n));
  return picked;
}

interface Loaded {
  sizes: number[];
  enrolled: number;
  visitors: number;
  warmup: QueryFace[];
  queries: QueryFace[];
}

/** Writes tenants, identities, faces, enrolments and vectors; returns the query faces (stored visitor faces). */
async function load(
  url: string,
  o: Required<Pick<SearchBenchOptions, 'vectors' | 'tenants' | 'queries' | 'seed'>>,
): Promise<Loaded> {
  const random = seededRandom(o.seed);
  const space = new FaceSpace(EMBEDDING_DIMENSIONS, random);
  const sizes = tenantSizes(o.vectors, o.tenants);
  const medianSize = [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length / 2)];
  const perTenant = Math.max(1, Math.ceil(o.queries / o.tenants));
  const clients = await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const c = new Client({ connectionString: url, application_name: 'storelens-bench-search' });
      await c.connect();
      // the rows are consistent by construction; skipping the foreign-key triggers lets four COPYs run at once
      await c.query(`SET session_replication_role = replica`);
      return c;
    }),
  );
  const [main, ...copyClients] = clients;
  const tenantIds = sizes.map(() => randomUUID());
  const frames: string[] = [];
  for (let t = 0; t < sizes.length; t++) {
    await main.query(`INSERT INTO tenants (id, name) VALUES ($1, $2)`, [tenantIds[t], `Chain ${t + 1}`]);
    const media = await main.query<{ id: string }>(
      `INSERT INTO media (tenant_id, kind, status, object_key, sha256, bytes, mime, captured_at)
       VALUES ($1, 'video', 'done', 'bench/search', repeat('0', 64), 0, 'video/mp4', now()) RETURNING id`,
      [tenantIds[t]],
    );
    const frame = await main.query<{ id: string }>(
      `INSERT INTO frames (tenant_id, media_id, "index", time_ms, captured_at, object_key, width, height, status)
       VALUES ($1, $2, 0, 0, now(), 'bench/search/0', 640, 480, 'done') RETURNING id`,
      [tenantIds[t], media.rows[0].id],
    );
    frames.push(frame.rows[0].id);
  }
  const identities = await new CopyWriter(copyClients[0]).open(
    `COPY identities (id, tenant_id, name, category) FROM STDIN`,
  );
  const faces = await new CopyWriter(copyClients[1]).open(
    `COPY faces (id, tenant_id, frame_id, face_index, box_x, box_y, box_w, box_h, score, landmarks,
                 detector_model_id, identity_id, visitor_id, decided_at) FROM STDIN`,
  );
  const vectors = await new CopyWriter(copyClients[2]).open(
    `COPY face_embeddings (face_id, tenant_id, embedding, model_id) FROM STDIN (FORMAT binary)`,
    BINARY_HEADER,
  );
  // identity_faces is small (1/11 of the rows): written after the faces on the main connection
  const enrolments: string[][] = [];
  const modelId = Buffer.from(MODEL_ID);
  const landmarks = '[[30,50],[70,50],[50,70],[35,85],[65,85]]';
  const warmup: QueryFace[] = [];
  const queries: QueryFace[] = [];
  let enrolledTotal = 0;
  let visitorTotal = 0;

  for (let t = 0; t < sizes.length; t++) {
    const tenantId = tenantIds[t];
    const enrolled = Math.max(FACES_PER_IDENTITY, Math.round(sizes[t] / (VISITORS_PER_ENROLLED + 1)));
    const visitorFaces = sizes[t] - enrolled;
    const picks = [...pickDistinct(random, visitorFaces, 2 * perTenant)];
    const queryAt = new Map(picks.map((p, i) => [p, i % 2 === 0 ? queries : warmup]));
    let faceIndex = 0;
    const members: { id: string; centre: Float32Array }[] = [];
    const addFace = async (vector: Float32Array, identityId: string | null, visitorId: string | null) => {
      const faceId = randomUUID();
      faces.line([
        faceId,
        tenantId,
        frames[t],
        faceIndex++,
        10,
        10,
        100,
        100,
        0.95,
        landmarks,
        'yunet',
        identityId,
        visitorId,
        visitorId || identityId ? '2026-11-30 00:00:00+00' : null,
      ]);
      vectors.push(embeddingRow(faceId, tenantId, vector, modelId));
      await Promise.all([faces.flushIfFull(), vectors.flushIfFull()]);
      return faceId;
    };
    for (let i = 0; i < enrolled; i += FACES_PER_IDENTITY) {
      const id = randomUUID();
      const centre = space.person();
      members.push({ id, centre });
      identities.line([id, tenantId, `Member ${members.length}`, 'member']);
      await identities.flushIfFull();
      for (let j = 0; j < FACES_PER_IDENTITY && i + j < enrolled; j++) {
        enrolments.push([await addFace(space.face(centre), id, null), id, tenantId]);
      }
    }
    for (let v = 0; v < visitorFaces;) {
      const member = random() < MEMBER_SHARE ? members[Math.floor(random() * members.length)] : null;
      const centre = member?.centre ?? space.person();
      const visitorId = member ? null : randomUUID();
      const count = Math.min(visitorFaces - v, 1 + Math.floor(random() * MAX_FACES_PER_VISITOR));
      for (let j = 0; j < count; j++, v++) {
        const vector = space.face(centre);
        const faceId = await addFace(vector, member?.id ?? null, visitorId);
        queryAt.get(v)?.push({ tenantId, faceId, vector: Array.from(vector), small: sizes[t] < medianSize });
      }
    }
    enrolledTotal += enrolled;
    visitorTotal += visitorFaces;
  }
  await Promise.all([identities.close(), faces.close(), vectors.close(BINARY_TRAILER)]);
  const links = await new CopyWriter(main).open(`COPY identity_faces (face_id, identity_id, tenant_id) FROM STDIN`);
  for (const row of enrolments) {
    links.line(row);
    await links.flushIfFull();
  }
  await links.close();
  await main.query('ANALYZE');
  await Promise.all(clients.map((c) => c.end()));
  return { sizes, enrolled: enrolledTotal, visitors: visitorTotal, warmup, queries };
}

function topIds(rows: Neighbour[]): string[] {
  return rows.slice(0, RECALL_AT).map((r) => r.faceId);
}

function recall(approx: Neighbour[], exact: Neighbour[]): number {
  const truth = new Set(topIds(exact));
  if (truth.size === 0) return 1;
  return topIds(approx).filter((id) => truth.has(id)).length / truth.size;
}

/** The same SQL as EmbeddingRepository.nearest with the HNSW index out of the planner's reach: an exact scan. */
async function exactNearest(ds: DataSource, q: QueryFace, identityOnly: boolean): Promise<Neighbour[]> {
  const { sql, params } = nearestQuery(q.tenantId, q.vector, DECISION_K, {
    identityOnly,
    modelId: MODEL_ID,
    excludeFaceId: q.faceId,
  });
  const rows: Neighbour[] = await ds.transaction(async (m) => {
    await m.query(`SET LOCAL enable_indexscan = off`);
    return m.query(sql, params);
  });
  return rows;
}

async function decision(repo: EmbeddingRepository, q: QueryFace): Promise<[Neighbour[], Neighbour[]]> {
  const search = { modelId: MODEL_ID, excludeFaceId: q.faceId };
  const gallery = await repo.nearest(q.tenantId, q.vector, DECISION_K, { ...search, identityOnly: true });
  const visitors = await repo.nearest(q.tenantId, q.vector, DECISION_K, { ...search, identityOnly: false });
  return [gallery, visitors];
}

/** CPU time (ns) the server process `pid` has run so far (/proc/<pid>/schedstat; the server must be local). */
function serverCpuNs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** Times the decision for every query face through a connection opened with `setting`, as a service's would be. */
async function timeSetting(
  url: string,
  setting: VectorSearchSettings,
  loaded: Loaded,
  exact: Map<string, [Neighbour[], Neighbour[]]>,
): Promise<SearchSettingStat> {
  // one connection: its server process is the one whose CPU time is read around each decision
  const ds = createDataSource(url, { poolSize: 1, vectorSearch: setting });
  await ds.initialize();
  try {
    const [{ pid }]: { pid: number }[] = await ds.query('SELECT pg_backend_pid() AS pid');
    return await timeOn(ds, serverCpuNs(pid) === null ? null : pid, setting, loaded, exact);
  } finally {
    await ds.destroy();
  }
}

async function timeOn(
  ds: DataSource,
  backendPid: number | null,
  setting: VectorSearchSettings,
  loaded: Loaded,
  exact: Map<string, [Neighbour[], Neighbour[]]>,
): Promise<SearchSettingStat> {
  const repo = new EmbeddingRepository(ds);
  for (const q of loaded.warmup) await decision(repo, q);
  const ms: { ms: number; small: boolean }[] = [];
  const cpuMs: number[] = [];
  const galleryRecall: number[] = [];
  const visitorRecall: number[] = [];
  for (const q of loaded.queries) {
    const c0 = serverCpuNs(backendPid);
    const t0 = performance.now();
    const [gallery, visitors] = await decision(repo, q);
    ms.push({ ms: performance.now() - t0, small: q.small });
    const c1 = serverCpuNs(backendPid);
    if (c0 !== null && c1 !== null) cpuMs.push((c1 - c0) / 1e6);
    const [g, v] = exact.get(q.faceId)!;
    galleryRecall.push(recall(gallery, g));
    visitorRecall.push(recall(visitors, v));
  }
  const all = ms.map((m) => m.ms);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    ...setting,
    p50Ms: round(quantile(all, 0.5), 2),
    p95Ms: round(quantile(all, 0.95), 2),
    maxMs: round(Math.max(...all), 2),
    serverCpuP50Ms: cpuMs.length ? round(quantile(cpuMs, 0.5), 2) : null,
    serverCpuP95Ms: cpuMs.length ? round(quantile(cpuMs, 0.95), 2) : null,
    recallAt10: round((mean(galleryRecall) + mean(visitorRecall)) / 2, 4),
    galleryRecallAt10: round(mean(galleryRecall), 4),
    visitorRecallAt10: round(mean(visitorRecall), 4),
    minRecallAt10: round(Math.min(...galleryRecall, ...visitorRecall), 2),
    smallTenantsP95Ms: round(
      quantile(
        ms.filter((m) => m.small).map((m) => m.ms),
        0.95,
      ),
      2,
    ),
    largeTenantsP95Ms: round(
      quantile(
        ms.filter((m) => !m.small).map((m) => m.ms),
        0.95,
      ),
      2,
    ),
  };
}

/**
 * The search row: N synthetic vectors straight into a dedicated Postgres database with the platform's schema (the
 * migrations), its HNSW index(es) rebuilt after the load and timed, then the classification decision's two searches
 * through EmbeddingRepository for a sample of stored visitor faces, against exact search for recall.
 */
/**
 * The options with their defaults for what the caller left out; an option given as undefined keeps its default
 * (the command line passes --search-queries through as it is, and a spread would turn it into no queries at all).
 */
export function searchOptions(options: SearchBenchOptions) {
  return { ...options, tenants: options.tenants ?? 50, queries: options.queries ?? 200, seed: options.seed ?? 12 };
}

export async function searchRow(options: SearchBenchOptions): Promise<SearchRow> {
  const log = options.log ?? (() => undefined);
  const o = searchOptions(options);
  if (o.vectors < o.tenants * (VISITORS_PER_ENROLLED + 1))
    throw new RangeError(`--search needs at least ${o.tenants * (VISITORS_PER_ENROLLED + 1)} vectors`);
  const settings = o.settings ?? DEFAULT_SEARCH_SETTINGS;
  const url = withDatabase(o.databaseUrl, SEARCH_DATABASE);
  const admin = new Client({ connectionString: withDatabase(o.databaseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${SEARCH_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${SEARCH_DATABASE}`);
  await admin.end();

  const ds = createDataSource(url, { poolSize: 2 });
  await ds.initialize();
  try {
    await runMigrations(ds);
    const hnsw: { name: string; def: string }[] = await ds.query(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE tablename = 'face_embeddings' AND indexdef ILIKE '%USING hnsw%'`,
    );
    for (const i of hnsw) await ds.query(`DROP INDEX ${i.name}`);

    log(`search: loading ${o.vectors} vectors into ${SEARCH_DATABASE} across ${o.tenants} tenants`);
    const t0 = performance.now();
    const loaded = await load(url, o);
    const loadSeconds = (performance.now() - t0) / 1000;
    log(`search: loaded in ${loadSeconds.toFixed(1)} s; building ${hnsw.length} HNSW index(es)`);

    const t1 = performance.now();
    await ds.transaction(async (m) => {
      // the graph must fit in maintenance_work_mem or the build slows down many times over
      await m.query(`SET LOCAL maintenance_work_mem = '4GB'`);
      // a partitioned table's definition reads `ON ONLY`, which would build the parent's index without its partitions'
      for (const i of hnsw) await m.query(i.def.replace(/ ON ONLY /i, ' ON '));
    });
    const buildSeconds = (performance.now() - t1) / 1000;
    log(`search: index built in ${buildSeconds.toFixed(1)} s; exact search for ${loaded.queries.length} faces`);
    await ds.query('ANALYZE face_embeddings');
    let prewarmedMiB: number | null = null;
    if (o.prewarm) {
      await ds.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
      const [{ blocks }] = await ds.query(
        `SELECT sum(pg_prewarm(c.oid))::bigint AS blocks FROM pg_class c JOIN pg_am a ON a.oid = c.relam
         WHERE a.amname = 'hnsw' AND c.relkind = 'i'`,
      );
      prewarmedMiB = round((Number(blocks) * 8192) / 2 ** 20, 1);
      log(`search: ${prewarmedMiB} MiB of HNSW graphs read into shared_buffers`);
    }

    const exact = new Map<string, [Neighbour[], Neighbour[]]>();
    for (const q of loaded.queries) {
      exact.set(q.faceId, [await exactNearest(ds, q, true), await exactNearest(ds, q, false)]);
    }
    const stats: SearchSettingStat[] = [];
    for (const s of settings) {
      stats.push(await timeSetting(url, s, loaded, exact));
      log(`search: ${JSON.stringify(stats[stats.length - 1])}`);
    }
    const [size] = await ds.query(
      `SELECT (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw') AS index_bytes,
              (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('face_embeddings')) AS table_bytes,
              current_setting('shared_buffers') AS shared_buffers,
              (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector`,
    );
    const [mwm] = await ds.query(
      `SELECT setting::bigint * 1024 AS bytes FROM pg_settings WHERE name = 'maintenance_work_mem'`,
    );
    const [sb] = await ds.query(
      `SELECT setting::bigint * 8192 AS bytes FROM pg_settings WHERE name = 'shared_buffers'`,
    );
    const param = (name: string, def: number) => {
      const m = hnsw[0]?.def.match(new RegExp(`${name}\\s*=\\s*'?(\\d+)`));
      return m ? Number(m[1]) : def;
    };
    const head = stats[0];
    const mib = (b: unknown) => round(Number(b) / 2 ** 20, 1);
    return {
      name: 'search',
      vectors: o.vectors,
      enrolled: loaded.enrolled,
      visitors: loaded.visitors,
      tenants: o.tenants,
      tenantVectors: { max: Math.max(...loaded.sizes), min: Math.min(...loaded.sizes) },
      queries: loaded.queries.length,
      p50Ms: head.p50Ms,
      p95Ms: head.p95Ms,
      recallAt10: head.recallAt10,
      efSearch: head.efSearch,
      iterativeScan: head.iterativeScan,
      buildSeconds: round(buildSeconds, 1),
      loadSeconds: round(loadSeconds, 1),
      indexes: hnsw.map((i) => i.def),
      m: param('m', 16),
      efConstruction: param('ef_construction', 64),
      indexMiB: mib(size.index_bytes),
      tableMiB: mib(size.table_bytes),
      settings: stats,
      loadAverage: round(loadavg()[0], 2),
      serverCpuP50Ms: head.serverCpuP50Ms,
      serverCpuP95Ms: head.serverCpuP95Ms,
      server: { sharedBuffersMiB: mib(sb.bytes), maintenanceWorkMemMiB: mib(mwm.bytes), pgvector: size.pgvector },
      prewarmedMiB,
    };
  } finally {
    await ds.destroy();
    if (!o.keep) {
      const drop = new Client({ connectionString: withDatabase(o.databaseUrl, 'postgres') });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${SEARCH_DATABASE} WITH (FORCE)`);
      await drop.end();
    }
  }
}
