import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BI_GROUP, biRoleName } from '../reporting/roles';

export interface BiLogin {
  role: string;
  /** shown once; Postgres keeps only its SCRAM verifier */
  password: string;
}

/**
 * Read-only Postgres logins for a tenant's BI tools: a member of storelens_bi (the reporting views, nothing else),
 * mapped to its tenant by bi_logins so that row-level security shows it that tenant's rows only. Needs a connection
 * with CREATEROLE (the migration user).
 */
export class BiLoginRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the tenant's login, or gives the existing one a new password. Throws for an unknown tenant. */
  async grant(tenantId: string): Promise<BiLogin> {
    const role = biRoleName(tenantId);
    // hex only: safe to put in the statement, which cannot take a parameter for a password
    const password = randomBytes(24).toString('hex');
    await this.dataSource.transaction(async (m) => {
      const [tenant] = await m.query(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
      if (!tenant) throw new Error(`no tenant ${tenantId}`);
      const [exists] = await m.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
      // read-only by default too: even a granted write would fail in a read-only transaction
      const options = `LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION CONNECTION LIMIT 10`;
      await m.query(exists ? `ALTER ROLE ${role} ${options}` : `CREATE ROLE ${role} ${options}`);
      await m.query(`GRANT ${BI_GROUP} TO ${role}`);
      await m.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
      await m.query(`ALTER ROLE ${role} SET statement_timeout = '10min'`);
      await m.query(
        `INSERT INTO bi_logins (role_name, tenant_id) VALUES ($1, $2)
         ON CONFLICT (role_name) DO UPDATE SET tenant_id = EXCLUDED.tenant_id`,
        [role, tenantId],
      );
    });
    return { role, password };
  }

  /** Removes the login and ends its open sessions; false when the tenant had none. */
  async revoke(tenantId: string): Promise<boolean> {
    const role = biRoleName(tenantId);
    return this.dataSource.transaction(async (m) => {
      const [exists] = await m.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
      await m.query(`DELETE FROM bi_logins WHERE role_name = $1`, [role]);
      if (!exists) return false;
      await m.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
      await m.query(`DROP ROLE ${role}`);
      return true;
    });
  }
}
