import { Module } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { CONFIG, OutboundPolicy, SecretBox } from '@storelens/platform';
import { EventsProducerModule } from './events-producer.module';
import { EventsController } from './stream/events.controller';
import { WebhookConsumer } from './webhooks/webhook.consumer';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export const secretBoxProvider = {
  provide: SecretBox,
  useFactory: (cfg: StoreLensConfig) => new SecretBox(cfg.secretKey),
  inject: [CONFIG],
};
export const outboundPolicyProvider = {
  provide: OutboundPolicy,
  useFactory: (cfg: StoreLensConfig) => new OutboundPolicy(cfg.outbound),
  inject: [CONFIG],
};

/**
 * The push side of the API: GET /v1/events (SSE) and /v1/webhooks, and the worker that delivers webhooks from
 * their own queue. Needs the global PlatformModule beside it.
 */
@Module({
  imports: [EventsProducerModule],
  controllers: [EventsController, WebhooksController],
  providers: [
    secretBoxProvider,
    outboundPolicyProvider,
    WebhooksService,
    WebhookSender,
    WebhookDeliveryService,
    WebhookConsumer,
  ],
})
export class EventsApiModule {}
