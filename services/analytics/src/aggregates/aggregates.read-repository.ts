import { Inject, Injectable } from '@nestjs/common';
import type { IdentityCategory } from '@storelens/contracts';
import { DataSource } from 'typeorm';
import { AGE_BANDS, EMOTION_LABELS, GENDERS, PERSON_KIND, RollupRepository, type AgeBand } from '@storelens/db';
import type { GroupBy } from '../query-params';

export { AGE_BANDS, type AgeBand } from '@storelens/db';

export interface SummaryFilter {
  from: Date;
  to: Date;
  storeId?: string;
  cameraId?: string;
  zone?: string;
  groupBy: GroupBy;
  /** count distinct visitors (exact, over the presence rollup); false leaves them out (null) */
  visitors?: boolean;
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
  identifiedVisitors: number | null;
  anonymousVisitors: number | null;
  staffFaces: number;
  staffPeople: number | null;
  gender: { female: number; male: number };
  ageBands: Record<AgeBand, number>;
  ageByGender: { female: Record<AgeBand, number>; male: Record<AgeBand, number> };
  emotions: Record<string, number>;
}

/** One face sighting as the export shows it. */
export interface SightingRow {
  id: string;
  seenAt: Date;
  storeId: string;
  cameraId: string;
  zone: string | null;
  mediaId: string;
  frameId: string;
  status: 'identified' | 'unknown' | 'pending';
  identityId: string | null;
  identityCategory: IdentityCategory | null;
  visitorId: string | null;
  similarity: number | null;
  age: number | null;
  gender: 'female' | 'male' | null;
  emotion: string | null;
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

/** SQL per grouping over rollup-shaped rows `r` (hour, store_id, camera_id); fixed strings, never built from input. */
const GROUPINGS: Record<GroupBy, { key: string; labels: string; joins: string; order: string }> = {
  none: { key: `'all'`, labels: 'NULL AS "cameraName", NULL AS "storeId", NULL AS "storeName"', joins: '', order: '1' },
  hour: {
    key: 'r.hour',
    labels: 'NULL AS "cameraName", NULL AS "storeId", NULL AS "storeName"',
    joins: '',
    order: 't.k',
  },
  day: {
    key: `date_trunc('day', r.hour, 'UTC')`,
    labels: 'NULL AS "cameraName", NULL AS "storeId", NULL AS "storeName"',
    joins: '',
    order: 't.k',
  },
  camera: {
    key: 'r.camera_id',
    labels: 'lc.name AS "cameraName", ls.id AS "storeId", ls.name AS "storeName"',
    joins: `LEFT JOIN cameras lc ON lc.tenant_id = $1 AND lc.id = t.k::uuid
            LEFT JOIN stores ls ON ls.tenant_id = $1 AND ls.id = lc.store_id`,
    order: 'ls.name, lc.name, t.k',
  },
  store: {
    key: 'r.store_id',
    labels: 'NULL AS "cameraName", ls.id AS "storeId", ls.name AS "storeName"',
    joins: 'LEFT JOIN stores ls ON ls.tenant_id = $1 AND ls.id = t.k::uuid',
    order: 'ls.name, t.k',
  },
};

const COUNT_COLUMNS = [
  'faces',
  'identified',
  'unknown',
  'pending',
  'staff_faces',
  'female',
  'male',
  ...AGE_BANDS.map((b) => b.column),
  ...EMOTION_LABELS.map((e) => `emotion_${e}`),
  ...GENDERS.flatMap((g) => AGE_BANDS.map((b) => `${g}_${b.column}`)),
];

const HOUR_MS = 3_600_000;

/**
 * The hours [lo, hi) of a range that whole rollup buckets answer; the edges [from, lo) and [hi, to) are read from
 * the raw rows (at most two partial hours). A range inside one hour is read raw entirely (lo = hi = to).
 */
export function splitRange(from: Date, to: Date): { lo: Date; hi: Date } {
  const lo = Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS;
  const hi = Math.floor(to.getTime() / HOUR_MS) * HOUR_MS;
  return lo < hi ? { lo: new Date(lo), hi: new Date(hi) } : { lo: to, hi: to };
}

/**
 * The read side's aggregate SQL. Every query is scoped by tenant. Sightings are faces in camera (analysis) media,
 * placed in time by their frame's capture time; enrolment photos are not store traffic and are left out.
 */
@Injectable()
export class AggregatesReadRepository {
  private readonly rollups: RollupRepository;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.rollups = new RollupRepository(dataSource);
  }

  /** Brings the tenant's rollups up to date (the buckets written since the background refresh last ran). */
  async refreshRollups(tenantId: string): Promise<void> {
    await this.rollups.refreshAll(tenantId, 2000, 50);
  }

