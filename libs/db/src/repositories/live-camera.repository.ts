import type { StreamTransport } from '@storelens/contracts';
import type { DataSource } from 'typeorm';

/** A camera ingest should keep connected, with what a watcher needs (the sealed URL is opened by the watcher). */
export interface LiveCamera {
  id: string;
  tenantId: string;
  storeId: string;
  name: string;
  fps: number;
  streamTransport: StreamTransport;
  streamUrlEnc: string;
}

export interface StreamSettings {
  streamUrlEnc: string;
  streamUrlRedacted: string;
  streamTransport: StreamTransport;
}

/**
 * The live side of cameras: their sealed stream URLs, the wanted state (started or stopped), the media segments
 * their frames belong to and how many of their frames still wait for detection.
 */
export class LiveCameraRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Every camera, across tenants, that has a stream and is started: what the ingest replicas share out between
   * them. The one query here not scoped to a tenant: it feeds the watchers, never an API answer.
   */
  async listWatched(): Promise<LiveCamera[]> {
    return this.dataSource.query(
      `SELECT id, tenant_id AS "tenantId", store_id AS "storeId", name, fps,
              stream_transport AS "streamTransport", stream_url_enc AS "streamUrlEnc"
         FROM cameras WHERE stream_url_enc IS NOT NULL AND live_enabled ORDER BY id`,
    );
  }

  /** Sets (or with null removes) the camera's stream; a new stream starts watched. False for an unknown camera. */
  async setStream(tenantId: string, cameraId: string, stream: StreamSettings | null): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE cameras SET stream_url_enc = $3, stream_url_redacted = $4,
              stream_transport = COALESCE($5, stream_transport), live_enabled = $3::text IS NOT NULL
        WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [
        tenantId,
        cameraId,
        stream?.streamUrlEnc ?? null,
        stream?.streamUrlRedacted ?? null,
        stream?.streamTransport ?? null,
      ],
    );
    return rows.length > 0;
  }

  async setTransport(tenantId: string, cameraId: string, transport: StreamTransport): Promise<void> {
    await this.dataSource.query(`UPDATE cameras SET stream_transport = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      cameraId,
      transport,
    ]);
  }

  /** Start or stop watching; false when the camera is unknown or has no stream. */
  async setEnabled(tenantId: string, cameraId: string, enabled: boolean): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE cameras SET live_enabled = $3 WHERE tenant_id = $1 AND id = $2 AND stream_url_enc IS NOT NULL
       RETURNING id`,
      [tenantId, cameraId, enabled],
    );
    return rows.length > 0;
  }

  /**
   * The media of the camera's segment starting at `segmentStart`, created on first use. Several writers (a replica
   * taking a camera over) get the same row: the segment is unique per camera.
   */
  async ensureSegment(
    tenantId: string,
    cameraId: string,
    segment: { id: string; start: Date; objectKey: string; sha256: string; expiresAt: Date | null },
  ): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO media (id, tenant_id, camera_id, kind, status, object_key, sha256, bytes, mime, captured_at,
                          live_segment_start, expires_at)
       VALUES ($1, $2, $3, 'live', 'processing', $4, $5, 0, 'video/x-live-segment', $6, $6, $7)
       ON CONFLICT (camera_id, live_segment_start) WHERE kind = 'live' DO NOTHING`,
      [segment.id, tenantId, cameraId, segment.objectKey, segment.sha256, segment.start, segment.expiresAt],
    );
    const [row] = (await this.dataSource.query(
      `SELECT id FROM media WHERE tenant_id = $1 AND camera_id = $2 AND kind = 'live' AND live_segment_start = $3`,
      [tenantId, cameraId, segment.start],
    )) as { id: string }[];
    if (!row) throw new Error('live segment was not created');
    return row.id;
  }

  /** Of the given frames, those detection has not finished yet (still queued or being processed). */
  async pendingFrames(tenantId: string, frameIds: readonly string[]): Promise<string[]> {
    if (frameIds.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM frames WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status IN ('queued', 'processing')`,
      [tenantId, frameIds],
    );
    return rows.map((r) => r.id);
  }
}
