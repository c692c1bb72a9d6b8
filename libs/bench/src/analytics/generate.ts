import { Client } from 'pg';

/**
 * A retail chain's results generated straight into Postgres with generate_series (not through the models), in the
 * platform's own schema: 50 stores × 3 cameras (entrance, floor, checkout: one zone each), 90 days of 12 open
 * hours, one video per camera and hour with 31 sampled frames of 2 faces: 10 044 000 faces. Each store-hour has 20
 * visit slots (1 080 000 slots of 600 000 distinct people, so people come back: 1 026 000 visits, staff have none);
 * a visit's faces are spread over the store's cameras. 5 % of people are staff, 7 % loyalty members, 2 % of faces are not classified yet, the rest are
 * anonymous visitors. Everything is deterministic (ids are md5 of their coordinates, made valid UUIDs by bench_id), so two runs hold the same
 * rows.
 *
 * The shopper side as classification leaves it: a visit's faces at one camera are one track (about 3.2 million),
 * the tracks of a store-hour's visit of a shopper are one visit (staff have tracks but no visits), and one visit in
 * five buys: a sale at the checkout camera as its checkout track ends (about 200 000).
 */
export const CHAIN = {
  tenantId: '00000000-0000-4000-8000-00000000c4a1',
  stores: 50,
  camerasPerStore: 3,
  days: 90,
  openHours: 12,
  firstHourUtc: 8,
  framesPerMedia: 31,
  facesPerFrame: 2,
  visitsPerStoreHour: 20,
  people: 600_000,
  /** the first day of the generated range (UTC) */
  start: new Date('2026-09-01T00:00:00Z'),
} as const;

/** How much of the chain to generate: frames per camera-hour (31 is the full chain of 10 million faces). */
export interface ChainScale {
  framesPerMedia: number;
}
export const FULL_SCALE: ChainScale = { framesPerMedia: CHAIN.framesPerMedia };

export const chainFaces = (scale: ChainScale = FULL_SCALE) =>
  CHAIN.stores * CHAIN.camerasPerStore * CHAIN.days * CHAIN.openHours * scale.framesPerMedia * CHAIN.facesPerFrame;
export const chainVisits = () => CHAIN.stores * CHAIN.days * CHAIN.openHours * CHAIN.visitsPerStoreHour;
/** Tracks: one per camera, hour and visit slot that has a face (fewer slots have faces at fewer frames). */
export const chainTracks = (scale: ChainScale = FULL_SCALE) =>
  CHAIN.stores *
  CHAIN.camerasPerStore *
  CHAIN.days *
  CHAIN.openHours *
  Math.min(CHAIN.visitsPerStoreHour, scale.framesPerMedia * CHAIN.facesPerFrame);

const ROLES = ['entrance', 'floor', 'checkout'];