  /**
   * Counts per group from the hourly rollup (traffic_hourly) for the whole hours of the range and from raw faces
   * for its partial edge hours; distinct visitors from the presence rollup (presence_hourly) the same way. Staff
   * (by the category of the identity a face was attributed to) are counted apart and left out of visitors and
   * demographics. Exact: the same answer as counting the raw faces, without reading them.
   */
  async summary(tenantId: string, f: SummaryFilter): Promise<SummaryRow[]> {
    const g = GROUPINGS[f.groupBy];
    const { lo, hi } = splitRange(f.from, f.to);
    const params: unknown[] = [tenantId, f.from, f.to, lo, hi];
    const cams = ['c.tenant_id = $1'];
    if (f.storeId !== undefined) cams.push(`c.store_id = $${params.push(f.storeId)}`);
    if (f.cameraId !== undefined) cams.push(`c.id = $${params.push(f.cameraId)}`);
    if (f.zone !== undefined) cams.push(`c.zone = $${params.push(f.zone)}`);
    const edges = `(fr.captured_at >= $2 AND fr.captured_at < $4 OR fr.captured_at >= $5 AND fr.captured_at < $3)`;
    const staff = `s.category IS NOT DISTINCT FROM 'staff'`;
    const notStaff = `s.category IS DISTINCT FROM 'staff'`;
    const raw = `
      SELECT date_trunc('hour', fr.captured_at, 'UTC') AS hour, cam.store_id, cam.id AS camera_id, f.identity_id,
             f.visitor_id, f.decided_at, f.age, f.gender, f.emotion, i.category
      FROM cam
      JOIN media m ON m.tenant_id = $1 AND m.camera_id = cam.id AND m.purpose = 'analysis'
      JOIN frames fr ON fr.tenant_id = $1 AND fr.media_id = m.id AND ${edges}
      JOIN faces f ON f.tenant_id = $1 AND f.frame_id = fr.id
      LEFT JOIN identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id`;
    const rawCounts = [
      'count(*)',
      'count(*) FILTER (WHERE s.identity_id IS NOT NULL)',
      'count(*) FILTER (WHERE s.decided_at IS NOT NULL AND s.identity_id IS NULL)',
      'count(*) FILTER (WHERE s.decided_at IS NULL)',
      `count(*) FILTER (WHERE ${staff})`,
      `count(*) FILTER (WHERE ${notStaff} AND s.gender = 'female')`,
      `count(*) FILTER (WHERE ${notStaff} AND s.gender = 'male')`,
      ...AGE_BANDS.map(
        (b) =>
          `count(*) FILTER (WHERE ${notStaff} AND floor(s.age + 0.5) >= ${b.min}${b.max === null ? '' : ` AND floor(s.age + 0.5) < ${b.max}`})`,
      ),
      ...EMOTION_LABELS.map((e) => `count(*) FILTER (WHERE ${notStaff} AND s.emotion = '${e}')`),
      ...GENDERS.flatMap((g) =>
        AGE_BANDS.map(
          (b) =>
            `count(*) FILTER (WHERE ${notStaff} AND s.gender = '${g}' AND floor(s.age + 0.5) >= ${b.min}${b.max === null ? '' : ` AND floor(s.age + 0.5) < ${b.max}`})`,
        ),
      ),
    ];
    const visitors = f.visitors !== false;
    const sum = (c: string) => `sum(r.${c})::int AS ${c}`;
    const rows: (Omit<SummaryRow, 'gender' | 'ageBands' | 'ageByGender' | 'emotions'> & Record<string, number>)[] =
      await this.dataSource.query(
        `WITH cam AS (SELECT c.id, c.store_id FROM cameras c WHERE ${cams.join(' AND ')}),
         r AS (
           SELECT t.hour, t.store_id, t.camera_id, ${COUNT_COLUMNS.map((c) => `t.${c}`).join(', ')}
           FROM traffic_hourly t JOIN cam ON cam.id = t.camera_id
           WHERE t.tenant_id = $1 AND t.hour >= $4 AND t.hour < $5
           UNION ALL
           SELECT s.hour, s.store_id, s.camera_id, ${rawCounts.join(', ')}
           FROM (${raw}) s GROUP BY s.hour, s.store_id, s.camera_id
         ),
         t AS (SELECT ${g.key}::text AS k, ${COUNT_COLUMNS.map(sum).join(', ')} FROM r GROUP BY 1),
         v AS (${
           visitors
             ? `SELECT ${g.key}::text AS k,
                  count(DISTINCT r.person_id) FILTER (WHERE r.kind = 'identity')::int AS "identifiedVisitors",
                  count(DISTINCT r.person_id) FILTER (WHERE r.kind = 'visitor')::int AS "anonymousVisitors",
                  count(DISTINCT r.person_id) FILTER (WHERE r.kind = 'staff')::int AS "staffPeople"
                FROM (
                  SELECT p.hour, p.store_id, p.camera_id, p.person_id, p.kind
                  FROM presence_hourly p JOIN cam ON cam.id = p.camera_id
                  WHERE p.tenant_id = $1 AND p.hour >= $4 AND p.hour < $5
                  UNION ALL
                  SELECT s.hour, s.store_id, s.camera_id, coalesce(s.identity_id, s.visitor_id),
                         ${PERSON_KIND}
                  FROM (${raw}) s WHERE s.decided_at IS NOT NULL
                ) r GROUP BY 1`
             : `SELECT NULL::text AS k, NULL::int AS "identifiedVisitors", NULL::int AS "anonymousVisitors",
                       NULL::int AS "staffPeople" WHERE false`
         })
         SELECT ${f.groupBy === 'hour' || f.groupBy === 'day' ? 't.k::timestamptz' : 't.k'} AS key, ${g.labels},
                t.*, v."identifiedVisitors", v."anonymousVisitors", v."staffPeople"
         FROM t LEFT JOIN v ON v.k = t.k
         ${g.joins}
         WHERE t.faces > 0
         ORDER BY ${g.order}`,
        params,
      );
    return rows.map((r) => ({
      key: r.key,
      cameraName: r.cameraName,
      storeId: r.storeId,
      storeName: r.storeName,
      faces: r.faces,
      identified: r.identified,
      unknown: r.unknown,
      pending: r.pending,
      identifiedVisitors: visitors ? (r.identifiedVisitors ?? 0) : null,
      anonymousVisitors: visitors ? (r.anonymousVisitors ?? 0) : null,
      staffFaces: r.staff_faces!,
      staffPeople: visitors ? (r.staffPeople ?? 0) : null,
      gender: { female: r.female!, male: r.male! },
      ageBands: Object.fromEntries(AGE_BANDS.map((b) => [b.label, r[b.column] ?? 0])) as Record<AgeBand, number>,
      ageByGender: Object.fromEntries(
        GENDERS.map((g) => [g, Object.fromEntries(AGE_BANDS.map((b) => [b.label, r[`${g}_${b.column}`] ?? 0]))]),
      ) as SummaryRow['ageByGender'],
      emotions: Object.fromEntries(
        EMOTION_LABELS.filter((e) => (r[`emotion_${e}`] ?? 0) > 0).map((e) => [e, r[`emotion_${e}`]!]),
      ),
    }));
  }

