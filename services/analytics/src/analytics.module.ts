import type { StoreLensConfig } from '@storelens/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { EventsApiModule } from '@storelens/events';
import { PlatformModule } from '@storelens/platform';
import { AnalyticsApiModule } from './analytics-api.module';
import { RollupRefresher } from './rollups/rollup-refresher';

/**
 * The analytics service: the authenticated read side over what the pipeline stored, and the push side (event
 * stream, webhooks and their delivery worker), which also only reads what the pipeline wrote.
 */
@Module({})
export class AnalyticsModule {
  /** The service under a configuration: the process's own (read once in main.ts), or a test's own. */
  static forConfig(cfg: StoreLensConfig): DynamicModule {
    return {
      module: AnalyticsModule,
      imports: [PlatformModule.forService('analytics', cfg), AnalyticsApiModule, EventsApiModule],
      // keeps the hourly rollups current in the background (cfg.rollups.refreshMs; 0 turns it off)
      providers: [RollupRefresher],
    };
  }
}
