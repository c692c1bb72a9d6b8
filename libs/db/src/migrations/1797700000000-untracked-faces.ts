import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The decided faces not yet tracked, by recording time: few at any moment (a decision's tracking runs right after
 * it), and what tells the tracker how far back a decision must read its run (`earliestUntracked`): tracking resumes
 * at the earliest of them in the run, else at the decided face, and only the faces within the gap before that matter.
 * On a busy camera, reading the whole minute before every decided face was tracking's costliest statement (8.9 ms a
 * call over a 10-minute soak).
 */
export class UntrackedFaces1797700000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX faces_untracked_idx ON faces (tenant_id, captured_at)
        WHERE track_id IS NULL AND decided_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX faces_untracked_idx`);
  }
}
