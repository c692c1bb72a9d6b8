import type { DataSource, EntityManager } from 'typeorm';
import { ROLLUP_COUNTS } from '../reporting/rollup-columns';

export interface Bucket {
  tenantId: string;
  cameraId: string;
  hour: Date;
}

/**
 * The sightings of a list of (tenant, camera, hour) buckets given as parallel arrays $1..$3, one row per face, with
 * what the rollup counts. Faces are placed in time by their frame's capture time (UTC hours). The frames of each
 * distinct hour are read once (by the frames (tenant_id, captured_at) index) and kept for the buckets' cameras, so a
 * batch of many cameras of the same hours (a rebuild) reads every frame once.
 */
const BUCKET_SIGHTINGS = `
  WITH b AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS b (tenant_id, camera_id, hour)),
       h AS (SELECT DISTINCT tenant_id, hour FROM b)
  SELECT b.tenant_id, b.hour, c.store_id, b.camera_id, f.identity_id, f.visitor_id, f.decided_at, f.age, f.gender,
         f.emotion, i.category
  FROM h
  JOIN frames fr ON fr.tenant_id = h.tenant_id AND fr.captured_at >= h.hour AND fr.captured_at < h.hour + interval '1 hour'
  JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id AND m.purpose = 'analysis'
  JOIN b ON b.tenant_id = m.tenant_id AND b.camera_id = m.camera_id AND b.hour = h.hour
  JOIN cameras c ON c.tenant_id = b.tenant_id AND c.id = b.camera_id
  JOIN faces f ON f.tenant_id = fr.tenant_id AND f.frame_id = fr.id
  LEFT JOIN identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id`;

/** SQL: a person's kind for presence_hourly over sightings `s`; NULL for a face not decided yet. */
export const PERSON_KIND = `CASE WHEN s.category = 'staff' THEN 'staff' WHEN s.identity_id IS NOT NULL THEN 'identity'
  WHEN s.visitor_id IS NOT NULL THEN 'visitor' END`;

/**
 * Runs `step` (which handles up to `batch` marked items and says how many it did) until a step finds fewer than
 * `batch`, or `maxBatches` steps ran; returns how many were handled in all.
 */
/**
 * Takes up to `limit` rows of a table of marks (of one tenant, or of all) in the caller's transaction: locked, deleted
 * and returned (`returning`: the columns to return, by default the key). Marks taken by a transaction that fails come
 * back with its rollback; two takers never take one mark.
 */
export async function takeMarked<T>(
  m: { query(sql: string, params?: unknown[]): Promise<unknown> },
  table: string,
  key: readonly string[],
  tenantId: string | null,
  limit: number,
  returning = key.map((k) => `d.${k}`).join(', '),
): Promise<T[]> {
  const cols = key.join(', ');
  const [rows] = (await m.query(
    `DELETE FROM ${table} d
     USING (SELECT ${cols} FROM ${table} WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY ${cols} LIMIT $2 FOR UPDATE) p
     WHERE ${key.map((k) => `d.${k} = p.${k}`).join(' AND ')}
     RETURNING ${returning}`,
    [tenantId, limit],
  )) as [T[], number];
  return rows;
}

export async function inBatches(
  step: (batch: number) => Promise<number>,
  batch: number,
  maxBatches = Infinity,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await step(batch);
    total += n;
    if (n < batch) break;
  }
  return total;
}

/**
 * The hourly rollups (traffic_hourly, presence_hourly). Writers never touch them: triggers mark the (camera, hour)
 * buckets whose faces changed in rollup_dirty, and refresh() recomputes those buckets from the raw rows.
 */
