import { Inject, Injectable } from '@nestjs/common';
import type { IdentityCategory } from '@storelens/contracts';
import { DataSource } from 'typeorm';
import type { GroupBy } from '../query-params';

/** Age bands of the summary, by the age rounded as the labels show it; the last one is open-ended. */
export const AGE_BANDS = [
  { label: '0-9', min: 0, max: 10 },
  { label: '10-19', min: 10, max: 20 },
  { label: '20-29', min: 20, max: 30 },
  { label: '30-39', min: 30, max: 40 },
  { label: '40-49', min: 40, max: 50 },
  { label: '50-59', min: 50, max: 60 },
  { label: '60+', min: 60, max: null },
] as const;
export type AgeBand = (typeof AGE_BANDS)[number]['label'];

export interface SummaryFilter {
  from: Date;
  to: Date;
  storeId?: string;
  cameraId?: string;
  groupBy: GroupBy;
}

/** One group's counts. `key` is the hour (a Date), the camera or store id, or 'all' for groupBy=none. */
export interface SummaryRow {
  key: Date | string;
  cameraName: string | null;
  storeId: string | null;
  storeName: string | null;
  faces: number;
  identified: number;
  unknown: number;
  pending: number;
  identifiedVisitors: number;
  anonymousVisitors: number;
  staffFaces: number;
  staffPeople: number;
  gender: { female: number; male: number };
  ageBands: Record<AgeBand, number>;
  emotions: Record<string, number>;
}

export interface AlertRow {
  id: string;
  faceId: string;
  frameId: string;
  mediaId: string;
  seenAt: Date;
  similarity: number;
  identityId: string;
  identityName: string;
  identityCategory: IdentityCategory;
  cameraId: string | null;
  cameraName: string | null;
  storeId: string | null;
  storeName: string | null;
}

/** SQL per grouping; fixed strings chosen by the validated groupBy, never built from input. */
const GROUPINGS: Record<GroupBy, { key: string; labels: string; joins: string; order: string }> = {
  none: { key: `'all'`, labels: 'NULL AS "cameraName", NULL AS "storeId", NULL AS "storeName"', joins: '', order: '1' },
  hour: {
    key: `date_trunc('hour', fr.captured_at, 'UTC')`,
    labels: 'NULL AS "cameraName", NULL AS "storeId", NULL AS "storeName"',
    joins: '',
    order: 't.k',
  },
  camera: {
    key: 'c.id',
    labels: 'lc.name AS "cameraName", ls.id AS "storeId", ls.name AS "storeName"',
    joins: `LEFT JOIN cameras lc ON lc.tenant_id = $1 AND lc.id = t.k
            LEFT JOIN stores ls ON ls.tenant_id = $1 AND ls.id = lc.store_id`,
    order: 'ls.name, lc.name, t.k',
  },
  store: {
    key: 'c.store_id',
    labels: 'NULL AS "cameraName", ls.id AS "storeId", ls.name AS "storeName"',
    joins: 'LEFT JOIN stores ls ON ls.tenant_id = $1 AND ls.id = t.k',
    order: 'ls.name, t.k',
  },
};

const rounded = 'floor(s.age + 0.5)'; // as Math.round in the labels
const AGE_BAND_COUNTS = AGE_BANDS.map(
  (b) =>
    `'${b.label}', count(*) FILTER (WHERE NOT s.staff AND ${rounded} >= ${b.min}${b.max === null ? '' : ` AND ${rounded} < ${b.max}`})`,
).join(', ');

/**
 * The read side's aggregate SQL. Every query is scoped by tenant. Sightings are faces in camera (analysis) media,
 * placed in time by their frame's capture time; enrolment photos are not store traffic and are left out.
 */
