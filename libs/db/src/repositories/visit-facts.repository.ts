import type { DataSource } from 'typeorm';

/**
 * The bookkeeping of the per-visit facts (visit_facts, visit_zone_facts): which (store, UTC day) buckets are marked
 * for recomputing. Triggers mark them as visits, tracks, faces, sales and cameras change; the analytics service
 * recomputes them (VisitFacts there).
 */
export class VisitFactsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Marks every day with a visit (of the tenant, or of everyone): a rebuild, e.g. after a bulk load. */
  async markAll(tenantId: string | null): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `WITH marked AS (
         INSERT INTO visit_facts_dirty (tenant_id, store_id, day)
         SELECT DISTINCT tenant_id, store_id, (started_at AT TIME ZONE 'UTC')::date FROM visits
         WHERE $1::uuid IS NULL OR tenant_id = $1
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM marked`,
      [tenantId],
    );
    return n;
  }

  /** Store days whose slices are still to rebuild, and people whose cell is still to recompute. */
  async slicesDirtyCount(tenantId: string | null): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM visit_slices_dirty WHERE $1::uuid IS NULL OR tenant_id = $1)::int
              + (SELECT count(*) FROM visit_people_dirty WHERE $1::uuid IS NULL OR tenant_id = $1)::int AS n`,
      [tenantId],
    );
    return n;
  }

  /** Days still to recompute. */
  async dirtyCount(tenantId: string | null): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM visit_facts_dirty WHERE $1::uuid IS NULL OR tenant_id = $1`,
      [tenantId],
    );
    return n;
  }
}
