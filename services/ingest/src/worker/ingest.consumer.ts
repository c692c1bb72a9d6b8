import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName } from '@storelens/contracts';
import { Metrics } from '@storelens/platform';
import { QueueService, type JobFailure, type JobHandlers } from '@storelens/queue';
import { QueueConsumer } from '@storelens/worker-kit';
import { MediaSamplingService } from './media-sampling.service';

/** Consumes the `ingest` queue: each `ingest-media` job samples one upload into frames. */
@Injectable()
export class IngestConsumer extends QueueConsumer<typeof QueueName.Ingest> {
  constructor(
    @Inject(QueueService) queues: QueueService,
    @Inject(Metrics) metrics: Metrics,
    @Inject(MediaSamplingService) private readonly sampling: MediaSamplingService,
  ) {
    super(QueueName.Ingest, queues, metrics);
  }

  protected handlers(): JobHandlers<typeof QueueName.Ingest> {
    return { [JobName.IngestMedia]: (payload, ctx) => this.sampling.ingestMedia(payload, ctx) };
  }

  protected recordFailure(failure: JobFailure): Promise<void> {
    return this.sampling.recordFailure(failure);
  }
}
