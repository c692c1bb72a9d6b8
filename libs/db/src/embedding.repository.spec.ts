import type { EntityManager } from 'typeorm';
import { EmbeddingRepository, nearestQuery } from './repositories';
import { tenantGraphRows } from './vector-search';
import {
  cosineDistance,
  detection,
  migratedTestDatabase,
  near,
  randomVector,
  repositories,
  seedTenant,
  type MigratedDatabase,
  type Repositories,
} from './test-support';

let t: MigratedDatabase;
let r: Repositories;
beforeAll(async () => {
  t = await migratedTestDatabase();
  r = repositories(t.dataSource);
});
afterAll(async () => {
  await t?.close();
});

/** n faces with random vectors on one frame of a fresh tenant; `enrolled`: all of them reference faces of one identity. */
async function tenantWithFaces(n: number, modelId = 'mfn', enrolled = false) {
  const s = await seedTenant(r);
  const faces = await r.faces.saveDetections(
    s.tenant.id,
    s.frame.id,
    Array.from({ length: n }, (_, i) => detection(i + 1)),
    'yunet',
  );
  const vectors = new Map<string, number[]>();
  for (const face of faces) {
    const v = randomVector();
    vectors.set(face.id, v);
    await r.embeddings.upsert(s.tenant.id, face.id, v, modelId);
  }
  if (enrolled) {
    const regular = await r.identities.create(s.tenant.id, { name: 'Regular', category: 'member' });
    await enrol(
      s.tenant.id,
      regular.id,
      faces.map((f) => f.id),
    );
  }
  return { ...s, faces, vectors };
}

/** Enrols the faces as reference images of the identity, in one statement (the triggers put them in the gallery). */
async function enrol(tenantId: string, identityId: string, faceIds: string[]): Promise<void> {
  await t.dataSource.query(
    `INSERT INTO identity_faces (face_id, identity_id, tenant_id) SELECT unnest($1::uuid[]), $2, $3`,
    [faceIds, identityId, tenantId],
  );
}

