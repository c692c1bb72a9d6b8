import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName } from '@storelens/contracts';
import { Metrics } from '@storelens/platform';
import { QueueService, type JobFailure, type JobHandlers } from '@storelens/queue';
import { QueueConsumer } from '@storelens/worker-kit';
import { FaceAttributesService } from './face-attributes.service';

@Injectable()
export class AttributeConsumer extends QueueConsumer<typeof QueueName.Attribute> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(FaceAttributesService) private readonly attributes: FaceAttributesService,
  ) {
    super(QueueName.Attribute, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Attribute> {
    return { [JobName.DescribeFace]: (payload, ctx) => this.attributes.describeFace(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.attributes.recordFailure(failure);
  }
}
