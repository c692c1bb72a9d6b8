import { Module, type DynamicModule } from '@nestjs/common';
import type { IngestRole, StoreLensConfig } from '@storelens/config';
import { PlatformModule } from '@storelens/platform';
import { WorkerKitModule } from '@storelens/worker-kit';
import { IdentitiesController } from './identities/identities.controller';
import { IdentityService } from './identities/identity.service';
import { LiveModule } from './live/live.module';
import { MediaIntake } from './media/media-intake.service';
import { MediaController } from './media/media.controller';
import { UploadReceiver } from './media/upload-receiver';
import { StoreService } from './stores/store.service';
import { ShoppersController } from './shoppers/shoppers.controller';
import { StoresController } from './stores/stores.controller';
import { IngestConsumer } from './worker/ingest.consumer';
import { MediaSamplingService } from './worker/media-sampling.service';

/** The write side of the API: stores, cameras, identities and uploads (which queue `ingest-media`). */
@Module({
  imports: [LiveModule],
  controllers: [StoresController, MediaController, IdentitiesController, ShoppersController],
  providers: [StoreService, UploadReceiver, MediaIntake, IdentityService],
})
export class IngestApiModule {}

/** The worker of the `ingest` queue: turns uploads into frames and queues their detection. */
@Module({
  imports: [WorkerKitModule],
  providers: [MediaSamplingService, IngestConsumer],
  exports: [MediaSamplingService],
})
export class IngestWorkerModule {}

/** The service name an ingest process reports in its logs, metrics and ready line. */
export function ingestServiceName(role: IngestRole): string {
  return role === 'worker' ? 'ingest-worker' : 'ingest';
}

/**
 * The ingest service: one codebase, run as the API, the worker, or both in one process (INGEST_ROLE). API and
 * worker scale differently (requests vs. video minutes), so the stack runs them as separate processes.
 *
 * Constructor parameters name their injection token (`@Inject(FrameRepository)`), and OpenAPI decorators name
 * their types: the service runs under tsx, whose esbuild emits no decorator metadata for Nest to read.
 */
@Module({})
export class IngestModule {
  /** The service under a given configuration: the process's own in main.ts, a test's own in the specs. */
  static forConfig(cfg: StoreLensConfig, role: IngestRole = cfg.ingest.role): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        PlatformModule.forService(ingestServiceName(role), cfg),
        // live cameras in every role: their API, and watchers that share the cameras out by lease among all ingest
        // processes (LIVE_WATCH)
        LiveModule,
        ...(role === 'worker' ? [] : [IngestApiModule]),
        ...(role === 'api' ? [] : [IngestWorkerModule]),
      ],
    };
  }
}
