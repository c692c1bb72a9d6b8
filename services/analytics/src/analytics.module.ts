import { Module } from '@nestjs/common';
import { EventsApiModule } from '@storelens/events';
import { PlatformModule } from '@storelens/platform';
import { AnalyticsApiModule } from './analytics-api.module';
import { RollupRefresher } from './rollups/rollup-refresher';

/**
 * The analytics service: the authenticated read side over what the pipeline stored, and the push side (event
 * stream, webhooks and their delivery worker), which also only reads what the pipeline wrote.
 */
@Module({ imports: [PlatformModule.forService('analytics'), AnalyticsApiModule, EventsApiModule],
  providers: [RollupRefresher],
})
export class AnalyticsModule {}
