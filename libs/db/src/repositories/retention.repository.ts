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

  /** Deletes the media row; frames, faces, vectors and alerts go with it (ON DELETE CASCADE). */
  async deleteMedia(tenantId: string, mediaId: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM media WHERE tenant_id = $1 AND id = $2 AND purpose = 'analysis'`,
      [tenantId, mediaId],
    );
    return affected > 0;
  }
}
