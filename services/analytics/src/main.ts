import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { AnalyticsModule } from './analytics.module';

/** The service under the configuration read once from the environment. */
@Module({ imports: [AnalyticsModule.forConfig(config())] })
class AnalyticsApp {}
import { ANALYTICS_OPENAPI } from './openapi';

bootstrapService(AnalyticsApp, {
  name: 'analytics',
  queueOperations: true,
  openApi: ANALYTICS_OPENAPI,
}).catch((err: unknown) => {
  process.stderr.write(
    `analytics failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
