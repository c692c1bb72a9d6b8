import type { QueryRunner } from 'typeorm';

/**
 * Postgres roles of the reporting schema (cluster-wide, shared by every database of the cluster):
 * - `storelens_reporting` (NOLOGIN) owns the reporting views and may SELECT the base tables they read, where row-level
 *   security lets it see only the rows of the tenant of the login that is asking (reporting.current_tenant());
 * - `storelens_bi` (NOLOGIN) is the group of every BI login: USAGE on the schema and SELECT on its views, nothing else;
 * - `storelens_bi_<tenant hex>`: one LOGIN per tenant, a member of storelens_bi, mapped to its tenant by bi_logins.
 * A BI login is never a member of storelens_reporting, so it cannot read a base table itself.
 */
export const REPORTING_OWNER = 'storelens_reporting';
export const BI_GROUP = 'storelens_bi';

/** The login name of a tenant's BI role (63 bytes at most: 13 + 32). */
export function biRoleName(tenantId: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId))
    throw new Error(`not a tenant id: ${tenantId}`);
  return `storelens_bi_${tenantId.replace(/-/g, '').toLowerCase()}`;
}

/** CREATE ROLE that tolerates the role existing already, also when another database's migration creates it now. */
export async function ensureRole(q: QueryRunner, name: string): Promise<void> {
  await q.query(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
        CREATE ROLE ${name} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
}

/**
 * Lets the reporting views read a base table, for the asking login's tenant only: row-level security with a
 * SELECT policy for the views' owner. The application's own role owns the tables and is not subject to it.
 * A later migration that adds a table for reporting (visits, zones, transactions) calls this once for it.
 */
export async function exposeToReporting(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`
    CREATE POLICY reporting_tenant ON ${table} FOR SELECT TO ${REPORTING_OWNER}
      USING (tenant_id = reporting.current_tenant())`);
  await q.query(`GRANT SELECT ON ${table} TO ${REPORTING_OWNER}`);
}

/** Creates (or replaces) a reporting view owned by the reporting role, readable by the BI group. */
export async function createReportingView(q: QueryRunner, name: string, select: string): Promise<void> {
  await q.query(`CREATE OR REPLACE VIEW reporting.${name} AS ${select}`);
  await q.query(`ALTER VIEW reporting.${name} OWNER TO ${REPORTING_OWNER}`);
  await q.query(`GRANT SELECT ON reporting.${name} TO ${BI_GROUP}`);
}
