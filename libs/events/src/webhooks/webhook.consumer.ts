import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { JobName, QueueName } from '@storelens/contracts';
import { InjectConfig, measured, Metrics } from '@storelens/platform';
import { QueueService } from '@storelens/queue';
import { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * Consumes the webhooks queue with many deliveries at once (WEBHOOK_CONCURRENCY): they wait on the network, not
 * the CPU, so one slow receiver takes one slot while the others keep going.
 */
@Injectable()
export class WebhookConsumer implements OnApplicationBootstrap {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(WebhookDeliveryService) private readonly delivery: WebhookDeliveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = { [JobName.DeliverWebhook]: this.delivery.deliver.bind(this.delivery) };
    const worker = this.queues.worker(QueueName.Webhooks, measured(QueueName.Webhooks, handlers, this.metrics), {
      concurrency: this.cfg.webhooks.concurrency,
      onFailed: (failure) => this.delivery.recordFailure(failure),
    });
    await worker.waitUntilReady();
  }
}
