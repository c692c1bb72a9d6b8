import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName } from '@storelens/contracts';
import { Metrics } from '@storelens/platform';
import { QueueService, type JobFailure, type JobHandlers } from '@storelens/queue';
import { QueueConsumer } from '@storelens/worker-kit';
import { FaceDetectionService } from './face-detection.service';

@Injectable()
export class DetectionConsumer extends QueueConsumer<typeof QueueName.Detection> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(FaceDetectionService) private readonly detection: FaceDetectionService,
  ) {
    super(QueueName.Detection, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Detection> {
    return { [JobName.DetectFaces]: (payload, ctx) => this.detection.detectFaces(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.detection.recordFailure(failure);
  }
}
