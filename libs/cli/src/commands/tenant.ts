import type { Command } from 'commander';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { config } from '@storelens/config';
import { createDataSource, runMigrations, TenantRepository } from '@storelens/db';
import { QueueService } from '@storelens/queue';
import { ObjectStore, tenantPrefix } from '@storelens/storage';
import { printJson } from '../output';

/** TypeORM prints migration progress with console.log; stdout must carry only the command's JSON line. */
export const stderrLogger: TypeOrmLogger = {
  logQuery: () => undefined,
  logQueryError: (error, query) => process.stderr.write(`query failed: ${String(error)}: ${query}\n`),
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: (message) => process.stderr.write(`${message}\n`),
  log: (level, message) => {
    if (level !== 'log' && level !== 'info') process.stderr.write(`${String(message)}\n`);
  },
};

async function withTenants<T>(fn: (tenants: TenantRepository) => Promise<T>): Promise<T> {
  const dataSource = createDataSource(config().database.url, { poolSize: 1 });
  dataSource.setOptions({ logger: stderrLogger });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    return await fn(new TenantRepository(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

/**
 * `storelens tenant create <name>`: brings the schema up to date, creates the tenant and its first API key, and
 * prints `{"tenant","apiKey"}` (the key is shown this once; only its hash is stored).
 * `storelens tenant delete <id>`: removes the tenant with every row it owns, every object under its prefix and every
 * job of it in the queues.
 */
export function addTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('create and delete tenants (retail chains) and their API keys');

  tenant
    .command('create')
    .description('create a tenant and an API key; prints {"tenant","apiKey"}')
    .argument('<name>', 'the retail chain’s name')
    .action(async (name: string) => {
      if (name.trim() === '') throw new Error('the tenant name must not be empty');
      const created = await withTenants(async (tenants) => {
        const row = await tenants.create(name.trim());
        const { key } = await tenants.issueApiKey(row.id, 'created by storelens tenant create');
        return { tenant: row.id, apiKey: key };
      });
      printJson(created);
    });

  tenant
    .command('delete')
    .description(
      'delete a tenant: its rows, its API keys, every stored object and queued job; prints {"tenant","objects","jobs"}',
    )
    .argument('<id>', 'the tenant id')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a tenant id: ${id}`);
      // Objects first: if the store fails, the tenant's rows remain and the command can be run again.
      await withTenants(async (tenants) => {
        if (!(await tenants.get(id))) throw new Error(`no tenant ${id}`);
        const store = new ObjectStore(config().s3);
        let objects: number;
        try {
          await store.ensureBucket();
          objects = await store.removePrefix(tenantPrefix(id));
        } finally {
          store.close();
        }
        // its jobs too (ids only, but they name the tenant and its faces): nothing of it stays in Redis
        const queues = new QueueService({ redisUrl: config().redis.url, prefix: config().queue.prefix });
        let jobs: number;
        try {
          jobs = await queues.removeTenantJobs(id);
        } finally {
          await queues.close();
        }
        await tenants.remove(id);
        printJson({ tenant: id, objects, jobs });
      });
    });
}
