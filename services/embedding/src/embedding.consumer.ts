import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName } from '@storelens/contracts';
import { Metrics } from '@storelens/platform';
import { QueueService, type JobFailure, type JobHandlers } from '@storelens/queue';
import { QueueConsumer } from '@storelens/worker-kit';
import { FaceEmbeddingService } from './face-embedding.service';

@Injectable()
export class EmbeddingConsumer extends QueueConsumer<typeof QueueName.Embedding> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(FaceEmbeddingService) private readonly embedding: FaceEmbeddingService,
  ) {
    super(QueueName.Embedding, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Embedding> {
    return { [JobName.EmbedFace]: (payload, ctx) => this.embedding.embedFace(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.embedding.recordFailure(failure);
  }
}
