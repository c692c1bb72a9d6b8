import type { StoreLensConfig } from '@storelens/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { EventsProducerModule } from '@storelens/events';
import { PlatformModule } from '@storelens/platform';
import { ReconcilerModule, WorkerKitModule } from '@storelens/worker-kit';
import { ClassificationConsumer, EnrolmentConsumer } from './classification.consumer';
import { FaceClassificationService } from './face-classification.service';
import { IdentityEnrolmentService } from './identity-enrolment.service';
import { ShopperEvents } from './shoppers/shopper-events';
import { ShopperTrackingService } from './shoppers/shopper-tracking.service';

/** The classification worker without the platform, so tests can run it beside the other workers in one process. */
@Module({
  imports: [WorkerKitModule, EventsProducerModule],
  providers: [
    FaceClassificationService,
    IdentityEnrolmentService,
    ShopperTrackingService,
    ShopperEvents,
    ClassificationConsumer,
    EnrolmentConsumer,
  ],
  exports: [FaceClassificationService, IdentityEnrolmentService, ShopperTrackingService, ShopperEvents],
})
export class ClassificationWorkerModule {}

/**
 * The classification service: consumes the classification queue (identify camera faces) and the enrolment queue
 * (add enrolment photos to the gallery); HTTP only for /health and /metrics. No model: it compares stored vectors.
 */
@Module({})
export class ClassificationModule {
  /** The service under a configuration: the process's own (read once in main.ts), or a test's own. */
  static forConfig(cfg: StoreLensConfig): DynamicModule {
    return {
      module: ClassificationModule,
      imports: [PlatformModule.forService('classification', cfg), ClassificationWorkerModule, ReconcilerModule],
    };
  }
}
