import type { DataSource, Repository } from 'typeorm';
import { Alert } from '../entities';

export interface NewAlert {
  faceId: string;
  identityId: string;
  cameraId: string | null;
  similarity: number;
  seenAt: Date;
}

export class AlertRepository {
  private readonly alerts: Repository<Alert>;

  constructor(private readonly dataSource: DataSource) {
    this.alerts = dataSource.getRepository(Alert);
  }

  /** Records a watchlist sighting; true only the first time for this face, so a replayed job alerts once. */
  async record(tenantId: string, a: NewAlert): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO alerts (tenant_id, face_id, identity_id, camera_id, similarity, seen_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (face_id) DO NOTHING RETURNING id`,
      [tenantId, a.faceId, a.identityId, a.cameraId, a.similarity, a.seenAt],
    );
    return rows.length > 0;
  }

  /** Newest first. */
  async list(tenantId: string, { since, limit = 100 }: { since?: Date; limit?: number } = {}): Promise<Alert[]> {
    const q = this.alerts.createQueryBuilder('a').where('a.tenant_id = :tenantId', { tenantId });
    if (since) q.andWhere('a.seen_at >= :since', { since });
    return q.orderBy('a.seen_at', 'DESC').take(limit).getMany();
  }
}
