import { Module } from '@nestjs/common';
import { EventsApiModule } from '@storelens/events';
import { PlatformModule } from '@storelens/platform';
import { AnalyticsApiModule } from './analytics-api.module';

/**
 * The analytics service: the authenticated read side over what the pipeline stored, and the push side (event
 * stream, webhooks and their delivery worker), which also only reads what the pipeline wrote.
 */
@Module({ imports: [PlatformModule.forService('analytics'), AnalyticsApiModule, EventsApiModule] })
export class AnalyticsModule {}
