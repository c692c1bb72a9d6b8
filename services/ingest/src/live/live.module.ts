import { Module } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { EventsProducerModule, outboundPolicyProvider, secretBoxProvider } from '@storelens/events';
import { CONFIG } from '@storelens/platform';
import { LiveCamerasController } from './live-cameras.controller';
import { LiveCamerasService } from './live-cameras.service';
import { LiveFrameWriter } from './live-frame-writer';
import { LiveStateRepository } from './live-state.repository';
import { LiveSupervisor } from './live-supervisor';

/**
 * Live cameras: the API for their streams and status, and (with LIVE_WATCH=1) the supervisor that shares the
 * cameras out between the ingest replicas and watches this replica's share. Needs the global PlatformModule.
 */
@Module({
  imports: [EventsProducerModule],
  controllers: [LiveCamerasController],
  providers: [
    secretBoxProvider,
    outboundPolicyProvider,
    {
      provide: LiveStateRepository,
      useFactory: (cfg: StoreLensConfig) => LiveStateRepository.connect(cfg.redis.url, cfg.queue.prefix),
      inject: [CONFIG],
    },
    LiveCamerasService,
    LiveFrameWriter,
    LiveSupervisor,
  ],
  exports: [LiveCamerasService],
})
export class LiveModule {}
