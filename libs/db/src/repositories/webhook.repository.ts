import type { EventType } from '@storelens/contracts';
import type { DataSource } from 'typeorm';

export interface Webhook {
  id: string;
  url: string;
  events: EventType[];
  createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  status: DeliveryStatus;
  tries: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** What a delivery job needs: the target, its sealed secret and the event to send. */
export interface DeliveryWork {
  delivery: WebhookDelivery;
  url: string;
  secretEnc: string;
  event: { id: string; type: EventType; occurredAt: Date; data: Record<string, unknown> };
}

const DELIVERY = `d.id, d.webhook_id AS "webhookId", d.event_id::text AS "eventId", d.status, d.tries,
  d.last_status AS "lastStatus", d.last_error AS "lastError", d.created_at AS "createdAt", d.updated_at AS "updatedAt",
  d.delivered_at AS "deliveredAt"`;

/** Webhook subscriptions (secrets sealed) and their delivery log. */
export class WebhookRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `id` is chosen by the caller so the secret can be sealed bound to it. */
  async create(tenantId: string, w: { id: string; url: string; events: readonly EventType[]; secretEnc: string }) {
    await this.dataSource.query(
      `INSERT INTO webhooks (id, tenant_id, url, events, secret_enc) VALUES ($1, $2, $3, $4, $5)`,
      [w.id, tenantId, w.url, w.events, w.secretEnc],
    );
  }

  async list(tenantId: string): Promise<Webhook[]> {
    return this.dataSource.query(
      `SELECT id, url, events, created_at AS "createdAt" FROM webhooks WHERE tenant_id = $1 ORDER BY created_at`,
      [tenantId],
    );
  }

  async get(tenantId: string, id: string): Promise<Webhook | null> {
    const [row] = (await this.dataSource.query(
      `SELECT id, url, events, created_at AS "createdAt" FROM webhooks WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    )) as Webhook[];
    return row ?? null;
  }

  /** Removes the webhook and its delivery log; false when the tenant has no such webhook. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [tenantId, id],
    );
    // TypeORM answers a DELETE with [rows, affected count], not the rows alone
    const rows = Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
    return rows.length > 0;
  }

  /** Newest first. */
  async deliveries(tenantId: string, webhookId: string, limit = 100): Promise<WebhookDelivery[]> {
    return this.dataSource.query(
      `SELECT ${DELIVERY} FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.webhook_id = $2
        ORDER BY d.created_at DESC, d.event_id DESC LIMIT $3`,
      [tenantId, webhookId, limit],
    );
  }

  async work(tenantId: string, deliveryId: string): Promise<DeliveryWork | null> {
    const [row] = (await this.dataSource.query(
      `SELECT ${DELIVERY}, w.url, w.secret_enc AS "secretEnc",
              e.type, e.occurred_at AS "occurredAt", e.data
         FROM webhook_deliveries d
         JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
         JOIN events e ON e.id = d.event_id
        WHERE d.tenant_id = $1 AND d.id = $2`,
      [tenantId, deliveryId],
    )) as (WebhookDelivery & { url: string; secretEnc: string } & Omit<DeliveryWork['event'], 'id'>)[];
    if (!row) return null;
    const { url, secretEnc, type, occurredAt, data, ...delivery } = row;
    return { delivery, url, secretEnc, event: { id: delivery.eventId, type, occurredAt, data } };
  }

  /** Records one try: its HTTP status (null when none came back) and error, and the resulting status. */
  async recordTry(
    tenantId: string,
    deliveryId: string,
    t: { status: DeliveryStatus; httpStatus: number | null; error: string | null },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET tries = tries + 1, status = $3, last_status = $4, last_error = $5,
              updated_at = now(), delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, deliveryId, t.status, t.httpStatus, t.error],
    );
  }

  async markFailed(tenantId: string, deliveryId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $3, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
      [tenantId, deliveryId, error],
    );
  }
}
