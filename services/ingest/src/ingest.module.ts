import { Module, type DynamicModule } from '@nestjs/common';
import { config, type StoreLensConfig } from '@storelens/config';
import { PlatformModule } from '@storelens/platform';
import { IdentitiesController } from './identities/identities.controller';
import { IdentityService } from './identities/identity.service';
import { LiveModule } from './live/live.module';
import { MediaIntake } from './media/media-intake.service';
import { MediaController } from './media/media.controller';
import { UploadReceiver } from './media/upload-receiver';
import { StoresController } from './stores/stores.controller';
import { IngestProcessor } from './worker/ingest.processor';

/**
 * The ingest service: the write side of the API (stores, cameras, identities, uploads) and, in the same process,
 * the worker of the `ingest` queue that turns uploads into frames.
 *
 * Constructor parameters name their injection token (`@Inject(FrameRepository)`), and OpenAPI decorators name
 * their types: the service runs under tsx, whose esbuild emits no decorator metadata for Nest to read.
 */
@Module({})
export class IngestModule {
  /** The service under a given configuration: the process's own in main.ts, a test's own in the specs. */
  static forConfig(cfg: StoreLensConfig = config()): DynamicModule {
    return {
      module: IngestModule,
      imports: [PlatformModule.forService('ingest', cfg), LiveModule],
      controllers: [StoresController, MediaController, IdentitiesController],
      providers: [UploadReceiver, MediaIntake, IdentityService, IngestProcessor],
    };
  }
}
