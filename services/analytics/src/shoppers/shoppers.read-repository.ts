import { Inject, Injectable } from '@nestjs/common';
import type { IdentityCategory } from '@storelens/contracts';
import { DataSource } from 'typeorm';

export interface VisitRecord {
  id: string;
  storeId: string;
  personKey: string;
  visitorId: string | null;
  identity: { id: string; name: string; category: IdentityCategory } | null;
  startedAt: Date;
  endedAt: Date;
  /** The person had a visit to any of the tenant's stores in the return window before this one started. */
  returning: boolean;
}

export interface VisitTrackRecord {
  id: string;
  visitId: string;
  cameraId: string;
  startedAt: Date;
  endedAt: Date;
  intervalMs: number;
}

/** One face of a visit, with what the attribute model said. */
export interface VisitFaceRecord {
  visitId: string;
  cameraId: string;
  gender: 'female' | 'male' | null;
  genderConfidence: number | null;
  age: number | null;
  emotion: string | null;
}

export interface CameraRecord {
  id: string;
  storeId: string;
  name: string;
  role: string;
  zone: string | null;
}

/** Which visits an aggregate counts: those of these stores that started in [from, to). */
export interface FactsScope {
  storeIds: readonly string[];
  from: Date;
  to: Date;
}

/** The read side of tracks and visits (written by classification). Every query is scoped by tenant. */
@Injectable()
export class ShoppersReadRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Visits that started in [from, to), of one store or all, or of one identity; earliest first. */
  async visits(
    tenantId: string,
    q: { storeIds: readonly string[]; from: Date; to: Date; identityId?: string },
    returnWindowMs: number,
  ): Promise<VisitRecord[]> {
    const rows: (Omit<VisitRecord, 'identity'> & {
      identityId: string | null;
      name: string | null;
      category: IdentityCategory | null;
    })[] = await this.dataSource.query(
      `SELECT v.id, v.store_id AS "storeId", v.person_key AS "personKey", v.visitor_id AS "visitorId",
              v.identity_id AS "identityId", i.name, i.category, v.started_at AS "startedAt", v.ended_at AS "endedAt",
              EXISTS (SELECT 1 FROM visits p
                      WHERE p.tenant_id = v.tenant_id AND p.person_key = v.person_key
                        AND p.started_at < v.started_at
                        AND p.started_at >= v.started_at - make_interval(secs => $6::double precision / 1000)) AS returning
       FROM visits v
       LEFT JOIN identities i ON i.tenant_id = v.tenant_id AND i.id = v.identity_id
       WHERE v.tenant_id = $1 AND v.store_id = ANY($2) AND v.started_at >= $3 AND v.started_at < $4
         AND ($5::uuid IS NULL OR v.identity_id = $5)
       ORDER BY v.started_at, v.id`,
      [tenantId, q.storeIds, q.from, q.to, q.identityId ?? null, returnWindowMs],
    );
    return rows.map(({ identityId, name, category, ...v }) => ({
      ...v,
      identity: identityId && name && category ? { id: identityId, name, category } : null,
    }));
  }

  async tracksOf(tenantId: string, visitIds: readonly string[]): Promise<VisitTrackRecord[]> {
    if (visitIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT id, visit_id AS "visitId", camera_id AS "cameraId", started_at AS "startedAt", ended_at AS "endedAt",
              interval_ms AS "intervalMs"
       FROM tracks WHERE tenant_id = $1 AND visit_id = ANY($2) ORDER BY started_at, id`,
      [tenantId, visitIds],
    );
  }

  async facesOf(tenantId: string, visitIds: readonly string[]): Promise<VisitFaceRecord[]> {
    if (visitIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT t.visit_id AS "visitId", t.camera_id AS "cameraId", f.gender, f.gender_confidence AS "genderConfidence",
              f.age, f.emotion
       FROM tracks t JOIN faces f ON f.tenant_id = t.tenant_id AND f.track_id = t.id
       WHERE t.tenant_id = $1 AND t.visit_id = ANY($2)`,
      [tenantId, visitIds],
    );
  }

  /** Sales of these stores in [from, to). */
  async salesCount(tenantId: string, q: FactsScope): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM transactions WHERE tenant_id = $1 AND store_id = ANY($2) AND at >= $3 AND at < $4`,
      [tenantId, q.storeIds, q.from, q.to],
    );
    return n;
  }

  async cameras(tenantId: string, storeIds: readonly string[]): Promise<CameraRecord[]> {
    return this.dataSource.query(
      `SELECT id, store_id AS "storeId", name, role, zone FROM cameras
       WHERE tenant_id = $1 AND store_id = ANY($2) ORDER BY name, id`,
      [tenantId, storeIds],
    );
  }

  async stores(tenantId: string, storeId?: string): Promise<{ id: string; timezone: string }[]> {
    return this.dataSource.query(
      `SELECT id, timezone FROM stores WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY id`,
      [tenantId, storeId ?? null],
    );
  }
}
