/**
 * Applies, reverts or lists schema migrations against DATABASE_URL:
 *   npx tsx libs/db/src/migrate.ts [up|down|status]     (or: npx nx run db:migrate)
 */
import { config } from '@storelens/config';
import { createDataSource, runMigrations } from './data-source';

async function main(command: string): Promise<void> {
  // the migration runner is an entry point: it reads the configuration itself
  const dataSource = createDataSource(config().database.url, { poolSize: 1 });
  await dataSource.initialize();
  try {
    if (command === 'up') {
      const applied = await runMigrations(dataSource);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    } else if (command === 'down') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else if (command === 'status') {
      const pending = await dataSource.showMigrations();
      console.log(pending ? 'migrations pending' : 'schema is up to date');
      process.exitCode = pending ? 1 : 0;
    } else {
      throw new Error(`unknown command ${command}; use up, down or status`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2] ?? 'up').catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
