import { Module } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import { AnalyticsApiModule } from './analytics-api.module';
import { RollupRefresher } from './rollups/rollup-refresher';

/** The analytics service: the authenticated read side over what the pipeline stored, and its rollups. */
@Module({ imports: [PlatformModule.forService('analytics'), AnalyticsApiModule], providers: [RollupRefresher] })
export class AnalyticsModule {}
