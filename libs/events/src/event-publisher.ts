import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobName } from '@storelens/contracts';
import { EventRepository, type NewEvent, type StoredEvent } from '@storelens/db';
import { QueueService } from '@storelens/queue';
import { EventBus } from './event-bus';

/**
 * The one way an event enters StoreLens: appended to the tenant's log (deduplicated by its subject and window),
 * fanned out to the subscribed webhooks as queued deliveries, and announced to open event streams. Nothing here
 * waits for a receiver: a delivery is a job on its own queue.
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger(EventPublisher.name);

  constructor(
    @Inject(EventRepository) private readonly events: EventRepository,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  /** The stored event, or null when the dedup window already holds one for the same subject. */
  async publish(tenantId: string, event: NewEvent): Promise<StoredEvent | null> {
    const appended = await this.events.append(tenantId, event);
    if (!appended) return null;
    // a delivery row exists before its job: a failed enqueue leaves it pending for a sweep, never lost
    await this.queues.enqueueMany(
      JobName.DeliverWebhook,
      appended.deliveryIds.map((deliveryId) => ({ tenantId, deliveryId })),
    );
    await this.bus.announce(tenantId, appended.event.id);
    this.logger.log({ tenantId, eventId: appended.event.id, type: event.type }, 'event published');
    return appended.event;
  }
}
