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
  DEFAULT_VECTOR_SEARCH,
  EMBEDDING_DIMENSIONS,
  EmbeddingRepository,
  nearestQuery,
  nearestVisitorsQuery,
  efSearchFor,
  runMigrations,
  ShopperRepository,
  tenantGraphRows,
  VISITOR_NEIGHBOURS,
  type VectorSearchSettings,
} from '@storelens/db';
import { FaceSpace, seededRandom, tenantSizes } from './search-vectors';
import { quantile, round } from './stats';

/**
 * The classification decision's two searches, as the classification service runs them: the enrolled gallery
 * (EmbeddingRepository.nearest, GALLERY_NEIGHBOURS = 20 reference faces) and the anonymous visitors' centroids
 * (ShopperRepository.nearestVisitors, VISITOR_NEIGHBOURS = 10), which an unnamed track joins.
 */
const GALLERY_K = 20;
const RECALL_AT = 10;
const MODEL_ID = 'mobilefacenet_foamliu';
/** 1 enrolled face : 10 visitor vectors (the 1M enrolled : 10M visitors). */
const VISITORS_PER_ENROLLED = 10;
const FACES_PER_IDENTITY = 3;
/** tracks behind a visitor's centroid: uniform 1..MAX (its noise falls with the square root of the count) */
const MAX_TRACKS_PER_VISITOR = 9;
/** share of query faces that are enrolled people (members) rather than returning visitors */
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
  /**
   * per face: the gallery search and the visitor search one after the other (what one decision costs at most: the
   * service searches the visitors once per unnamed track, not per face)
   */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** each search alone: the gallery runs per face, the visitor search once per unnamed track */
  galleryMs: { p50: number; p95: number };
  visitorsMs: { p50: number; p95: number };
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
  /** share of queries whose nearest visitor is the exact nearest: the one a track joins (or not) */
  visitorRecallAt1: number;
  /** p95 over the queries of the smaller half of the tenants (a shared index filters hardest for them) */
  smallTenantsP95Ms: number;
  largeTenantsP95Ms: number;
  /** recallAt10 over the queries of the smaller and of the larger half of the tenants: how recall falls with a graph's size */
  smallTenantsRecallAt10: number;
  largeTenantsRecallAt10: number;
  minRecallAt10: number;
  /** the ef_search the searches ran with, over the queries' tenants and both graphs (efSearch unless efSearchRows) */
  efSearchUsed: { min: number; max: number };
  /** recall@10 of each search by the size of the graph it walked: what ef_search a graph of a given size needs */
  recallBySize: SizeBand[];
}

/** The searches of one graph whose tenant graph holds more than the previous band's `upToRows` vectors and up to this. */
export interface SizeBand {
  graph: 'gallery' | 'visitors';
  upToRows: number;
  searches: number;
  recallAt10: number;
  /** the ef_search those searches ran with (their largest) */
  efSearch: number;
}

/** Graph sizes that bound the bands of `recallBySize`: doubling from 12.5k vectors. */
export const SIZE_BANDS = [12_500, 25_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000];

