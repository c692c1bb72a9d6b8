import 'reflect-metadata';
import { bootstrapService } from '@storelens/platform';
import { AnalyticsModule } from './analytics.module';

bootstrapService(AnalyticsModule, {
  name: 'analytics',
  queueOperations: true,
  openApi: {
    title: 'StoreLens analytics API',
    description:
      'The read side: media with their status, frames and faces; annotated frames; visitor and demographic ' +
      'summaries; watchlist alerts. Every call is scoped to the tenant of the API key.',
  },
}).catch((err: unknown) => {
  process.stderr.write(
    `analytics failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
