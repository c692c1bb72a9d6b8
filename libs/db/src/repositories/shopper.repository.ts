import { absorbCentroid, type TrackSums } from '@storelens/tracking';
import { toSql } from 'pgvector';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_VECTOR_SEARCH, vectorSearchSettingsOf } from '../data-source';
import { preparedRows } from '../prepared';
import {
  dataSourceOf,
  efSearchFor,
  tenantGraphRows,
  vectorAsBytes,
  vectorFromBytes,
  withEfSearch,
} from '../vector-search';

/** The subset of DataSource and EntityManager the queries need, so one class serves both, in or out of a transaction. */
type Queryable = Pick<DataSource | EntityManager, 'query' | 'transaction'>;

/**
 * Visitors read per search for the nearest: a few, so that a relaxed_order scan (rows slightly out of order) cannot
 * hide the nearest behind the first row; the search costs the same (ef_search candidates are walked either way).
 */
export const VISITOR_NEIGHBOURS = 10;

/** nearestVisitors' SQL (the bench runs it with index scans off for the exact answer). */
export function nearestVisitorsQuery(
  tenantId: string,
  vector: readonly number[],
  modelId: string,
  k: number,
): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT id AS "visitorId", identity_id AS "identityId", centroid <=> $2::vector AS distance
          FROM visitors WHERE tenant_id = $1 AND model_id = $3 AND centroid IS NOT NULL
          ORDER BY centroid <=> $2::vector LIMIT $4`,
    params: [tenantId, toSql([...vector]), modelId, k],
  };
}

/** A decided camera face as tracking reads it. */
export interface CameraFaceRow {
  faceId: string;
  frameId: string;
  mediaId: string;
  frameIndex: number;
  faceIndex: number;
  at: Date;
  box: { x: number; y: number; w: number; h: number };
  embedding: number[];
  modelId: string;
  /** The face's nearest identities, best first (null for faces decided before tracks existed). */
  matches: { identityId: string; similarity: number }[] | null;
  trackId: string | null;
}

/** A camera face's place in recording order and its track: what finding a run of faces needs, without the vectors. */
export type CameraFaceKey = Pick<
  CameraFaceRow,
  'faceId' | 'frameId' | 'mediaId' | 'frameIndex' | 'faceIndex' | 'at' | 'trackId'
>;

/** A track as stored: one person in consecutive frames of one camera. */
export interface TrackRow {
  id: string;
  storeId: string;
  cameraId: string;
  firstFaceId: string;
  startedAt: Date;
  endedAt: Date;
  intervalMs: number;
  faceCount: number;
  /** The mean of its faces' vectors; null once retention has swept those faces. */
  centroid: number[] | null;
  modelId: string;
  identityId: string | null;
  similarity: number | null;
  visitorId: string | null;
  /** Who the track counts for: `identity:<id>` or `visitor:<id>`; null for staff (never a shopper) or undecided. */
  personKey: string | null;
  visitId: string | null;
}

export type NewTrack = Omit<TrackRow, 'visitorId' | 'personKey' | 'visitId' | 'centroid'> & {
  centroid: number[];
  /**
   * what its summary was made from, written only if the row's sums are still at `sumsVersion` (null: read as a new
   * row); none: the next decision sums the track up from its faces
   */
  sums?: TrackSums;
  sumsVersion?: number | null;
};

export interface VisitorMatch {
  visitorId: string;
  identityId: string | null;
  similarity: number;
}

export interface VisitRow {
  id: string;
  storeId: string;
  personKey: string;
  identityId: string | null;
  visitorId: string | null;
  startedAt: Date;
  endedAt: Date;
  trackCount: number;
}

const TRACK_COLUMNS = `t.id, t.store_id AS "storeId", t.camera_id AS "cameraId", t.first_face_id AS "firstFaceId",
  t.started_at AS "startedAt", t.ended_at AS "endedAt", t.interval_ms AS "intervalMs", t.face_count AS "faceCount",
  ${vectorAsBytes('t.centroid')} AS centroid, t.model_id AS "modelId", t.identity_id AS "identityId", t.similarity,
  t.visitor_id AS "visitorId", t.person_key AS "personKey", t.visit_id AS "visitId"`;

/** What places a face in recording order, and its track (`CameraFaceKey`). */
const FACE_PLACE_COLUMNS = `f.id AS "faceId", f.frame_id AS "frameId", fr.media_id AS "mediaId",
  fr."index" AS "frameIndex", f.face_index AS "faceIndex", fr.captured_at AS at, f.track_id AS "trackId"`;

/**
 * A face's place in recording order as the tracker compares places (`compareFaces`): recording time to the
 * millisecond (what it reads), then media, frame and face index, then id.
 */
const PLACE = [`date_trunc('milliseconds', fr.captured_at)`, 'fr.media_id', 'fr."index"', 'f.face_index', 'f.id'];

/**
 * The tracker's faces: decided and embedded, in recording order; `where` over frames fr and faces f, and media m
 * when `byCamera` (a camera's faces are found through their media). Faces asked for by id or track need no media:
 * joined anyway, on a new tenant's empty statistics the planner walked the tenant's media for every face.
 */
const trackerFacesSql = (columns: string, where: string, { byCamera = false } = {}) =>
  `SELECT ${columns}
   FROM ${byCamera ? 'media m JOIN frames fr ON fr.tenant_id = m.tenant_id AND fr.media_id = m.id' : 'frames fr'}
   JOIN faces f ON f.tenant_id = fr.tenant_id AND f.frame_id = fr.id
   JOIN face_embeddings e ON e.tenant_id = f.tenant_id AND e.face_id = f.id
   WHERE ${where} AND f.decided_at IS NOT NULL
   ORDER BY fr.captured_at, fr.media_id, fr."index", f.face_index`;

const trackOf = (r: Omit<TrackRow, 'centroid'> & { centroid: Buffer | null }): TrackRow => ({
  ...r,
  centroid: r.centroid === null ? null : vectorFromBytes(r.centroid),
});

/**
 * Tracks, anonymous visitors and visits: the shopper model derived from decided faces. Writers recompute a piece
 * of it inside `locked`, which holds a transaction-scoped advisory lock per key, so two workers never interleave
 * on the same camera (tracks) or tenant (visitors, visits); everything derived is written idempotently (ids from
 * the first face or track, upserts), so a replay writes the same rows.
 */
export class ShopperRepository {
  constructor(private readonly db: Queryable) {}

  /** Runs `work` in one transaction holding the advisory locks of `keys`, taken in the order given. */
  async locked<T>(keys: readonly string[], work: (tx: ShopperRepository) => Promise<T>): Promise<T> {
    return this.db.transaction(async (m) => {
      for (const key of keys) await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
      return work(new ShopperRepository(m));
    });
  }

  /** Takes one more advisory lock inside a transaction begun by `locked`. */
  async lock(key: string): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
  }

  /**
   * The run of faces around a decided one, as the tracker continues it: among the camera's decided, embedded faces
   * recorded in [from, to], in recording order, the run is those no more than `gapMs` apart in a row that holds
   * `faceId`. Tracking resumes at the run's first face that is `faceId` or has no track yet (its own tracking has not
   * run), moved back to the first face of its frame; returned are the faces from there to the run's end, after the
   * faces of the run within `gapMs` before it (whose tracks may go on). Their places and tracks only. `atEnd`: the run
   * may go on past `to` (its last face is the window's last, within `gapMs` of `to`). Null when the face is not in
   * the window (erased meanwhile).
   *
   * The run is found here: a busy camera has hundreds of faces in the window (at the bench soak's rate ~1,000 in the
   * two minutes, by arithmetic), and reading them all into the service, for the few a decision links again, made
   * every decision parse and hold them all.
   */
  async cameraRun(
    tenantId: string,
    cameraId: string,
    faceId: string,
    window: { from: Date; to: Date },
    gapMs: number,
  ): Promise<{ faces: CameraFaceKey[]; resume: number; atEnd: boolean } | null> {
    const rows = await this.prepared<CameraFaceKey & { resumed: boolean; atEnd: boolean }>(
      'storelens_tracker_camera_run',
      // The window's faces as the tracker reads them (trackerFacesSql, ordered by recording time: on a new tenant's
      // empty statistics that order leads the planner from the frames' time index; joined in any other order, every
      // face walked every media and frame of the window, 67 ms for 76 faces), then in one more sort their places in
      // the tracker's order, each face's gap to the one before and the window's last face.
      `WITH w AS (
         SELECT k.*, row_number() OVER o AS n, count(*) OVER () AS total,
                CASE WHEN k.ms - lag(k.ms) OVER o > $6 * interval '1 millisecond' THEN 1 ELSE 0 END AS brk
         FROM (${trackerFacesSql(
           `${FACE_PLACE_COLUMNS}, ${PLACE[0]} AS ms`,
           `m.tenant_id = $1 AND m.camera_id = $2 AND m.purpose = 'analysis' AND fr.captured_at BETWEEN $3 AND $4`,
           { byCamera: true },
         )}) k
         WINDOW o AS (ORDER BY k.ms, k."mediaId", k."frameIndex", k."faceIndex", k."faceId")
       ), runs AS (
         SELECT w.*, sum(brk) OVER (ORDER BY n) AS run FROM w
       ), seg AS (
         SELECT * FROM (SELECT runs.*, max(CASE WHEN "faceId" = $5 THEN run END) OVER () AS mine FROM runs) r
         WHERE run = mine
       -- computed once: in the plan a prepared statement keeps (made without the values, so the run's size is
       -- unknown to it), the resume point inlined here was computed again for every face of the run (50 ms for 1,200)
       ), resume AS MATERIALIZED (
         SELECT min(n) AS n, min(ms) AS ms FROM seg
         WHERE "frameId" = (SELECT "frameId" FROM seg WHERE "faceId" = $5 OR "trackId" IS NULL ORDER BY n LIMIT 1)
       )
       SELECT "faceId", "frameId", "mediaId", "frameIndex", "faceIndex", at, "trackId", seg.n >= resume.n AS resumed,
              seg.n = seg.total AND date_trunc('milliseconds', $4::timestamptz) - seg.ms <= $6 * interval '1 millisecond'
                AS "atEnd"
       FROM seg, resume
       WHERE seg.n >= resume.n OR resume.ms - seg.ms <= $6 * interval '1 millisecond'
       ORDER BY seg.n`,
      [tenantId, cameraId, window.from, window.to, faceId, gapMs],
    );
    if (rows.length === 0) return null;
    const faces = rows.map(({ resumed: _r, atEnd: _e, ...key }) => key);
    return { faces, resume: rows.findIndex((r) => r.resumed), atEnd: rows.at(-1)!.atEnd };
  }

  /**
   * When the camera's earliest decided, embedded face recorded in [from, before) that has no track yet (its tracking
   * has not run) was recorded; null for none. Tracking may resume there, so a decision reads its run from there on:
   * else from the gap before its own face. Found by the index of such faces (few at any moment), not by walking the
   * camera's faces.
   */
  async earliestUntracked(tenantId: string, cameraId: string, from: Date, before: Date): Promise<Date | null> {
    const rows = await this.prepared<{ at: Date | null }>(
      'storelens_tracker_earliest_untracked',
      `SELECT min(f.captured_at) AS at
       FROM faces f
       JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       WHERE f.tenant_id = $1 AND f.track_id IS NULL AND f.decided_at IS NOT NULL
         AND f.captured_at >= $3 AND f.captured_at < $4
         AND m.camera_id = $2 AND m.purpose = 'analysis'
         AND EXISTS (SELECT 1 FROM face_embeddings e WHERE e.tenant_id = f.tenant_id AND e.face_id = f.id)`,
      [tenantId, cameraId, from, before],
    );
    return rows[0]?.at ?? null;
  }

  /** These decided, embedded faces whole (boxes, vectors, matches), in recording order. */
  async facesById(tenantId: string, faceIds: readonly string[]): Promise<CameraFaceRow[]> {
    if (faceIds.length === 0) return [];
    return this.trackerFaces('storelens_tracker_faces_by_id', `f.tenant_id = $1 AND f.id = ANY($2)`, [
      tenantId,
      faceIds,
    ]);
  }

  /**
   * The latest `perTrack` faces of each of these tracks recorded before `place` (in recording order, at the
   * millisecond the tracker reads), whole: what continuing a track needs (its last face and how its person looked
   * lately), however long the track is.
   */
  async trackTails(
    tenantId: string,
    trackIds: readonly string[],
    place: Pick<CameraFaceRow, 'faceId' | 'at' | 'mediaId' | 'frameIndex' | 'faceIndex'>,
    perTrack: number,
  ): Promise<CameraFaceRow[]> {
    if (trackIds.length === 0) return [];
    // The latest faces picked by their places alone, so that only theirs of the track's vectors are read, and among
    // few: those recorded from the millisecond of the track's perTrack-th latest face before the place's millisecond
    // on (faces before that millisecond have at least perTrack faces after them), found by the track's time index
    // (`faces.captured_at`) however long the track is. Sorted by place, the faces of the place's own millisecond and
    // of that one fall in order. The ids as one array computed first (an IN here let the planner walk every face of
    // the tenant, on fresh statistics).
    return this.trackerFaces(
      'storelens_tracker_track_tails',
      `f.tenant_id = $1 AND f.id = ANY(ARRAY(
         WITH b AS MATERIALIZED (
           SELECT t.id, COALESCE((
             SELECT date_trunc('milliseconds', g.captured_at) FROM faces g
             WHERE g.tenant_id = $1 AND g.track_id = t.id AND g.decided_at IS NOT NULL
               AND g.captured_at < date_trunc('milliseconds', $3::timestamptz)
               AND EXISTS (SELECT 1 FROM face_embeddings e WHERE e.tenant_id = g.tenant_id AND e.face_id = g.id)
             ORDER BY g.captured_at DESC OFFSET $8 - 1 LIMIT 1), '-infinity') AS since
           FROM unnest($2::uuid[]) AS t(id))
         SELECT id FROM (
           SELECT f.id, row_number() OVER (PARTITION BY f.track_id ORDER BY ${PLACE.map((p) => `${p} DESC`).join(', ')}) AS recent
           -- each track's faces from its own bound on (OFFSET 0 keeps the planner from joining them the other way
           -- round: on fresh statistics it walked every face of the track and looked each one's track up)
           FROM b CROSS JOIN LATERAL (
             SELECT * FROM faces f WHERE f.tenant_id = $1 AND f.track_id = b.id AND f.captured_at >= b.since
               AND f.captured_at < date_trunc('milliseconds', $3::timestamptz) + interval '1 millisecond'
             OFFSET 0) f
           JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
           WHERE f.decided_at IS NOT NULL
             AND EXISTS (SELECT 1 FROM face_embeddings e WHERE e.tenant_id = f.tenant_id AND e.face_id = f.id)
             AND (${PLACE.join(', ')}) < ($3::timestamptz, $4::uuid, $5::int, $6::int, $7::uuid)
         ) latest WHERE recent <= $8))`,
      [tenantId, trackIds, place.at, place.mediaId, place.frameIndex, place.faceIndex, place.faceId, perTrack],
    );
  }

  /**
   * The sums each of these stored tracks keeps (`TrackSums`; null once something besides tracking changed its faces),
   * the version they were read at (an `upsertTracks` writes sums only over that version), and how many faces are on
   * the track now: sums that count otherwise are not used.
   */
  async trackSums(
    tenantId: string,
    trackIds: readonly string[],
  ): Promise<Map<string, { sums: TrackSums | null; version: number; faces: number }>> {
    if (trackIds.length === 0) return new Map();
    const rows = await this.prepared<{ id: string; sums: TrackSums | null; version: number; faces: number }>(
      'storelens_tracker_track_sums',
      `SELECT t.id, t.sums, t.sums_version AS version,
              (SELECT count(*)::int FROM faces f WHERE f.tenant_id = t.tenant_id AND f.track_id = t.id) AS faces
       FROM tracks t WHERE t.tenant_id = $1 AND t.id = ANY($2)`,
      [tenantId, trackIds],
    );
    return new Map(rows.map(({ id, ...r }) => [id, r]));
  }

  /**
   * Every decided, embedded face of these tracks, whole: what summing a track up again needs (its sums forgotten).
   * The ids as one array computed first, as in `trackTails`.
   */
  async trackFaces(tenantId: string, trackIds: readonly string[]): Promise<CameraFaceRow[]> {
    if (trackIds.length === 0) return [];
    return this.trackerFaces(
      'storelens_tracker_track_faces',
      `f.tenant_id = $1 AND f.id = ANY(ARRAY(SELECT id FROM faces WHERE tenant_id = $1 AND track_id = ANY($2)))`,
      [tenantId, trackIds],
    );
  }

  private async trackerFaces(name: string, where: string, params: unknown[]): Promise<CameraFaceRow[]> {
    const rows = await this.prepared<
      Omit<CameraFaceRow, 'embedding' | 'box'> & { embedding: Buffer; x: number; y: number; w: number; h: number }
    >(
      name,
      trackerFacesSql(
        `${FACE_PLACE_COLUMNS}, f.box_x AS x, f.box_y AS y, f.box_w AS w, f.box_h AS h,
         ${vectorAsBytes('e.embedding')} AS embedding, e.model_id AS "modelId", f.matches`,
        where,
      ),
      params,
    );
    return rows.map(({ x, y, w, h, embedding, ...r }) => ({
      ...r,
      box: { x, y, w, h },
      embedding: vectorFromBytes(embedding),
    }));
  }

  /**
   * Tracking's reads that cost Postgres more to plan than to run, as prepared statements (`preparedRows`) on this
   * repository's connection: the transaction's in `locked`.
   */
  private prepared<R extends object>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return preparedRows<R>(this.db as DataSource | EntityManager, name, text, values);
  }

  async tracks(tenantId: string, trackIds: readonly string[]): Promise<TrackRow[]> {
    if (trackIds.length === 0) return [];
    const rows = await this.db.query(
      `SELECT ${TRACK_COLUMNS} FROM tracks t WHERE t.tenant_id = $1 AND t.id = ANY($2)`,
      [tenantId, trackIds],
    );
    return rows.map(trackOf);
  }

  /** Inserts or replaces tracks; identity, visitor and visit links of an existing row are replaced too. */
  async upsertTracks(tenantId: string, tracks: readonly NewTrack[]): Promise<void> {
    for (const t of tracks) {
      await this.db.query(
        `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                             face_count, centroid, model_id, identity_id, similarity, sums)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::vector, $11, $12, $13, $14::jsonb)
         ON CONFLICT (id) DO UPDATE SET started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
           interval_ms = EXCLUDED.interval_ms, face_count = EXCLUDED.face_count, centroid = EXCLUDED.centroid,
           model_id = EXCLUDED.model_id, identity_id = EXCLUDED.identity_id, similarity = EXCLUDED.similarity,
           -- sums read before a change that forgot them (another transaction's, committed since) are not written back
           sums = CASE WHEN tracks.sums_version = $15 THEN EXCLUDED.sums END, sums_version = tracks.sums_version + 1,
           updated_at = now()
         WHERE tracks.tenant_id = EXCLUDED.tenant_id`,
        [
          t.id,
          tenantId,
          t.storeId,
          t.cameraId,
          t.firstFaceId,
          t.startedAt,
          t.endedAt,
          t.intervalMs,
          t.faceCount,
          toSql(t.centroid),
          t.modelId,
          t.identityId,
          t.similarity,
          t.sums ? JSON.stringify(t.sums) : null,
          t.sumsVersion ?? null,
        ],
      );
    }
  }

  /** Points each face at its track. */
  async assignFaces(tenantId: string, trackOfFace: ReadonlyMap<string, string>): Promise<void> {
    if (trackOfFace.size === 0) return;
    await this.db.query(
      `UPDATE faces f SET track_id = v.track_id
       FROM unnest($2::uuid[], $3::uuid[]) AS v(face_id, track_id)
       WHERE f.tenant_id = $1 AND f.id = v.face_id AND f.track_id IS DISTINCT FROM v.track_id`,
      [tenantId, [...trackOfFace.keys()], [...trackOfFace.values()]],
    );
  }

  async deleteTracks(tenantId: string, trackIds: readonly string[]): Promise<void> {
    if (trackIds.length === 0) return;
    await this.db.query(`DELETE FROM tracks WHERE tenant_id = $1 AND id = ANY($2)`, [tenantId, trackIds]);
  }

  /** Sets who a track counts for, and copies its visitor onto its faces (what GET /v1/media shows). */
  async setTrackPerson(
    tenantId: string,
    trackId: string,
    person: { visitorId: string | null; personKey: string | null },
    only?: readonly string[],
  ): Promise<void> {
    await this.db.query(
      `UPDATE tracks SET visitor_id = $3, person_key = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, trackId, person.visitorId, person.personKey],
    );
    // only the faces whose visitor this changes: most often the one face that joined the track. Rewriting every face
    // of a long track on each decision (row versions, index entries and the rollups' triggers for each) was, over a
    // 10-minute soak, the costliest statement Postgres ran (11.7 ms a call). `only`: the faces that can lack it (the
    // track's visitor is unchanged, so every other face has it), so that a long track's faces are not even looked at
    // (1.9 ms a call over a soak)
    await this.db.query(
      `UPDATE faces SET visitor_id = CASE WHEN identity_id IS NULL THEN $3::uuid END
       WHERE tenant_id = $1 AND track_id = $2 ${only ? 'AND id = ANY($4)' : ''}
         AND visitor_id IS DISTINCT FROM CASE WHEN identity_id IS NULL THEN $3::uuid END`,
      only ? [tenantId, trackId, person.visitorId, only] : [tenantId, trackId, person.visitorId],
    );
  }

  /** Categories of the tenant's live identities among `ids`. */
  async identityCategories(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; category: string }[] = await this.db.query(
      `SELECT id, category FROM identities WHERE tenant_id = $1 AND id = ANY($2) AND deleted_at IS NULL`,
      [tenantId, ids],
    );
    return new Map(rows.map((r) => [r.id, r.category]));
  }

  // ---- visitors ----

  /** The visitor whose centroid is closest to `vector` (same model), or null for a tenant without visitors. */
  async nearestVisitor(tenantId: string, vector: readonly number[], modelId: string): Promise<VisitorMatch | null> {
    return (await this.nearestVisitors(tenantId, vector, modelId, VISITOR_NEIGHBOURS))[0] ?? null;
  }

  /**
   * The k visitors whose centroids are closest to `vector` (same model), nearest first. One search of the tenant's
   * own HNSW graph (visitors is partitioned by tenant), with the HNSW settings the connection was opened with, but
   * for a tenant with more than `efSearchRows` visitors, whose search takes more candidates (`efSearchFor`) for the
   * statement alone; a relaxed_order scan may hand rows back slightly out of order, so they are sorted here.
   */
  async nearestVisitors(
    tenantId: string,
    vector: readonly number[],
    modelId: string,
    k: number,
  ): Promise<VisitorMatch[]> {
    const { sql, params } = nearestVisitorsQuery(tenantId, vector, modelId, k);
    type Row = { visitorId: string; identityId: string | null; distance: number };
    const settings = vectorSearchSettingsOf(dataSourceOf(this.db)) ?? DEFAULT_VECTOR_SEARCH;
    const ef = settings.efSearchRows
      ? efSearchFor(settings, await tenantGraphRows(this.db, 'visitors', tenantId))
      : settings.efSearch;
    const rows: Row[] =
      ef === settings.efSearch
        ? await this.db.query(sql, params)
        : await withEfSearch(this.db, ef, (m) => m.query(sql, params));
    return rows
      .map((r) => ({ visitorId: r.visitorId, identityId: r.identityId, similarity: 1 - Number(r.distance) }))
      .sort((a, b) => b.similarity - a.similarity);
  }

  /** Visitors (of the model) at least `minSimilarity` close to `vector` and not yet linked to an identity. */
  async unlinkedVisitorsNear(
    tenantId: string,
    vector: readonly number[],
    modelId: string,
    minSimilarity: number,
  ): Promise<VisitorMatch[]> {
    const rows: { visitorId: string; distance: number }[] = await this.db.query(
      `SELECT id AS "visitorId", centroid <=> $2::vector AS distance FROM visitors
       WHERE tenant_id = $1 AND model_id = $3 AND identity_id IS NULL AND centroid IS NOT NULL
         AND centroid <=> $2::vector <= $4
       ORDER BY distance LIMIT 100`,
      [tenantId, toSql([...vector]), modelId, 1 - minSimilarity],
    );
    return rows.map((r) => ({ visitorId: r.visitorId, identityId: null, similarity: 1 - Number(r.distance) }));
  }

  /** Creates a visitor (or leaves an existing one with this id as it is: a replay). */
  async createVisitor(tenantId: string, id: string, centroid: readonly number[], modelId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO visitors (id, tenant_id, centroid, model_id) VALUES ($1, $2, $3::vector, $4)
       ON CONFLICT (tenant_id, id) DO NOTHING`,
      [id, tenantId, toSql([...centroid]), modelId],
    );
  }

  /** Moves a visitor's centroid towards a track that joined it: the running mean of its tracks' centroids. */
  async absorbIntoVisitor(tenantId: string, visitorId: string, centroid: readonly number[]): Promise<void> {
    const [row]: { centroid: Buffer | null; n: number }[] = await this.db.query(
      `SELECT ${vectorAsBytes('centroid')} AS centroid, track_count AS n FROM visitors WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, visitorId],
    );
    // a visitor whose vector retention forgot is never found by nearestVisitor, so never absorbs
    if (!row || row.centroid === null) return;
    const next = absorbCentroid(vectorFromBytes(row.centroid), row.n, centroid);
    await this.db.query(
      `UPDATE visitors SET centroid = $3::vector, track_count = track_count + 1, updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, visitorId, toSql(next)],
    );
  }

  /**
   * Links anonymous visitors to an identity they turned out to be; their tracks then count for `personKey` (the
   * identity's, or null for staff, who are no shoppers). Returns those tracks as they were before.
   */
  async linkVisitors(
    tenantId: string,
    visitorIds: readonly string[],
    identityId: string,
    personKey: string | null,
  ): Promise<TrackRow[]> {
    if (visitorIds.length === 0) return [];
    await this.db.query(
      `UPDATE visitors SET identity_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = ANY($2) AND identity_id IS NULL`,
      [tenantId, visitorIds, identityId],
    );
    const rows = await this.db.query(
      `SELECT ${TRACK_COLUMNS} FROM tracks t WHERE t.tenant_id = $1 AND t.visitor_id = ANY($2) AND t.identity_id IS NULL`,
      [tenantId, visitorIds],
    );
    await this.db.query(
      `UPDATE tracks t SET person_key = $3, updated_at = now()
       WHERE t.tenant_id = $1 AND t.visitor_id = ANY($2) AND t.identity_id IS NULL`,
      [tenantId, visitorIds, personKey],
    );
    return rows.map(trackOf);
  }

  // ---- visits ----

  /** Every track that counts for the person in the store. */
  async personTracks(tenantId: string, storeId: string, personKey: string): Promise<TrackRow[]> {
    const rows = await this.db.query(
      `SELECT ${TRACK_COLUMNS} FROM tracks t WHERE t.tenant_id = $1 AND t.store_id = $2 AND t.person_key = $3
       ORDER BY t.started_at, t.id`,
      [tenantId, storeId, personKey],
    );
    return rows.map(trackOf);
  }

  async personVisits(tenantId: string, storeId: string, personKey: string): Promise<VisitRow[]> {
    return this.db.query(
      `SELECT id, store_id AS "storeId", person_key AS "personKey", identity_id AS "identityId",
              visitor_id AS "visitorId", started_at AS "startedAt", ended_at AS "endedAt", track_count AS "trackCount"
       FROM visits WHERE tenant_id = $1 AND store_id = $2 AND person_key = $3 ORDER BY started_at`,
      [tenantId, storeId, personKey],
    );
  }

  async upsertVisit(tenantId: string, v: VisitRow): Promise<void> {
    await this.db.query(
      `INSERT INTO visits (id, tenant_id, store_id, person_key, identity_id, visitor_id, started_at, ended_at, track_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET person_key = EXCLUDED.person_key, identity_id = EXCLUDED.identity_id,
         visitor_id = EXCLUDED.visitor_id, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
         track_count = EXCLUDED.track_count, updated_at = now()
       WHERE visits.tenant_id = EXCLUDED.tenant_id`,
      [v.id, tenantId, v.storeId, v.personKey, v.identityId, v.visitorId, v.startedAt, v.endedAt, v.trackCount],
    );
  }

  async setTrackVisits(tenantId: string, visitOfTrack: ReadonlyMap<string, string>): Promise<void> {
    if (visitOfTrack.size === 0) return;
    await this.db.query(
      `UPDATE tracks t SET visit_id = v.visit_id
       FROM unnest($2::uuid[], $3::uuid[]) AS v(track_id, visit_id)
       WHERE t.tenant_id = $1 AND t.id = v.track_id AND t.visit_id IS DISTINCT FROM v.visit_id`,
      [tenantId, [...visitOfTrack.keys()], [...visitOfTrack.values()]],
    );
  }

  async deleteVisits(tenantId: string, visitIds: readonly string[]): Promise<void> {
    if (visitIds.length === 0) return;
    await this.db.query(`DELETE FROM visits WHERE tenant_id = $1 AND id = ANY($2)`, [tenantId, visitIds]);
  }
}
