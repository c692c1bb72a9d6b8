import { Module } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import { AnalyticsApiModule } from './analytics-api.module';

/** The analytics service: the authenticated read side over what the pipeline stored. */
@Module({ imports: [PlatformModule.forService('analytics'), AnalyticsApiModule] })
export class AnalyticsModule {}
