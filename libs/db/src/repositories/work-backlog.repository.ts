import type { DataSource } from 'typeorm';

/** A media whose frames have not all been sampled: its ingest job is due. */
export interface MediaToSample {
  tenantId: string;
  mediaId: string;
}

/** A frame not yet through detection. */
export interface FrameToDetect {
  tenantId: string;
  frameId: string;
}

export interface FaceToProcess {
  tenantId: string;
  faceId: string;
}

/** A face with its vector and no decision yet: classified, or enrolled when it comes from an enrolment photo. */
export interface FaceToDecide extends FaceToProcess {
  mediaId: string;
  purpose: 'analysis' | 'enrolment';
  identityId: string | null;
}

/** A media past its deadline with something still unfinished. */
export interface OverdueMedia {
  tenantId: string;
  mediaId: string;
  sampled: boolean;
  unfinishedFrames: number;
  pendingFaces: number;
}

/** Rows per kind looked at in one sweep: bounds a sweep's time and memory; the next sweep takes the rest. */
export const BACKLOG_BATCH = 2000;

/** Live media: not failed (a failed media's remaining work is dropped, not re-sent). */
const LIVE_MEDIA = `m.status <> 'failed'`;

/**
 * Postgres as the record of work: what each stage still owes, read from the rows the stages leave behind. The
 * reconciler compares this with what the queues hold. Oldest first, each kind capped at BACKLOG_BATCH.
 * Reads across tenants by design (it serves the whole platform); every row it returns names its tenant.
 */
export class WorkBacklogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async mediaToSample(limit = BACKLOG_BATCH): Promise<MediaToSample[]> {
    return this.dataSource.query(
      `SELECT m.tenant_id AS "tenantId", m.id AS "mediaId" FROM media m
       WHERE m.status IN ('queued', 'processing') AND m.frame_count IS NULL
       ORDER BY m.created_at LIMIT $1`,
      [limit],
    );
  }

  async framesToDetect(limit = BACKLOG_BATCH): Promise<FrameToDetect[]> {
    return this.dataSource.query(
      `SELECT fr.tenant_id AS "tenantId", fr.id AS "frameId" FROM frames fr
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       WHERE fr.status IN ('queued', 'processing') AND ${LIVE_MEDIA}
       ORDER BY fr.created_at, fr."index" LIMIT $1`,
      [limit],
    );
  }

  /** Faces of live frames without a vector (and no decision, which an enrolled face may have without one). */
  async facesToEmbed(limit = BACKLOG_BATCH): Promise<FaceToProcess[]> {
    return this.dataSource.query(
      `${FACES_OF_LIVE_FRAMES}
       WHERE f.decided_at IS NULL AND fr.status <> 'failed' AND ${LIVE_MEDIA}
         AND NOT EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id)
       ORDER BY f.created_at LIMIT $1`,
      [limit],
    );
  }

  async facesToDescribe(limit = BACKLOG_BATCH): Promise<FaceToProcess[]> {
    return this.dataSource.query(
      `${FACES_OF_LIVE_FRAMES}
       WHERE f.attribute_model_id IS NULL AND fr.status <> 'failed' AND ${LIVE_MEDIA}
       ORDER BY f.created_at LIMIT $1`,
      [limit],
    );
  }

  async facesToDecide(limit = BACKLOG_BATCH): Promise<FaceToDecide[]> {
    return this.dataSource.query(
      `SELECT f.tenant_id AS "tenantId", f.id AS "faceId", m.id AS "mediaId", m.purpose,
              m.identity_id AS "identityId"
       FROM faces f
       JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       WHERE f.decided_at IS NULL AND fr.status <> 'failed' AND ${LIVE_MEDIA}
         AND EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id)
       ORDER BY f.created_at LIMIT $1`,
      [limit],
    );
  }

  /** Media uploaded before `createdBefore` that are still not finished (the same rule as the API's status). */
  async overdueMedia(createdBefore: Date, limit = BACKLOG_BATCH): Promise<OverdueMedia[]> {
    return this.dataSource.query(
      `SELECT m.tenant_id AS "tenantId", m.id AS "mediaId", (m.frame_count IS NOT NULL) AS sampled,
              p.unfinished_frames AS "unfinishedFrames", p.pending_faces AS "pendingFaces"
       FROM media m
       CROSS JOIN LATERAL (
         SELECT count(DISTINCT fr.id)::int AS frames,
                count(DISTINCT fr.id) FILTER (WHERE fr.status NOT IN ('done', 'failed'))::int AS unfinished_frames,
                count(f.id) FILTER (WHERE fr.status <> 'failed'
                                      AND (f.attribute_model_id IS NULL OR f.decided_at IS NULL))::int AS pending_faces
         FROM frames fr
         LEFT JOIN faces f ON f.tenant_id = fr.tenant_id AND f.frame_id = fr.id
         WHERE fr.tenant_id = m.tenant_id AND fr.media_id = m.id
       ) p
       WHERE m.status IN ('queued', 'processing') AND m.created_at < $1
         AND (m.frame_count IS NULL OR p.frames < m.frame_count OR p.unfinished_frames > 0 OR p.pending_faces > 0)
       ORDER BY m.created_at LIMIT $2`,
      [createdBefore, limit],
    );
  }

  /**
   * Runs `work` while holding a Postgres advisory lock (session level, on a connection of its own), so that of many
   * replicas only one sweeps at a time; the lock goes with the connection if the process dies. Returns false,
   * without running `work`, when another process holds it.
   */
  async withSweepLock(lockId: number, work: () => Promise<void>): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [lockId])) as {
        locked: boolean;
      }[];
      if (!row?.locked) return false;
      try {
        await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
      }
      return true;
    } finally {
      await runner.release();
    }
  }
}

const FACES_OF_LIVE_FRAMES = `
  SELECT f.tenant_id AS "tenantId", f.id AS "faceId" FROM faces f
  JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
  JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id`;
