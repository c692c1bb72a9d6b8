import 'reflect-metadata';
import { bootstrapService } from '@storelens/platform';
import { AnalyticsModule } from './analytics.module';
import { ANALYTICS_OPENAPI } from './openapi';

bootstrapService(AnalyticsModule, {
  name: 'analytics',
  queueOperations: true,
  openApi: ANALYTICS_OPENAPI,
}).catch((err: unknown) => {
  process.stderr.write(
    `analytics failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
