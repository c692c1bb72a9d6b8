/** `npm run bench [-- options]`: the benchmark as its own program (the product CLI does not ship it). */
import { Command } from 'commander';
import { OnnxSession } from '@storelens/inference';
import { addBenchCommand } from './command';

if (require.main === module) {
  const program = new Command('storelens').showHelpAfterError();
  addBenchCommand(program);
  program
    .parseAsync(['bench', ...process.argv.slice(2)], { from: 'user' })
    .catch((err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    })
    .finally(() => OnnxSession.closeAll());
}
