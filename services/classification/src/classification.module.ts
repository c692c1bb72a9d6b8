import { Module } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import { ReconcilerModule, WorkerKitModule } from '@storelens/worker-kit';
import { ClassificationConsumer, EnrolmentConsumer } from './classification.consumer';
import { FaceClassificationService } from './face-classification.service';
import { IdentityEnrolmentService } from './identity-enrolment.service';

/** The classification worker without the platform, so tests can run it beside the other workers in one process. */
@Module({
  imports: [WorkerKitModule],
  providers: [FaceClassificationService, IdentityEnrolmentService, ClassificationConsumer, EnrolmentConsumer],
  exports: [FaceClassificationService, IdentityEnrolmentService],
})
export class ClassificationWorkerModule {}

/**
 * The classification service: consumes the classification queue (identify camera faces) and the enrolment queue
 * (add enrolment photos to the gallery); HTTP only for /health and /metrics. No model: it compares stored vectors.
 */
@Module({ imports: [PlatformModule.forService('classification'), ClassificationWorkerModule, ReconcilerModule] })
export class ClassificationModule {}