function recallBySize(
  searches: { graph: 'gallery' | 'visitors'; rows: number; recall: number }[],
  setting: VectorSearchSettings,
): SizeBand[] {
  const bands: SizeBand[] = [];
  for (const graph of ['gallery', 'visitors'] as const)
    SIZE_BANDS.forEach((upToRows, i) => {
      const from = i === 0 ? -1 : SIZE_BANDS[i - 1]!;
      const inBand = searches.filter(
        (x) => x.graph === graph && x.rows > from && (x.rows <= upToRows || i === SIZE_BANDS.length - 1),
      );
      if (inBand.length === 0) return;
      bands.push({
        graph,
        upToRows,
        searches: inBand.length,
        recallAt10: round(inBand.reduce((a, x) => a + x.recall, 0) / inBand.length, 4),
        efSearch: Math.max(...inBand.map((x) => efSearchFor(setting, x.rows))),
      });
    });
  return bands;
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
  /** 0: efSearch for every tenant; else efSearch up to this many vectors per graph, more above (efSearchFor) */
  efSearchRows: number;
  efSearchUsed: { min: number; max: number };
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

/**
 * The platform's default first (VECTOR_EF_SEARCH following the tenant's size from VECTOR_EF_SEARCH_ROWS,
 * VECTOR_ITERATIVE_SCAN): the row's headline figures; then the same ef_search for every tenant, and smaller ones.
 */
export const DEFAULT_SEARCH_SETTINGS: VectorSearchSettings[] = [
  DEFAULT_VECTOR_SEARCH,
  { efSearch: DEFAULT_VECTOR_SEARCH.efSearch, iterativeScan: 'relaxed_order' },
  { efSearch: 40, iterativeScan: 'relaxed_order' },
  { efSearch: 40, iterativeScan: 'strict_order' },
  { efSearch: 64, iterativeScan: 'relaxed_order' },
];

/** A new face (not stored) of a tenant's returning visitor or member: what the decision is asked about. */
interface QueryFace {
  tenantId: string;
  vector: number[];
  small: boolean;
}

/** A search's answer as recall compares it: ids nearest first. */
type Ranked = string[];

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

/** PGCOPY binary rows of visitors (id, tenant_id, centroid, model_id, track_count). */
function visitorRow(id: string, tenantId: string, centroid: Float32Array, modelId: Buffer, tracks: number): Buffer {
  const head = embeddingRow(id, tenantId, centroid, modelId);
  const row = Buffer.alloc(head.length + 8);
  head.copy(row);
  row.writeInt16BE(5, 0);
  row.writeInt32BE(4, head.length);
  row.writeInt32BE(tracks, head.length + 4);
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

/**
 * Writes tenants, identities, their reference faces and vectors (the enrolled gallery) and the anonymous visitors
 * with their centroids; returns the query faces: new faces of stored visitors and members. The visitors' own faces,
 * which the platform keeps in face_embeddings too, are left out: no decision searches them, and at full size they
 * would be 10 M more rows and an hour more of index build.
 */
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
    [0, 1, 2, 3, 4].map(async () => {
      const c = new Client({ connectionString: url, application_name: 'storelens-bench-search' });
      await c.connect();
      // the rows are consistent by construction; skipping the foreign-key triggers lets the COPYs run at once
      await c.query(`SET session_replication_role = replica`);
      return c;
    }),
  );
  const [main, ...copyClients] = clients;
  const tenantIds = sizes.map(() => randomUUID());
  const frames: string[] = [];
  const frameTimes: string[] = [];
  for (let t = 0; t < sizes.length; t++) {
    await main.query(`INSERT INTO tenants (id, name) VALUES ($1, $2)`, [tenantIds[t], `Chain ${t + 1}`]);
    const media = await main.query<{ id: string }>(
      `INSERT INTO media (tenant_id, kind, status, object_key, sha256, bytes, mime, captured_at)
       VALUES ($1, 'image', 'done', 'bench/search', repeat('0', 64), 0, 'image/jpeg', now()) RETURNING id`,
      [tenantIds[t]],
    );
    const frame = await main.query<{ id: string; at: string }>(
      `INSERT INTO frames (tenant_id, media_id, "index", time_ms, captured_at, object_key, width, height, status)
       VALUES ($1, $2, 0, 0, now(), 'bench/search/0', 640, 480, 'done') RETURNING id, captured_at::text AS at`,
      [tenantIds[t], media.rows[0].id],
    );
    frames.push(frame.rows[0].id);
    // written with the faces: the trigger that copies it from the frame is off for the load (replica role)
    frameTimes.push(frame.rows[0].at);
  }
  const identities = await new CopyWriter(copyClients[0]).open(
    `COPY identities (id, tenant_id, name, category) FROM STDIN`,
  );
  const faces = await new CopyWriter(copyClients[1]).open(
    `COPY faces (id, tenant_id, frame_id, face_index, box_x, box_y, box_w, box_h, score, landmarks,
                 detector_model_id, identity_id, visitor_id, decided_at, captured_at) FROM STDIN`,
  );
  const vectors = await new CopyWriter(copyClients[2]).open(
    `COPY face_embeddings (face_id, tenant_id, embedding, model_id) FROM STDIN (FORMAT binary)`,
    BINARY_HEADER,
  );
  const visitors = await new CopyWriter(copyClients[3]).open(
    `COPY visitors (id, tenant_id, centroid, model_id, track_count) FROM STDIN (FORMAT binary)`,
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
    const small = sizes[t] < medianSize;
    const enrolled = Math.max(FACES_PER_IDENTITY, Math.round(sizes[t] / (VISITORS_PER_ENROLLED + 1)));
    const visitorCount = sizes[t] - enrolled;
    const members: Float32Array[] = [];
    for (let i = 0; i < enrolled; i += FACES_PER_IDENTITY) {
      const id = randomUUID();
      const centre = space.person();
      members.push(centre);
      identities.line([id, tenantId, `Member ${members.length}`, 'member']);
      await identities.flushIfFull();
      for (let j = 0; j < FACES_PER_IDENTITY && i + j < enrolled; j++) {
        const faceId = randomUUID();
        faces.line([
          faceId,
          tenantId,
          frames[t],
          i + j,
          10,
          10,
          100,
          100,
          0.95,
          landmarks,
          'yunet',
          id,
          null,
          null,
          frameTimes[t],
        ]);
        vectors.push(embeddingRow(faceId, tenantId, space.face(centre), modelId));
        enrolments.push([faceId, id, tenantId]);
        await Promise.all([faces.flushIfFull(), vectors.flushIfFull()]);
      }
    }
    // the query faces: a new face of a stored visitor (returning) or of a member, drawn when that person is
    const picks = [...pickDistinct(random, visitorCount, 2 * perTenant)];
    const queryAt = new Map(picks.map((p, i) => [p, i % 2 === 0 ? queries : warmup]));
    for (let v = 0; v < visitorCount; v++) {
      const centre = space.person();
      const tracks = 1 + Math.floor(random() * MAX_TRACKS_PER_VISITOR);
      // a centroid is the mean of its tracks' faces: the noise of one face over the square root of their count
      visitors.push(visitorRow(randomUUID(), tenantId, space.face(centre, 1 / Math.sqrt(tracks)), modelId, tracks));
      await visitors.flushIfFull();
      const into = queryAt.get(v);
      if (into) {
        const person = random() < MEMBER_SHARE ? members[Math.floor(random() * members.length)] : centre;
        into.push({ tenantId, vector: Array.from(space.face(person)), small });
      }
    }
    enrolledTotal += enrolled;
    visitorTotal += visitorCount;
  }
  await Promise.all([identities.close(), faces.close(), vectors.close(BINARY_TRAILER), visitors.close(BINARY_TRAILER)]);
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

function recall(approx: Ranked, exact: Ranked): number {
  const truth = new Set(exact.slice(0, RECALL_AT));
  if (truth.size === 0) return 1;
  return approx.slice(0, RECALL_AT).filter((id) => truth.has(id)).length / truth.size;
}

/** The decision's two searches' own SQL with the HNSW index out of the planner's reach: exact scans. */
async function exactDecision(ds: DataSource, q: QueryFace): Promise<[Ranked, Ranked]> {
  const gallery = nearestQuery(q.tenantId, q.vector, GALLERY_K, { modelId: MODEL_ID });
  const visitors = nearestVisitorsQuery(q.tenantId, q.vector, MODEL_ID, VISITOR_NEIGHBOURS);
  return ds.transaction(async (m) => {
    await m.query(`SET LOCAL enable_indexscan = off`);
    const g: { faceId: string }[] = await m.query(gallery.sql, gallery.params);
    const v: { visitorId: string }[] = await m.query(visitors.sql, visitors.params);
    return [g.map((r) => r.faceId), v.map((r) => r.visitorId)];
  });
}

/** The classification decision's two searches, through the repositories the services use. */
async function decision(
  embeddings: EmbeddingRepository,
  shoppers: ShopperRepository,
  q: QueryFace,
): Promise<[Ranked, Ranked, { galleryMs: number; visitorsMs: number }]> {
  const t0 = performance.now();
  const gallery = await embeddings.nearest(q.tenantId, q.vector, GALLERY_K, { modelId: MODEL_ID });
  const t1 = performance.now();
  const visitors = await shoppers.nearestVisitors(q.tenantId, q.vector, MODEL_ID, VISITOR_NEIGHBOURS);
  const t2 = performance.now();
  return [gallery.map((n) => n.faceId), visitors.map((v) => v.visitorId), { galleryMs: t1 - t0, visitorsMs: t2 - t1 }];
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
  exact: Map<QueryFace, [Ranked, Ranked]>,
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
  exact: Map<QueryFace, [Ranked, Ranked]>,
): Promise<SearchSettingStat> {
  const embeddings = new EmbeddingRepository(ds);
  const shoppers = new ShopperRepository(ds);
  for (const q of loaded.warmup) await decision(embeddings, shoppers, q);
  // the graphs' sizes, read once a minute by a service, are read here before the clock starts
  const graphRows = new Map<QueryFace, { gallery: number; visitors: number }>();
  for (const q of loaded.queries)
    graphRows.set(q, {
      gallery: await tenantGraphRows(ds, 'gallery', q.tenantId),
      visitors: await tenantGraphRows(ds, 'visitors', q.tenantId),
    });
  const efs = [...graphRows.values()].flatMap((g) => [
    efSearchFor(setting, g.gallery),
    efSearchFor(setting, g.visitors),
  ]);
  const bySize: { graph: 'gallery' | 'visitors'; rows: number; recall: number }[] = [];
  const ms: { ms: number; small: boolean }[] = [];
  const cpuMs: number[] = [];
  const galleryMs: number[] = [];
  const visitorsMs: number[] = [];
  const galleryRecall: number[] = [];
  const visitorRecall: number[] = [];
  const visitorNearest: number[] = [];
  const bothRecall: { recall: number; small: boolean }[] = [];
  for (const q of loaded.queries) {
    const c0 = serverCpuNs(backendPid);
    const t0 = performance.now();
    const [gallery, visitors, split] = await decision(embeddings, shoppers, q);
    galleryMs.push(split.galleryMs);
    visitorsMs.push(split.visitorsMs);
    ms.push({ ms: performance.now() - t0, small: q.small });
    const c1 = serverCpuNs(backendPid);
    if (c0 !== null && c1 !== null) cpuMs.push((c1 - c0) / 1e6);
    const [g, v] = exact.get(q)!;
    galleryRecall.push(recall(gallery, g));
    visitorRecall.push(recall(visitors, v));
    bySize.push({ graph: 'gallery', rows: graphRows.get(q)!.gallery, recall: recall(gallery, g) });
    bySize.push({ graph: 'visitors', rows: graphRows.get(q)!.visitors, recall: recall(visitors, v) });
    bothRecall.push({ recall: (recall(gallery, g) + recall(visitors, v)) / 2, small: q.small });
    visitorNearest.push(visitors[0] === v[0] ? 1 : 0);
  }
  const all = ms.map((m) => m.ms);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    ...setting,
    p50Ms: round(quantile(all, 0.5), 2),
    p95Ms: round(quantile(all, 0.95), 2),
    maxMs: round(Math.max(...all), 2),
    galleryMs: { p50: round(quantile(galleryMs, 0.5), 2), p95: round(quantile(galleryMs, 0.95), 2) },
    visitorsMs: { p50: round(quantile(visitorsMs, 0.5), 2), p95: round(quantile(visitorsMs, 0.95), 2) },
    serverCpuP50Ms: cpuMs.length ? round(quantile(cpuMs, 0.5), 2) : null,
    serverCpuP95Ms: cpuMs.length ? round(quantile(cpuMs, 0.95), 2) : null,
    recallAt10: round((mean(galleryRecall) + mean(visitorRecall)) / 2, 4),
    galleryRecallAt10: round(mean(galleryRecall), 4),
    visitorRecallAt10: round(mean(visitorRecall), 4),
    visitorRecallAt1: round(mean(visitorNearest), 4),
    minRecallAt10: round(Math.min(...galleryRecall, ...visitorRecall), 2),
    smallTenantsRecallAt10: round(mean(bothRecall.filter((b) => b.small).map((b) => b.recall)), 4),
    largeTenantsRecallAt10: round(mean(bothRecall.filter((b) => !b.small).map((b) => b.recall)), 4),
    efSearchUsed: { min: Math.min(...efs), max: Math.max(...efs) },
    recallBySize: recallBySize(bySize, setting),
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
       WHERE tablename IN ('face_embeddings', 'visitors') AND indexdef ILIKE '%USING hnsw%'`,
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
    // the planner's counts, and the graph sizes an ef_search that follows a tenant's size reads
    await ds.query('ANALYZE face_embeddings');
    await ds.query('ANALYZE visitors');
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

    const exact = new Map<QueryFace, [Ranked, Ranked]>();
    for (const q of loaded.queries) exact.set(q, await exactDecision(ds, q));
    const stats: SearchSettingStat[] = [];
    for (const s of settings) {
      stats.push(await timeSetting(url, s, loaded, exact));
      log(`search: ${JSON.stringify(stats[stats.length - 1])}`);
    }
    const [size] = await ds.query(
      `SELECT (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw') AS index_bytes,
              (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('face_embeddings')) +
              (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('visitors')) AS table_bytes,
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
      efSearchRows: head.efSearchRows ?? 0,
      efSearchUsed: head.efSearchUsed,
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
