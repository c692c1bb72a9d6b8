import type { StoreLensConfig } from '@storelens/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import {
  AgeGenderEstimatorProvider,
  EmotionClassifierProvider,
  ReconcilerModule,
  WorkerKitModule,
} from '@storelens/worker-kit';
import { AttributeConsumer } from './attribute.consumer';
import { FaceAttributesService } from './face-attributes.service';

/** The attribute worker without the platform, so tests can run it beside the other workers in one process. */
@Module({
  imports: [WorkerKitModule],
  providers: [AgeGenderEstimatorProvider, EmotionClassifierProvider, FaceAttributesService, AttributeConsumer],
  exports: [FaceAttributesService],
})
export class AttributeWorkerModule {}

/** The attribute service: consumes the attribute queue; HTTP only for /health and /metrics. */
@Module({})
export class AttributeModule {
  /** The service under a configuration: the process's own (read once in main.ts), or a test's own. */
  static forConfig(cfg: StoreLensConfig): DynamicModule {
    return {
      module: AttributeModule,
      imports: [PlatformModule.forService('attribute', cfg), AttributeWorkerModule, ReconcilerModule],
    };
  }
}
