import { Module } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import { FaceDetectorProvider, ReconcilerModule, WorkerKitModule } from '@storelens/worker-kit';
import { DetectionConsumer } from './detection.consumer';
import { FaceDetectionService } from './face-detection.service';

/** The detection worker without the platform, so tests can run it beside the other workers in one process. */
@Module({
  imports: [WorkerKitModule],
  providers: [FaceDetectorProvider, FaceDetectionService, DetectionConsumer],
  exports: [FaceDetectionService],
})
export class DetectionWorkerModule {}

/** The detection service: consumes the detection queue; HTTP only for /health and /metrics. */
@Module({ imports: [PlatformModule.forService('detection'), DetectionWorkerModule, ReconcilerModule] })
export class DetectionModule {}
