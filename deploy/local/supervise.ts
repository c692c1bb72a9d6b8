/**
 * The local stack's process manager (started detached by `npm run stack:up`): runs every StoreLens process of the
 * plan and restarts any that dies, with backoff, logging to tmp/stack/logs/supervisor.log. SIGTERM (stack:down)
 * stops the processes and then the supervisor.
 */
import { superviseLocalStack } from '@storelens/stack';

superviseLocalStack().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
