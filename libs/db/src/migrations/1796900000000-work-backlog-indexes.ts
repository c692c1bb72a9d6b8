import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partial indexes for the reconciler's sweep (WorkBacklogRepository): it looks every 30 s for unfinished media,
 * frames and faces, which are a sliver of the tables once the pipeline has caught up. Indexing only those rows keeps
 * each sweep an index scan over the backlog, not a scan over every frame and face ever stored.
 */
export class WorkBacklogIndexes1796900000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX media_unfinished_idx ON media (created_at) WHERE status IN ('queued', 'processing')`);
    await q.query(`CREATE INDEX frames_unfinished_idx ON frames (created_at) WHERE status IN ('queued', 'processing')`);
    await q.query(
      `CREATE INDEX faces_undecided_idx ON faces (created_at)
       WHERE decided_at IS NULL OR attribute_model_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS faces_undecided_idx');
    await q.query('DROP INDEX IF EXISTS frames_unfinished_idx');
    await q.query('DROP INDEX IF EXISTS media_unfinished_idx');
  }
}