  /**
   * One page of sightings in [from, to) in time order, after the keyset `after` (capture time, face id): an export
   * reads page after page and never holds more than one.
   */
  async facesPage(
    tenantId: string,
    f: { from: Date; to: Date; storeId?: string; cameraId?: string; zone?: string },
    after: { seenAt: Date; id: string } | null,
    pageSize: number,
  ): Promise<SightingRow[]> {
    const params: unknown[] = [tenantId, f.from, f.to];
    const where = ['f.tenant_id = $1', 'fr.captured_at >= $2', 'fr.captured_at < $3', `m.purpose = 'analysis'`];
    if (f.storeId !== undefined) where.push(`c.store_id = $${params.push(f.storeId)}`);
    if (f.cameraId !== undefined) where.push(`c.id = $${params.push(f.cameraId)}`);
    if (f.zone !== undefined) where.push(`c.zone = $${params.push(f.zone)}`);
    if (after) where.push(`(fr.captured_at, f.id) > ($${params.push(after.seenAt)}, $${params.push(after.id)})`);
    return this.dataSource.query(
      `SELECT f.id, fr.captured_at AS "seenAt", c.store_id AS "storeId", c.id AS "cameraId", c.zone,
              fr.media_id AS "mediaId", f.frame_id AS "frameId",
              CASE WHEN f.decided_at IS NULL THEN 'pending' WHEN f.identity_id IS NOT NULL THEN 'identified'
                   ELSE 'unknown' END AS status,
              f.identity_id AS "identityId", i.category AS "identityCategory", f.visitor_id AS "visitorId",
              f.similarity, f.age, f.gender, f.emotion
       FROM faces f
       JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       JOIN cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
       LEFT JOIN identities i ON i.tenant_id = f.tenant_id AND i.id = f.identity_id
       WHERE ${where.join(' AND ')}
       ORDER BY fr.captured_at, f.id
       LIMIT $${params.push(pageSize)}`,
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
