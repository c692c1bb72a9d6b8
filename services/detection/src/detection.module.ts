import type { StoreLensConfig } from '@storelens/config';
import { Module, type DynamicModule } from '@nestjs/common';
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
@Module({})
export class DetectionModule {
  /** The service under a configuration: the process's own (read once in main.ts), or a test's own. */
  static forConfig(cfg: StoreLensConfig): DynamicModule {
    return {
      module: DetectionModule,
      imports: [PlatformModule.forService('detection', cfg), DetectionWorkerModule, ReconcilerModule],
    };
  }
}