/** Generates the chain day by day into a migrated, empty database; `progress` hears after each day. */
export async function generateChain(
  client: Client,
  progress: (day: number) => void,
  scale: ChainScale = FULL_SCALE,
): Promise<void> {
  const t = CHAIN.tenantId;
  const cams = CHAIN.stores * CHAIN.camerasPerStore;
  // ids from md5 of their coordinates, with the version (4) and variant (8) bits of a real UUID (the API checks them)
  await client.query(`
    CREATE OR REPLACE FUNCTION bench_id(text) RETURNS uuid LANGUAGE sql IMMUTABLE
      AS $$ SELECT overlay(overlay(md5($1) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid $$`);
  await client.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench chain (generated)')`, [t]);
  await client.query(
    `INSERT INTO stores (id, tenant_id, name, timezone)
     SELECT bench_id('s' || s), $1::uuid, 'Store ' || lpad((s + 1)::text, 2, '0'), 'Europe/Berlin'
     FROM generate_series(0, $2 - 1) s`,
    [t, CHAIN.stores],
  );
  await client.query(
    `INSERT INTO cameras (id, tenant_id, store_id, name, role, zone, fps)
     SELECT bench_id('c' || c), $1::uuid, bench_id('s' || (c / $2)), initcap(($3::text[])[c % $2 + 1]),
            ($3::text[])[c % $2 + 1], ($3::text[])[c % $2 + 1], 1
     FROM generate_series(0, $4 - 1) c`,
    [t, CHAIN.camerasPerStore, ROLES, cams],
  );
  await client.query(
    `INSERT INTO identities (id, tenant_id, name, category)
     SELECT bench_id('member' || i), $1::uuid, 'Member ' || i, 'member' FROM generate_series(0, 1999) i
     UNION ALL
     SELECT bench_id('staff' || s || '-' || i), $1::uuid, 'Staff ' || s || '-' || i, 'staff'
     FROM generate_series(0, $2 - 1) s, generate_series(0, 4) i`,
    [t, CHAIN.stores],
  );
  // bulk load: foreign keys and the rollup triggers are skipped (replica role); the rollups are rebuilt afterwards
  await client.query(`SET session_replication_role = replica`);
  try {
    for (let d = 0; d < CHAIN.days; d++) {
      const day = new Date(CHAIN.start.getTime() + d * 86_400_000);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO media (id, tenant_id, camera_id, kind, status, object_key, sha256, bytes, mime, captured_at,
                            duration_ms, frame_count, purpose)
         SELECT bench_id('m' || $2::int || '-' || c || '-' || h), $1::uuid, bench_id('c' || c), 'video', 'done', 'bench',
                repeat('0', 64), 1, 'video/mp4', $3::timestamptz + ($4 + h) * interval '1 hour', 3600000, $6, 'analysis'
         FROM generate_series(0, $5 - 1) c, generate_series(0, $7 - 1) h`,
        [t, d, day, CHAIN.firstHourUtc, cams, scale.framesPerMedia, CHAIN.openHours],
      );
      await client.query(
        `INSERT INTO frames (id, tenant_id, media_id, "index", time_ms, captured_at, object_key, width, height, status)
         SELECT bench_id('f' || $2::int || '-' || c || '-' || h || '-' || k), $1,
                bench_id('m' || $2::int || '-' || c || '-' || h), k, k * 116000,
                $3::timestamptz + ($4 + h) * interval '1 hour' + k * interval '116 seconds', 'bench', 640, 480, 'done'
         FROM generate_series(0, $5 - 1) c, generate_series(0, $7 - 1) h, generate_series(0, $6 - 1) k`,
        [t, d, day, CHAIN.firstHourUtc, cams, scale.framesPerMedia, CHAIN.openHours],
      );
      // person of a face: one of the store-hour's visits; a visit's person is drawn from the chain's people
      await client.query(
        `INSERT INTO faces (id, tenant_id, frame_id, face_index, box_x, box_y, box_w, box_h, score, landmarks,
                            detector_model_id, age, gender, gender_confidence, emotion, attribute_model_id,
                            identity_id, similarity, visitor_id, decided_at, track_id)
         SELECT bench_id('x' || $2::int || '-' || c || '-' || h || '-' || k || '-' || j), $1,
                bench_id('f' || $2::int || '-' || c || '-' || h || '-' || k), j, 100 + 200 * j, 100, 80, 90, 0.95,
                '[]', 'bench', 12 + p % 63, CASE WHEN p % 2 = 0 THEN 'female' ELSE 'male' END, 0.9,
                ($8::text[])[(p + k) % 7 + 1], 'bench',
                CASE WHEN pending THEN NULL
                     WHEN p % 100 < 5 THEN bench_id('staff' || (c / $9) || '-' || p % 5)
                     WHEN p % 100 < 12 THEN bench_id('member' || p % 2000) END,
                CASE WHEN NOT pending AND p % 100 < 12 THEN 0.6 END,
                CASE WHEN NOT pending AND p % 100 >= 12 THEN bench_id('v' || p) END,
                CASE WHEN NOT pending THEN $3::timestamptz + ($4 + h) * interval '1 hour' END,
                bench_id('t' || $2::int || '-' || c || '-' || h || '-' || (k * $10 + j) % $12)
         FROM generate_series(0, $5 - 1) c, generate_series(0, $7 - 1) h, generate_series(0, $6 - 1) k,
              generate_series(0, $10 - 1) j,
              LATERAL (SELECT ((((($2::int * $11 + c / $9) * $7 + h) * $12 + (k * $10 + j) % $12)::bigint * 7919)
                               % $13)::int AS p,
                              (k * $10 + j + c) % 50 = 0 AS pending) v`,
        [
          t,
          d,
          day,
          CHAIN.firstHourUtc,
          cams,
          scale.framesPerMedia,
          CHAIN.openHours,
          ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
          CHAIN.camerasPerStore,
          CHAIN.facesPerFrame,
          CHAIN.stores,
          CHAIN.visitsPerStoreHour,
          CHAIN.people,
        ],
      );
      // tracks: one per camera, hour and visit slot, spanning the frames of that slot's faces
      await client.query(
        `INSERT INTO tracks (id, tenant_id, store_id, camera_id, first_face_id, started_at, ended_at, interval_ms,
                             face_count, centroid, model_id, identity_id, similarity, person_key, visit_id)
         SELECT bench_id('t' || $2::int || '-' || c || '-' || h || '-' || v), $1, bench_id('s' || (c / $6)),
                bench_id('c' || c),
                bench_id('x' || $2::int || '-' || c || '-' || h || '-' || (first / $7) || '-' || (first % $7)),
                $3::timestamptz + ($4 + h) * interval '1 hour' + (first / $7) * interval '116 seconds',
                $3::timestamptz + ($4 + h) * interval '1 hour' + (last / $7) * interval '116 seconds',
                116000, n, $12::vector, 'bench',
                CASE WHEN p % 100 < 5 THEN bench_id('staff' || (c / $6) || '-' || p % 5)
                     WHEN p % 100 < 12 THEN bench_id('member' || p % 2000) END,
                CASE WHEN p % 100 < 12 THEN 0.6 END,
                CASE WHEN p % 100 < 5 THEN NULL
                     WHEN p % 100 < 12 THEN 'identity:' || bench_id('member' || p % 2000)
                     ELSE 'visitor:' || bench_id('v' || p) END,
                CASE WHEN p % 100 >= 5 THEN bench_id('visit' || $2::int || '-' || (c / $6) || '-' || h || '-' || v) END
         FROM (SELECT c, h, (k * $7 + j) % $8 AS v, min(k * $7 + j) AS first, max(k * $7 + j) AS last,
                      count(*)::int AS n
               FROM generate_series(0, $5 - 1) c, generate_series(0, $9 - 1) h, generate_series(0, $10 - 1) k,
                    generate_series(0, $7 - 1) j
               GROUP BY 1, 2, 3) s,
              LATERAL (SELECT (((($2::int * $11 + c / $6) * $9 + h) * $8 + v)::bigint * 7919 % $13)::int AS p) pp`,
        [
          t,
          d,
          day,
          CHAIN.firstHourUtc,
          cams,
          CHAIN.camerasPerStore,
          CHAIN.facesPerFrame,
          CHAIN.visitsPerStoreHour,
          CHAIN.openHours,
          scale.framesPerMedia,
          CHAIN.stores,
          `[${new Array(128).fill(0).join(',')}]`,
          CHAIN.people,
        ],
      );
      // visits: a shopper's tracks of one store-hour slot
      await client.query(
        `INSERT INTO visits (id, tenant_id, store_id, person_key, identity_id, visitor_id, started_at, ended_at,
                             track_count)
         SELECT visit_id, $1, store_id, min(person_key), (array_agg(identity_id))[1],
                CASE WHEN min(person_key) LIKE 'visitor:%' THEN substr(min(person_key), 9)::uuid END,
                min(started_at), max(ended_at), count(*)::int
         FROM tracks
         WHERE tenant_id = $1 AND visit_id IS NOT NULL AND started_at >= $2 AND started_at < $2::timestamptz + interval '1 day'
         GROUP BY visit_id, store_id`,
        [t, day],
      );
      // one visit in five buys: a sale at the checkout as its checkout track ends
      await client.query(
        `INSERT INTO transactions (id, tenant_id, store_id, at, amount, currency, checkout_camera_id)
         SELECT bench_id('sale' || tr.visit_id), $1, tr.store_id, tr.ended_at,
                5 + abs(hashtext(tr.visit_id::text)) % 9500 / 100.0, 'EUR', tr.camera_id
         FROM tracks tr JOIN cameras c ON c.tenant_id = tr.tenant_id AND c.id = tr.camera_id AND c.role = 'checkout'
         WHERE tr.tenant_id = $1 AND tr.visit_id IS NOT NULL AND abs(hashtext(tr.visit_id::text)) % 5 = 0
           AND tr.started_at >= $2 AND tr.started_at < $2::timestamptz + interval '1 day'`,
        [t, day],
      );
      await client.query('COMMIT');
      progress(d);
    }
  } finally {
    await client.query(`SET session_replication_role = origin`);
  }
  await client.query('ANALYZE');
}
