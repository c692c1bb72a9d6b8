import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName } from '@storelens/contracts';
import { Metrics } from '@storelens/platform';
import { QueueService, type JobFailure, type JobHandlers } from '@storelens/queue';
import { QueueConsumer } from '@storelens/worker-kit';
import { FaceClassificationService } from './face-classification.service';
import { IdentityEnrolmentService } from './identity-enrolment.service';

@Injectable()
export class ClassificationConsumer extends QueueConsumer<typeof QueueName.Classification> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(FaceClassificationService) private readonly classification: FaceClassificationService,
  ) {
    super(QueueName.Classification, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Classification> {
    return { [JobName.ClassifyFace]: (payload, ctx) => this.classification.classifyFace(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.classification.recordFailure(failure);
  }
}

@Injectable()
export class EnrolmentConsumer extends QueueConsumer<typeof QueueName.Enrolment> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(IdentityEnrolmentService) private readonly enrolment: IdentityEnrolmentService,
  ) {
    super(QueueName.Enrolment, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Enrolment> {
    return { [JobName.EnrolIdentityMedia]: (payload, ctx) => this.enrolment.enrolMedia(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.enrolment.recordFailure(failure);
  }
}
