import { Module } from '@nestjs/common';
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
@Module({ imports: [PlatformModule.forService('attribute'), AttributeWorkerModule, ReconcilerModule] })
export class AttributeModule {}