describe('EmbeddingRepository (real Postgres + pgvector)', () => {
  it('returns the closest reference faces first, with cosine distances and identities, matching an exact search', async () => {
    const s = await tenantWithFaces(200, 'mfn', true);
    const target = s.faces[123]!;
    const query = near(s.vectors.get(target.id)!, 0.05);

    const found = await r.embeddings.nearest(s.tenant.id, query, 5);
    const exact = [...s.vectors]
      .map(([faceId, v]) => ({ faceId, d: cosineDistance(query, v) }))
      .sort((a, b) => a.d - b.d);

    expect(found[0]?.faceId).toBe(target.id);
    expect(found.map((n) => n.faceId)).toEqual(exact.slice(0, 5).map((e) => e.faceId));
    expect(new Set(found.map((n) => n.identityId)).size).toBe(1);
    found.forEach((n, i) => {
      expect(n.distance).toBeCloseTo(exact[i]!.d, 4);
      expect(n.similarity).toBeCloseTo(1 - exact[i]!.d, 4);
    });
  });

  it("only sees the asking tenant's vectors, and still finds k of them among many of other tenants", async () => {
    const small = await tenantWithFaces(3, 'mfn', true);
    await tenantWithFaces(300, 'mfn', true); // a large neighbour
    const found = await r.embeddings.nearest(small.tenant.id, randomVector(), 3);
    expect(found.map((n) => n.faceId).sort()).toEqual(small.faces.map((f) => f.id).sort());
  });

  it('lists the enrolled faces whose vector is from another model (or missing), for this tenant only', async () => {
    const s = await tenantWithFaces(4, 'mobilefacenet@1');
    const other = await tenantWithFaces(2, 'mobilefacenet@1');
    const [f0, f1, f2] = s.faces;
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member' });
    const gone = await r.identities.create(s.tenant.id, { name: 'Gone', category: 'member' });
    await r.identities.enrolFace(s.tenant.id, ada.id, f0!.id);
    await r.identities.enrolFace(s.tenant.id, ada.id, f1!.id);
    await r.identities.enrolFace(s.tenant.id, gone.id, f2!.id);
    await r.identities.softDelete(s.tenant.id, gone.id);
    const otherId = await r.identities.create(other.tenant.id, { name: 'Eve', category: 'member' });
    await r.identities.enrolFace(other.tenant.id, otherId.id, other.faces[0]!.id);

    const stale = await r.embeddings.enrolledNeedingModel(s.tenant.id, 'facerecnet@1');
    expect(stale.map((x) => x.faceId).sort()).toEqual([f0!.id, f1!.id].sort());
    expect(stale.every((x) => x.modelId === 'mobilefacenet@1')).toBe(true);
    await r.embeddings.upsert(s.tenant.id, f0!.id, randomVector(), 'facerecnet@1');
    expect((await r.embeddings.enrolledNeedingModel(s.tenant.id, 'facerecnet@1')).map((x) => x.faceId)).toEqual([
      f1!.id,
    ]);
    expect(await r.embeddings.enrolledNeedingModel(s.tenant.id, 'mobilefacenet@1')).toEqual([
      { faceId: f0!.id, cropKey: null, modelId: 'facerecnet@1' },
    ]);
    const first = [f0!.id, f1!.id].sort()[0]!;
    expect((await r.embeddings.enrolledNeedingModel(s.tenant.id, 'x', 1)).map((x) => x.faceId)).toEqual([first]);
    expect((await r.embeddings.enrolledNeedingModel(s.tenant.id, 'x', 10, first)).length).toBe(1);
  });

  it('matches enrolled faces of live identities only and names the identity', async () => {
    const s = await tenantWithFaces(6);
    const [f0, f1, f2] = s.faces;
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member' });
    const bob = await r.identities.create(s.tenant.id, { name: 'Bob', category: 'watchlist' });
    await r.identities.enrolFace(s.tenant.id, ada.id, f0!.id);
    await r.identities.enrolFace(s.tenant.id, bob.id, f1!.id);

    const query = near(s.vectors.get(f2!.id)!, 0.01); // closest to a face that is not enrolled
    const found = await r.embeddings.nearest(s.tenant.id, query, 5);
    expect(found.map((n) => [n.faceId, n.identityId]).sort()).toEqual(
      [
        [f0!.id, ada.id],
        [f1!.id, bob.id],
      ].sort(),
    );

    await r.identities.softDelete(s.tenant.id, bob.id);
    const afterDelete = await r.embeddings.nearest(s.tenant.id, query, 5);
    expect(afterDelete.map((n) => n.identityId)).toEqual([ada.id]);
  });

  it('keeps the gallery column right through enrolment, move, unenrolment, identity deletion and re-embedding', async () => {
    const s = await tenantWithFaces(5);
    const [f0, f1, f2, f3] = s.faces;
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member' });
    const bob = await r.identities.create(s.tenant.id, { name: 'Bob', category: 'member' });
    const column = async (faceId: string) => (await r.embeddings.get(s.tenant.id, faceId))?.galleryIdentityId;
    const gallery = async () =>
      (await r.embeddings.nearest(s.tenant.id, randomVector(), 10)).map((n) => `${n.faceId}:${n.identityId}`).sort();

    expect(await column(f0!.id)).toBeNull();
    await r.identities.enrolFace(s.tenant.id, ada.id, f0!.id);
    await r.identities.enrolFace(s.tenant.id, ada.id, f1!.id);
    await r.identities.enrolFace(s.tenant.id, bob.id, f2!.id);
    expect(await column(f0!.id)).toBe(ada.id);
    expect(await gallery()).toEqual([`${f0!.id}:${ada.id}`, `${f1!.id}:${ada.id}`, `${f2!.id}:${bob.id}`].sort());

    await r.identities.enrolFace(s.tenant.id, bob.id, f1!.id); // moved to another identity
    expect(await column(f1!.id)).toBe(bob.id);
    await t.dataSource.query(`DELETE FROM identity_faces WHERE tenant_id = $1 AND face_id = $2`, [s.tenant.id, f0!.id]);
    expect(await column(f0!.id)).toBeNull();

    await r.identities.softDelete(s.tenant.id, bob.id);
    expect(await column(f1!.id)).toBeNull();
    expect(await column(f2!.id)).toBeNull();
    expect(await gallery()).toEqual([]);
    await t.dataSource.query(`UPDATE identities SET deleted_at = NULL WHERE tenant_id = $1 AND id = $2`, [
      s.tenant.id,
      bob.id,
    ]);
    expect(await gallery()).toEqual([`${f1!.id}:${bob.id}`, `${f2!.id}:${bob.id}`].sort());

    // a vector stored after the enrolment (re-embedding for a new model) is in the gallery at once
    await r.identities.enrolFace(s.tenant.id, ada.id, f3!.id);
    await t.dataSource.query(`DELETE FROM face_embeddings WHERE tenant_id = $1 AND face_id = $2`, [
      s.tenant.id,
      f3!.id,
    ]);
    await r.embeddings.upsert(s.tenant.id, f3!.id, randomVector(), 'mfn-v2');
    expect(await column(f3!.id)).toBe(ada.id);
    await r.embeddings.upsert(s.tenant.id, f3!.id, randomVector(), 'mfn-v3'); // replaced: still enrolled
    expect(await column(f3!.id)).toBe(ada.id);

    await r.identities.purge(s.tenant.id, bob.id);
    expect(await gallery()).toEqual([`${f3!.id}:${ada.id}`]);
  });

  it('filters by model and can leave out the query face itself', async () => {
    const s = await tenantWithFaces(4, 'mfn-v1', true);
    const [f0, f1] = s.faces;
    await r.embeddings.upsert(s.tenant.id, f1!.id, s.vectors.get(f1!.id)!, 'mfn-v2');

    const own = s.vectors.get(f0!.id)!;
    expect((await r.embeddings.nearest(s.tenant.id, own, 1))[0]?.faceId).toBe(f0!.id);
    const others = await r.embeddings.nearest(s.tenant.id, own, 10, { modelId: 'mfn-v1', excludeFaceId: f0!.id });
    expect(others.map((n) => n.faceId)).not.toContain(f0!.id);
    expect(others.map((n) => n.faceId)).not.toContain(f1!.id);
    expect(others).toHaveLength(2);
  });

  it('purging an identity removes its faces and their vectors, and nothing else', async () => {
    const s = await tenantWithFaces(5);
    const [f0, f1, f2] = s.faces;
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member' });
    await r.identities.enrolFace(s.tenant.id, ada.id, f0!.id); // reference image
    const bob = await r.identities.create(s.tenant.id, { name: 'Bob', category: 'member' });
    await enrol(
      s.tenant.id,
      bob.id,
      s.faces.slice(2).map((f) => f.id),
    );
    await r.faces.recordDecision(s.tenant.id, f1!.id, { identityId: ada.id, similarity: 0.8, visitorId: null }); // a sighting

    await r.identities.purge(s.tenant.id, ada.id);
    for (const gone of [f0!, f1!]) {
      expect(await r.embeddings.get(s.tenant.id, gone.id)).toBeNull();
      expect(await r.faces.get(s.tenant.id, gone.id)).toBeNull();
    }
    expect(await r.embeddings.get(s.tenant.id, f2!.id)).not.toBeNull();
    expect(await r.embeddings.nearest(s.tenant.id, s.vectors.get(f0!.id)!, 10)).toHaveLength(3);
  });

  it('keeps no graph of the faces that are not enrolled: storing one writes no HNSW index', async () => {
    const s = await tenantWithFaces(50, 'mfn', true);
    const partition = `face_embeddings_${s.tenant.id.replace(/-/g, '')}`;
    const graphs: { name: string; bytes: string }[] = await t.dataSource.query(
      `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
        WHERE i.indrelid = $1::regclass AND a.amname = 'hnsw'`,
      [partition],
    );
    expect(graphs).toHaveLength(1); // the gallery's
    const frame = await r.frames.upsert(s.tenant.id, {
      mediaId: s.media.id,
      index: 1,
      timeMs: 500,
      capturedAt: s.media.capturedAt,
      objectKey: `t/${s.tenant.id}/frame-1.jpg`,
      width: 640,
      height: 480,
    });
    const faces = await r.faces.saveDetections(
      s.tenant.id,
      frame.id,
      Array.from({ length: 200 }, (_, i) => detection(i + 1)),
      'yunet',
    );
    for (const face of faces) await r.embeddings.upsert(s.tenant.id, face.id, randomVector(), 'mfn');
    const [after]: { bytes: string }[] = await t.dataSource.query(
      `SELECT pg_relation_size($1::regclass)::text AS bytes`,
      [graphs[0]!.name],
    );
    expect(after!.bytes).toBe(graphs[0]!.bytes);
  });

  describe('with a tenant large enough for the index to pay off (2000 vectors, analysed)', () => {
    let big: Awaited<ReturnType<typeof seedTenant>>;
    let small: Awaited<ReturnType<typeof tenantWithFaces>>;
    let bigIdentity: Awaited<ReturnType<Repositories['identities']['create']>>;

    beforeAll(async () => {
      big = await seedTenant(r);
      const faces = await r.faces.saveDetections(
        big.tenant.id,
        big.frame.id,
        Array.from({ length: 2000 }, (_, i) => detection(i + 1)),
        'yunet',
      );
      // one statement instead of 2000 upserts, to keep the test fast
      const rows = faces.map((f) => `('${f.id}', '${big.tenant.id}', '[${randomVector().join(',')}]', 'mfn')`);
      await t.dataSource.query(
        `INSERT INTO face_embeddings (face_id, tenant_id, embedding, model_id) VALUES ${rows.join(', ')}`,
      );
      // 20 of the 2000 enrolled, in one statement too (the triggers mark their vectors as the gallery)
      bigIdentity = await r.identities.create(big.tenant.id, { name: 'Regular', category: 'member' });
      await enrol(
        big.tenant.id,
        bigIdentity.id,
        faces.slice(0, 20).map((f) => f.id),
      );
      small = await tenantWithFaces(5, 'mfn', true);
      await t.dataSource.query('ANALYZE');
    });

    // pgvector costs an HNSW scan by ef_search: at the default (100) the planner sorts a tenant this small instead
    // (2,000 distances, cheaper than a graph walk here), so the plans are looked at with the index costed at 40,
    // what a tenant of tens of thousands of vectors sees at 100
    async function explain(sql: string, params: unknown[], settings: string[]): Promise<string> {
      return t.dataSource.transaction(async (m) => {
        for (const s of ['hnsw.ef_search = 40', ...settings]) await m.query(`SET LOCAL ${s}`);
        const rows: { 'QUERY PLAN': string }[] = await m.query(`EXPLAIN ${sql}`, params);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      });
    }

    /** The tenant partition's index that is a partition of the parent index `parent`. */
    async function partitionIndex(tenantId: string, parent: string): Promise<string> {
      const [row]: { name: string }[] = await t.dataSource.query(
        `SELECT c.relname AS name FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_index i ON i.indexrelid = c.oid
          WHERE h.inhparent = $1::regclass AND i.indrelid = $2::regclass`,
        [parent, `face_embeddings_${tenantId.replace(/-/g, '')}`],
      );
      return row!.name;
    }

    it("walks the tenant's graph of enrolled faces, and reads nothing but face_embeddings", async () => {
      const galleryIndex = await partitionIndex(big.tenant.id, 'face_embeddings_gallery_hnsw_idx');
      const gallery = nearestQuery(big.tenant.id, randomVector(), 20, { modelId: 'mfn' });
      const plan = await explain(gallery.sql, gallery.params, ['enable_seqscan = off', 'enable_sort = off']);
      expect(plan).toMatch(new RegExp(`Index Scan using ${galleryIndex} on`));
      expect(plan).not.toMatch(/\bfaces|identity_faces|identities|Join|Nested Loop/);
    });

    it('finds k enrolled faces among many visitors in one pass of the gallery graph (no iterative scan)', async () => {
      // 1 face in 100 is enrolled: a walk of a graph of all faces with ef_search 40 would find hardly any of them
      const found = await t.dataSource.transaction(async (m) => {
        for (const s of [
          'enable_seqscan = off',
          'enable_sort = off',
          'hnsw.iterative_scan = off',
          'hnsw.ef_search = 40',
        ])
          await m.query(`SET LOCAL ${s}`);
        const { sql, params } = nearestQuery(big.tenant.id, randomVector(), 20);
        return (await m.query(sql, params)) as { identityId: string }[];
      });
      expect(found).toHaveLength(20);
      expect(found.every((n) => n.identityId === bigIdentity.id)).toBe(true);
    });

    it("walks only the tenant's own graph: a small tenant next to a large one gets all its faces back", async () => {
      // One partition and HNSW graph per tenant: the large tenant's 2000 faces are not in the small tenant's way,
      // so even without the iterative scan the index path returns every one of its five faces.
      const { sql, params } = nearestQuery(small.tenant.id, randomVector(), 5);
      const rows = await t.dataSource.transaction(async (m) => {
        for (const s of ['enable_seqscan = off', 'enable_sort = off', 'hnsw.iterative_scan = off'])
          await m.query(`SET LOCAL ${s}`);
        return (await m.query(sql, params)) as unknown[];
      });
      expect(rows).toHaveLength(5);
      const plan = await explain(sql, params, ['enable_seqscan = off', 'enable_sort = off']);
      expect(plan).toMatch(new RegExp(`on face_embeddings_${small.tenant.id.replace(/-/g, '')}`));
      expect(plan).not.toMatch(new RegExp(`face_embeddings_${big.tenant.id.replace(/-/g, '')}`));
    });

    it('searches with the configured ef_search and iterative scan', async () => {
      const relaxed = new EmbeddingRepository(t.dataSource, { efSearch: 100, iterativeScan: 'relaxed_order' });
      const [probe] = await r.faces.listByFrame(big.tenant.id, big.frame.id);
      const stored = await r.embeddings.get(big.tenant.id, probe!.id);
      const found = await relaxed.nearest(big.tenant.id, near(stored!.embedding, 0.02), 20, { modelId: 'mfn' });
      expect(found[0]?.faceId).toBe(probe!.id);
      expect(found).toHaveLength(20);
      // relaxed_order may return rows out of order; the repository hands them back sorted
      expect(found.map((f) => f.distance)).toEqual([...found.map((f) => f.distance)].sort((a, b) => a - b));
    });

    it('sizes the gallery graph by its enrolled faces, not by every face the tenant has', async () => {
      expect(await tenantGraphRows(t.dataSource, 'gallery', big.tenant.id)).toBe(20);
      expect(await tenantGraphRows(t.dataSource, 'gallery', small.tenant.id)).toBe(5);
    });

    it('searches a gallery larger than efSearchRows with more candidates, for that search alone', async () => {
      /** the ef_search each search of `repo` ran with (set_config's second value, or the connection's) */
      async function efOf(repo: EmbeddingRepository, tenantId: string): Promise<string> {
        const seen: unknown[] = [];
        const original = t.dataSource.transaction.bind(t.dataSource) as (w: (m: EntityManager) => unknown) => unknown;
        const spy = jest.spyOn(t.dataSource, 'transaction').mockImplementation(((work: (m: EntityManager) => unknown) =>
          original(async (m) => {
            const query = m.query.bind(m);
            m.query = (sql: string, params?: unknown[]) => {
              if (sql.includes("set_config('hnsw.ef_search'")) seen.push(params?.[1]);
              return query(sql, params);
            };
            return work(m);
          })) as never);
        try {
          expect(await repo.nearest(tenantId, randomVector(), 3, { modelId: 'mfn' })).toHaveLength(3);
        } finally {
          spy.mockRestore();
        }
        return seen.length ? String(seen[0]) : 'session';
      }
      // 4 candidates up to 10 enrolled faces: the big tenant's 20 get ceil(4 × 2^0.69) = 7, the small one's 5 keep 4
      const follow = new EmbeddingRepository(t.dataSource, {
        efSearch: 4,
        iterativeScan: 'relaxed_order',
        efSearchRows: 10,
      });
      expect(await efOf(follow, big.tenant.id)).toBe('7');
      expect(await efOf(follow, small.tenant.id)).toBe('4');
      // the platform's own settings: graphs this small are searched with the connection's, in one round trip
      expect(await efOf(r.embeddings, big.tenant.id)).toBe('session');
    });

    it('finds the closest face of the large tenant', async () => {
      const [probe] = await r.faces.listByFrame(big.tenant.id, big.frame.id);
      const stored = await r.embeddings.get(big.tenant.id, probe!.id);
      const found = await r.embeddings.nearest(big.tenant.id, near(stored!.embedding, 0.02), 3, { modelId: 'mfn' });
      expect(found[0]?.faceId).toBe(probe!.id);
      expect(found).toHaveLength(3);
    });
  });

  it('rejects vectors of the wrong size, non-finite values and the zero vector before querying', async () => {
    const s = await seedTenant(r);
    await expect(r.embeddings.nearest(s.tenant.id, randomVector(64), 1)).rejects.toThrow(/128/);
    await expect(r.embeddings.nearest(s.tenant.id, [...randomVector(127), NaN], 1)).rejects.toThrow(/non-finite/);
    await expect(r.embeddings.nearest(s.tenant.id, new Array(128).fill(0), 1)).rejects.toThrow(/zero/);
    await expect(r.embeddings.nearest(s.tenant.id, randomVector(), 0)).rejects.toThrow(/k must/);
  });
});