@Injectable()
export class AggregatesReadRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * One statement: the sightings in [from, to) with their group key, counted per group; emotions are counted per
   * group and label in a second aggregate over the same sightings and joined back. Staff (by the category of the
   * identity a face was attributed to) are counted apart and left out of visitors and demographics.
   */
  async summary(tenantId: string, f: SummaryFilter): Promise<SummaryRow[]> {
    const g = GROUPINGS[f.groupBy];
    const params: unknown[] = [tenantId, f.from, f.to];
    const where = ['f.tenant_id = $1', 'fr.captured_at >= $2', 'fr.captured_at < $3', `m.purpose = 'analysis'`];
    if (f.storeId !== undefined) where.push(`c.store_id = $${params.push(f.storeId)}`);
    if (f.cameraId !== undefined) where.push(`c.id = $${params.push(f.cameraId)}`);
    return this.dataSource.query(
      `WITH s AS (
         SELECT ${g.key} AS k, f.identity_id, f.visitor_id, f.decided_at, f.age, f.gender, f.emotion,
                coalesce(i.category = 'staff', false) AS staff
         FROM faces f
         JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
         JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
         JOIN cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
         LEFT JOIN identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id
         WHERE ${where.join(' AND ')}
       ),
       t AS (
         SELECT s.k,
                count(*)::int AS faces,
                count(*) FILTER (WHERE s.identity_id IS NOT NULL)::int AS identified,
                count(*) FILTER (WHERE s.decided_at IS NOT NULL AND s.identity_id IS NULL)::int AS unknown,
                count(*) FILTER (WHERE s.decided_at IS NULL)::int AS pending,
                count(DISTINCT s.identity_id) FILTER (WHERE NOT s.staff)::int AS "identifiedVisitors",
                count(DISTINCT s.visitor_id) FILTER (WHERE s.identity_id IS NULL)::int AS "anonymousVisitors",
                count(*) FILTER (WHERE s.staff)::int AS "staffFaces",
                count(DISTINCT s.identity_id) FILTER (WHERE s.staff)::int AS "staffPeople",
                jsonb_build_object(
                  'female', count(*) FILTER (WHERE NOT s.staff AND s.gender = 'female'),
                  'male', count(*) FILTER (WHERE NOT s.staff AND s.gender = 'male')) AS gender,
                jsonb_build_object(${AGE_BAND_COUNTS}) AS "ageBands"
         FROM s GROUP BY s.k
       ),
       e AS (
         SELECT k, jsonb_object_agg(emotion, n) AS emotions
         FROM (SELECT s.k, s.emotion, count(*)::int AS n FROM s WHERE NOT s.staff AND s.emotion IS NOT NULL
               GROUP BY s.k, s.emotion) per_label
         GROUP BY k
       )
       SELECT t.k AS key, ${g.labels}, t.faces, t.identified, t.unknown, t.pending, t."identifiedVisitors",
              t."anonymousVisitors", t."staffFaces", t."staffPeople", t.gender, t."ageBands",
              coalesce(e.emotions, '{}'::jsonb) AS emotions
       FROM t
       LEFT JOIN e ON e.k = t.k
       ${g.joins}
       ORDER BY ${g.order}`,
      params,
    );
  }

  /** Watchlist sightings, newest first, of identities not deleted. */
  async alerts(tenantId: string, { since, limit }: { since?: Date; limit: number }): Promise<AlertRow[]> {
    const params: unknown[] = [tenantId];
    const where = ['a.tenant_id = $1'];
    if (since !== undefined) where.push(`a.seen_at >= $${params.push(since)}`);
    return this.dataSource.query(
      `SELECT a.id, a.face_id AS "faceId", f.frame_id AS "frameId", fr.media_id AS "mediaId", a.seen_at AS "seenAt",
              a.similarity, i.id AS "identityId", i.name AS "identityName", i.category AS "identityCategory",
              c.id AS "cameraId", c.name AS "cameraName", st.id AS "storeId", st.name AS "storeName"
       FROM alerts a
       JOIN identities i ON i.tenant_id = a.tenant_id AND i.id = a.identity_id AND i.deleted_at IS NULL
       JOIN faces f ON f.tenant_id = a.tenant_id AND f.id = a.face_id
       JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       LEFT JOIN cameras c ON c.tenant_id = a.tenant_id AND c.id = a.camera_id
       LEFT JOIN stores st ON st.tenant_id = c.tenant_id AND st.id = c.store_id
       WHERE ${where.join(' AND ')}
       ORDER BY a.seen_at DESC, a.id
       LIMIT $${params.push(limit)}`,
      params,
    );
  }
}
