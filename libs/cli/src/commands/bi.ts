import type { Command } from 'commander';
import { config } from '@storelens/config';
import { BiLoginRepository, biRoleName, createDataSource, runMigrations } from '@storelens/db';
import { printJson } from '../output';
import { stderrLogger } from './tenant';

async function withBiLogins<T>(fn: (logins: BiLoginRepository) => Promise<T>): Promise<T> {
  const dataSource = createDataSource(config().database.url, { poolSize: 1 });
  dataSource.setOptions({ logger: stderrLogger });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    return await fn(new BiLoginRepository(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

/** The platform's database URL with the BI login's name and password in place of the platform's. */
export function biConnectionString(databaseUrl: string, role: string, password: string): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = password;
  url.search = '';
  return url.toString();
}

/**
 * `storelens bi grant <tenantId> [--json]`: a read-only Postgres login for the tenant's BI tools, which sees the
 * `reporting` views and only the tenant's rows (docs/bi.md). Granting again gives the login a new password.
 * `storelens bi revoke <tenantId>`: removes the login and ends its sessions.
 */
export function addBiCommands(program: Command): void {
  const bi = program.command('bi').description('SQL logins for BI tools (Power BI, Tableau, Metabase): docs/bi.md');

  bi.command('grant')
    .description('create (or re-key) the tenant’s read-only login; prints {"role","connectionString"}')
    .argument('<tenantId>', 'the tenant id')
    .option('--json', 'print one JSON object (the default output)', true)
    .action(async (tenantId: string) => {
      const { role, password } = await withBiLogins((logins) => logins.grant(tenantId));
      printJson({ role, connectionString: biConnectionString(config().database.url, role, password) });
    });

  bi.command('revoke')
    .description('remove the tenant’s BI login; prints {"role","revoked"}')
    .argument('<tenantId>', 'the tenant id')
    .option('--json', 'print one JSON object (the default output)', true)
    .action(async (tenantId: string) => {
      const revoked = await withBiLogins((logins) => logins.revoke(tenantId));
      printJson({ role: biRoleName(tenantId), revoked });
    });
}