export class RollupRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Recomputes up to `limit` dirty buckets (of one tenant, or of all) in one transaction and returns how many.
   * Safe to run concurrently: a bucket being recomputed is locked, and a face written meanwhile marks it dirty
   * again once the recompute commits, so the next refresh picks it up.
   */
  async refresh(tenantId: string | null, limit = 1000): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      // TypeORM answers a DELETE … RETURNING with [rows, affected]
      const [picked]: [{ tenant_id: string; camera_id: string; hour: Date }[], number] = await m.query(
        `DELETE FROM rollup_dirty d
         USING (SELECT tenant_id, camera_id, hour FROM rollup_dirty
                WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY hour LIMIT $2 FOR UPDATE) p
         WHERE d.tenant_id = p.tenant_id AND d.camera_id = p.camera_id AND d.hour = p.hour
         RETURNING d.tenant_id, d.camera_id, d.hour`,
        [tenantId, limit],
      );
      if (picked.length === 0) return 0;
      await this.recompute(
        m,
        picked.map((p) => ({ tenantId: p.tenant_id, cameraId: p.camera_id, hour: p.hour })),
      );
      return picked.length;
    });
  }

  /** Refreshes until the tenant (or everyone) has no dirty bucket left, or `maxBatches` batches ran. */
  refreshAll(tenantId: string | null, batch = 1000, maxBatches = Infinity): Promise<number> {
    return inBatches((limit) => this.refresh(tenantId, limit), batch, maxBatches);
  }

  /** Marks every bucket of the tenant (or everyone) that has faces as dirty: a rebuild, e.g. after a bulk load. */
  async markAllDirty(tenantId: string | null): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `WITH marked AS (
       INSERT INTO rollup_dirty (tenant_id, camera_id, hour)
       SELECT DISTINCT fr.tenant_id, m.camera_id, date_trunc('hour', fr.captured_at, 'UTC')
       FROM frames fr JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       WHERE m.camera_id IS NOT NULL AND m.purpose = 'analysis' AND ($1::uuid IS NULL OR fr.tenant_id = $1)
         AND EXISTS (SELECT 1 FROM faces f WHERE f.tenant_id = fr.tenant_id AND f.frame_id = fr.id)
       ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM marked`,
      [tenantId],
    );
    return n;
  }

  /**
   * Recomputes every bucket of a tenant in one set-based pass (one scan of its faces), for a bulk load; the
   * incremental refresh() stays the path for results as they arrive. Same columns, same rules.
   */
  async rebuild(tenantId: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      for (const table of ['traffic_hourly', 'presence_hourly', 'rollup_dirty'])
        await m.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
      const all = `
        SELECT fr.tenant_id, date_trunc('hour', fr.captured_at, 'UTC') AS hour, c.store_id, c.id AS camera_id,
               f.identity_id, f.visitor_id, f.decided_at, f.age, f.gender, f.emotion, i.category
        FROM faces f
        JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
        JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id AND m.purpose = 'analysis'
        JOIN cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
        LEFT JOIN identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id
        WHERE f.tenant_id = $1`;
      const [{ n }]: { n: number }[] = await m.query(
        `WITH ins AS (
           INSERT INTO traffic_hourly (tenant_id, hour, store_id, camera_id, ${ROLLUP_COUNTS.map((c) => c.name).join(', ')})
           SELECT s.tenant_id, s.hour, s.store_id, s.camera_id, ${ROLLUP_COUNTS.map((c) => c.aggregate).join(', ')}
           FROM (${all}) s GROUP BY s.tenant_id, s.hour, s.store_id, s.camera_id RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [tenantId],
      );
      await m.query(
        `INSERT INTO presence_hourly (tenant_id, hour, camera_id, store_id, person_id, kind, faces)
         SELECT s.tenant_id, s.hour, s.camera_id, s.store_id, coalesce(s.identity_id, s.visitor_id), ${PERSON_KIND},
                count(*)
         FROM (${all}) s
         WHERE s.decided_at IS NOT NULL AND coalesce(s.identity_id, s.visitor_id) IS NOT NULL
         GROUP BY s.tenant_id, s.hour, s.camera_id, s.store_id, coalesce(s.identity_id, s.visitor_id), ${PERSON_KIND}`,
        [tenantId],
      );
      return n;
    });
  }

  async dirtyCount(tenantId: string | null): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM rollup_dirty WHERE $1::uuid IS NULL OR tenant_id = $1`,
      [tenantId],
    );
    return row?.n ?? 0;
  }

  private async recompute(m: EntityManager, buckets: Bucket[]): Promise<void> {
    const params = [buckets.map((b) => b.tenantId), buckets.map((b) => b.cameraId), buckets.map((b) => b.hour)];
    const keys = `unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS b (tenant_id, camera_id, hour)`;
    for (const table of ['traffic_hourly', 'presence_hourly'])
      await m.query(
        `DELETE FROM ${table} t USING ${keys}
         WHERE t.tenant_id = b.tenant_id AND t.camera_id = b.camera_id AND t.hour = b.hour`,
        params,
      );
    const cols = ROLLUP_COUNTS.map((c) => c.name);
    await m.query(
      `INSERT INTO traffic_hourly (tenant_id, hour, store_id, camera_id, ${cols.join(', ')})
       SELECT s.tenant_id, s.hour, s.store_id, s.camera_id, ${ROLLUP_COUNTS.map((c) => c.aggregate).join(', ')}
       FROM (${BUCKET_SIGHTINGS}) s
       GROUP BY s.tenant_id, s.hour, s.store_id, s.camera_id`,
      params,
    );
    await m.query(
      `INSERT INTO presence_hourly (tenant_id, hour, camera_id, store_id, person_id, kind, faces)
       SELECT s.tenant_id, s.hour, s.camera_id, s.store_id, coalesce(s.identity_id, s.visitor_id), ${PERSON_KIND},
              count(*)
       FROM (${BUCKET_SIGHTINGS}) s
       WHERE s.decided_at IS NOT NULL AND coalesce(s.identity_id, s.visitor_id) IS NOT NULL
       GROUP BY s.tenant_id, s.hour, s.camera_id, s.store_id, coalesce(s.identity_id, s.visitor_id), ${PERSON_KIND}`,
      params,
    );
  }
}
