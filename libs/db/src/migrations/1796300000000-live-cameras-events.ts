import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live cameras and the events pushed from what they see:
 * - cameras.stream_url_enc: the stream URL (credentials included) sealed with AES-256-GCM, never stored in clear;
 *   stream_url_redacted is the same URL without its user info, for the API and logs; live_enabled is the wanted
 *   state (POST /v1/cameras/:id/stop|start); stream_transport picks RTSP over TCP, UDP or both in turn;
 * - media.kind 'live' with live_segment_start: a live camera's frames belong to one media per camera per time
 *   segment (unique), so retention removes a live camera's past segment by segment like uploads;
 * - events: the tenant's event log, ids from one sequence (SSE resumes after an id); subject is what a dedup
 *   window is kept for (an identity now, a track later);
 * - webhooks and webhook_deliveries: subscriptions (secret sealed) and one delivery row per (webhook, event).
 */
export class LiveCamerasEvents1796300000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cameras
        ADD COLUMN stream_url_enc text,
        ADD COLUMN stream_url_redacted text,
        ADD COLUMN stream_transport text NOT NULL DEFAULT 'auto' CHECK (stream_transport IN ('auto', 'tcp', 'udp')),
        ADD COLUMN live_enabled boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT cameras_stream_check CHECK ((stream_url_enc IS NULL) = (stream_url_redacted IS NULL))`);
    await q.query(`CREATE INDEX cameras_live_idx ON cameras (id) WHERE stream_url_enc IS NOT NULL AND live_enabled`);
    await q.query(`ALTER TABLE media DROP CONSTRAINT IF EXISTS media_kind_check`);
    await q.query(`
      ALTER TABLE media
        ADD CONSTRAINT media_kind_check CHECK (kind IN ('image', 'video', 'live')),
        ADD COLUMN live_segment_start timestamptz,
        ADD CONSTRAINT media_live_segment_check CHECK ((kind = 'live') = (live_segment_start IS NOT NULL))`);
    await q.query(
      `CREATE UNIQUE INDEX media_live_segment_key ON media (camera_id, live_segment_start) WHERE kind = 'live'`,
    );
    await q.query(`
      CREATE TABLE events (
        id          bigserial PRIMARY KEY,
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        type        text NOT NULL,
        occurred_at timestamptz NOT NULL,
        store_id    uuid,
        camera_id   uuid,
        subject     text,
        data        jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX events_tenant_id_id_idx ON events (tenant_id, id)`);
    await q.query(
      `CREATE INDEX events_dedup_idx ON events (tenant_id, type, camera_id, subject, occurred_at) WHERE subject IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE webhooks (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        url        text NOT NULL,
        events     text[] NOT NULL,
        secret_enc text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhooks_tenant_id_id_key UNIQUE (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id    uuid NOT NULL,
        webhook_id   uuid NOT NULL,
        event_id     bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        tries        integer NOT NULL DEFAULT 0,
        last_status  integer,
        last_error   text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT webhook_deliveries_webhook_event_key UNIQUE (webhook_id, event_id),
        CONSTRAINT webhook_deliveries_webhook_fkey FOREIGN KEY (tenant_id, webhook_id)
          REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (tenant_id, webhook_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhooks`);
    await q.query(`DROP TABLE IF EXISTS events`);
    await q.query(`DELETE FROM media WHERE kind = 'live'`);
    await q.query(`
      ALTER TABLE media
        DROP CONSTRAINT IF EXISTS media_live_segment_check,
        DROP COLUMN IF EXISTS live_segment_start,
        DROP CONSTRAINT IF EXISTS media_kind_check,
        ADD CONSTRAINT media_kind_check CHECK (kind IN ('image', 'video'))`);
    await q.query(`DROP INDEX IF EXISTS cameras_live_idx`);
    await q.query(`
      ALTER TABLE cameras
        DROP CONSTRAINT IF EXISTS cameras_stream_check,
        DROP COLUMN IF EXISTS live_enabled,
        DROP COLUMN IF EXISTS stream_transport,
        DROP COLUMN IF EXISTS stream_url_redacted,
        DROP COLUMN IF EXISTS stream_url_enc`);
  }
}
