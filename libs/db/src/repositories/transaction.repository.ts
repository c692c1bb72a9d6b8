import type { DataSource } from 'typeorm';

/** A sale as the till reports it. */
export interface NewTransaction {
  at: Date;
  /** In the currency's units, e.g. 12.5 for 12.50 EUR. */
  amount: number;
  currency: string | null;
  checkoutCameraId: string | null;
  externalRef: string | null;
}

export interface TransactionRow extends NewTransaction {
  id: string;
  storeId: string;
}

/** Sales of a store (the checkout side of conversion); matched to visits when read. */
export class TransactionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records sales; a sale whose externalRef the store already has is left as it was (a till re-sending), and
   * its existing id is returned. Throws (foreign key) when the store or camera is not the tenant's.
   */
  async record(
    tenantId: string,
    storeId: string,
    sales: readonly NewTransaction[],
  ): Promise<{ id: string; created: boolean }[]> {
    if (sales.length === 0) return [];
    return this.dataSource.transaction(async (m) => {
      const out: { id: string; created: boolean }[] = [];
      for (const s of sales) {
        const inserted: { id: string }[] = await m.query(
          `INSERT INTO transactions (tenant_id, store_id, at, amount, currency, checkout_camera_id, external_ref)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (tenant_id, store_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING
           RETURNING id`,
          [tenantId, storeId, s.at, s.amount, s.currency, s.checkoutCameraId, s.externalRef],
        );
        if (inserted[0]) {
          out.push({ id: inserted[0].id, created: true });
          continue;
        }
        const [existing]: { id: string }[] = await m.query(
          `SELECT id FROM transactions WHERE tenant_id = $1 AND store_id = $2 AND external_ref = $3`,
          [tenantId, storeId, s.externalRef],
        );
        out.push({ id: existing!.id, created: false });
      }
      return out;
    });
  }

  /** The store's sales in [from, to). */
  async between(tenantId: string, storeId: string, from: Date, to: Date): Promise<TransactionRow[]> {
    const rows: (Omit<TransactionRow, 'amount'> & { amount: string })[] = await this.dataSource.query(
      `SELECT id, store_id AS "storeId", at, amount, currency, checkout_camera_id AS "checkoutCameraId",
              external_ref AS "externalRef"
       FROM transactions WHERE tenant_id = $1 AND store_id = $2 AND at >= $3 AND at < $4 ORDER BY at, id`,
      [tenantId, storeId, from, to],
    );
    return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
  }
}
