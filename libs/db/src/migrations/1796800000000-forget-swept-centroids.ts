import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A track's and a visitor's centroid are face vectors too: when retention sweeps the faces they came from, the
 * sweep forgets the vectors (sets them NULL) and keeps the rows, so visits, dwell and zones stay countable while
 * nothing biometric outlives its media. A visitor without a centroid can no longer be recognised: someone who comes
 * back after the retention period is a new visitor.
 */
export class ForgetSweptCentroids1796800000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracks ALTER COLUMN centroid DROP NOT NULL`);
    await q.query(`ALTER TABLE visitors ALTER COLUMN centroid DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM tracks WHERE centroid IS NULL`);
    await q.query(`DELETE FROM visitors WHERE centroid IS NULL`);
    await q.query(`ALTER TABLE tracks ALTER COLUMN centroid SET NOT NULL`);
    await q.query(`ALTER TABLE visitors ALTER COLUMN centroid SET NOT NULL`);
  }
}
