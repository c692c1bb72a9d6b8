import type { EventType } from '@storelens/contracts';
import type { DataSource } from 'typeorm';

export interface NewEvent {
  type: EventType;
  occurredAt: Date;
  storeId: string | null;
  cameraId: string | null;
  data: Record<string, unknown>;
  /**
   * One event per subject (an identity, later a track) per camera within `windowMs` of another: a sighting of the
   * same person on the same camera inside the window is not a new event.
   */
  dedup?: { subject: string; windowMs: number };
}

export interface StoredEvent {
  id: string;
  type: EventType;
  occurredAt: Date;
  storeId: string | null;
  cameraId: string | null;
  data: Record<string, unknown>;
}

export interface AppendedEvent {
  event: StoredEvent;
  /** the deliveries created for the tenant's webhooks subscribed to the type */
  deliveryIds: string[];
}

const COLUMNS = `id::text AS id, type, occurred_at AS "occurredAt", store_id AS "storeId", camera_id AS "cameraId", data`;

/** The tenant's event log (ids from one sequence) and the webhook deliveries each event fans out to. */
export class EventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends an event, unless its dedup subject already has one inside the window, and creates its deliveries in
   * the same transaction. Appends of one tenant are serialised by a transaction lock, so a tenant's ids become
   * visible in increasing order: a reader that saw id n never later finds a smaller one (SSE resumes safely).
   */
  async append(tenantId: string, e: NewEvent): Promise<AppendedEvent | null> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('events:' || $1::text, 0))`, [tenantId]);
      if (e.dedup) {
        const seen: unknown[] = await m.query(
          `SELECT 1 FROM events
            WHERE tenant_id = $1 AND type = $2 AND camera_id IS NOT DISTINCT FROM $3 AND subject = $4
              AND occurred_at > $5::timestamptz - make_interval(secs => $6 / 1000.0)
              AND occurred_at < $5::timestamptz + make_interval(secs => $6 / 1000.0)
            LIMIT 1`,
          [tenantId, e.type, e.cameraId, e.dedup.subject, e.occurredAt, e.dedup.windowMs],
        );
        if (seen.length > 0) return null;
      }
      const [event] = (await m.query(
        `INSERT INTO events (tenant_id, type, occurred_at, store_id, camera_id, subject, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [tenantId, e.type, e.occurredAt, e.storeId, e.cameraId, e.dedup?.subject ?? null, e.data],
      )) as StoredEvent[];
      const deliveries: { id: string }[] = await m.query(
        `INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id)
         SELECT tenant_id, id, $2 FROM webhooks WHERE tenant_id = $1 AND $3 = ANY(events)
         RETURNING id`,
        [tenantId, event!.id, e.type],
      );
      return { event: event!, deliveryIds: deliveries.map((d) => d.id) };
    });
  }

  /** Events after an id, oldest first, optionally only some types or one store's. */
  async listAfter(
    tenantId: string,
    afterId: string,
    { types, storeId, limit = 500 }: { types?: readonly EventType[]; storeId?: string; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM events
        WHERE tenant_id = $1 AND id > $2::bigint
          AND ($3::text[] IS NULL OR type = ANY($3::text[]))
          AND ($4::uuid IS NULL OR store_id = $4::uuid)
        ORDER BY id LIMIT $5`,
      [tenantId, afterId, types && types.length > 0 ? types : null, storeId ?? null, limit],
    );
  }

  /** The tenant's newest event id ('0' when none): where a stream without Last-Event-ID starts. */
  async lastId(tenantId: string): Promise<string> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(max(id), 0)::text AS id FROM events WHERE tenant_id = $1`,
      [tenantId],
    )) as { id: string }[];
    return row?.id ?? '0';
  }
}
