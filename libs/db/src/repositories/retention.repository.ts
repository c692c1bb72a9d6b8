import type { DataSource } from 'typeorm';

export interface ExpiredMedia {
  tenantId: string;
  mediaId: string;
  objectKey: string;
  /** the S3 keys of the media's frames: crops and renderings sit beside them under the same stem */
  frameKeys: string[];
}

/**
 * Retention: camera media past its `expires_at`, across tenants (the one maintenance query that is not scoped to a
 * tenant, because expiry is). Enrolment photos are the gallery and go only with their identity.
 */
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async expired(now: Date, limit = 100): Promise<ExpiredMedia[]> {
    const rows: { tenant_id: string; id: string; object_key: string; frame_keys: string[] | null }[] =
      await this.dataSource.query(
        `SELECT m.tenant_id, m.id, m.object_key,
                array_remove(array_agg(f.object_key ORDER BY f."index"), NULL) AS frame_keys
         FROM media m LEFT JOIN frames f ON f.media_id = m.id AND f.tenant_id = m.tenant_id
         WHERE m.purpose = 'analysis' AND m.expires_at IS NOT NULL AND m.expires_at <= $1
         GROUP BY m.tenant_id, m.id, m.object_key
         ORDER BY min(m.expires_at)
         LIMIT $2`,
        [now, limit],
      );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      mediaId: r.id,
      objectKey: r.object_key,
      frameKeys: r.frame_keys ?? [],
    }));
  }

  /**
   * Forgets the centroid vectors whose faces are gone: a track's once none of its faces is left, then a visitor's
   * once none of its tracks keeps a vector. The rows stay (visits, dwell and zones remain countable). Returns how
   * many of each were forgotten.
   */
  async forgetOrphanCentroids(): Promise<{ tracks: number; visitors: number }> {
    const [, tracks]: [unknown, number] = await this.dataSource.query(
      `UPDATE tracks t SET centroid = NULL, updated_at = now()
       WHERE t.centroid IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.tenant_id = t.tenant_id AND f.track_id = t.id)`,
    );
    const [, visitors]: [unknown, number] = await this.dataSource.query(
      `UPDATE visitors v SET centroid = NULL, updated_at = now()
       WHERE v.centroid IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM tracks t
                         WHERE t.tenant_id = v.tenant_id AND t.visitor_id = v.id AND t.centroid IS NOT NULL)`,
    );
    return { tracks, visitors };
  }

  /** Deletes the media row; frames, faces, vectors and alerts go with it (ON DELETE CASCADE). */
  async deleteMedia(tenantId: string, mediaId: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM media WHERE tenant_id = $1 AND id = $2 AND purpose = 'analysis'`,
      [tenantId, mediaId],
    );
    return affected > 0;
  }
}
