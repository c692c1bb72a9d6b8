/** `tsx deploy/local/services.ts up|down|status`: the StoreLens processes of the local stack (see @storelens/stack). */
import { downDetached, statusDetached, upDetached } from '@storelens/stack';

{
  const cmd = process.argv[2] ?? 'status';
  const run = cmd === 'up' ? upDetached : cmd === 'down' ? downDetached : cmd === 'status' ? statusDetached : null;
  if (!run) {
    console.error('usage: services.ts up|down|status');
    process.exit(2);
  }
  run().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
