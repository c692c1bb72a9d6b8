import { Module } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { CONFIG } from '@storelens/platform';
import { EventBus } from './event-bus';
import { EventPublisher } from './event-publisher';
import { SightingEvents } from './sighting-events';

/** Publishing events, for any service that produces them (classification, ingest's live watchers). */
@Module({
  providers: [
    {
      provide: EventBus,
      useFactory: (cfg: StoreLensConfig) => new EventBus(cfg.redis.url, cfg.queue.prefix),
      inject: [CONFIG],
    },
    EventPublisher,
    SightingEvents,
  ],
  exports: [EventBus, EventPublisher, SightingEvents],
})
export class EventsProducerModule {}
