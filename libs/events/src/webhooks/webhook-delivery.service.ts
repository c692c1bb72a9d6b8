import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { JobName, parseJob, type JobOf } from '@storelens/contracts';
import { WebhookRepository } from '@storelens/db';
import { InjectConfig, OutboundPolicy, OutboundRefusedError, SecretBox } from '@storelens/platform';
import { PermanentJobError, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { SIGNATURE_HEADER, signWebhook } from '../signature';
import { WebhookSender } from './webhook-sender';
import { webhookSecretContext } from './webhooks.service';

/** The first characters of an error worth keeping in the delivery log. */
const MAX_ERROR = 300;

/**
 * deliver-webhook: POSTs one event to one webhook, signed, with a hard timeout; every try is logged on the
 * delivery row. A non-2xx answer or a timeout throws so the queue retries with backoff; a target the outbound
 * policy now refuses fails for good. Deliveries run many at a time on their own queue, so a receiver that never
 * answers holds one slot for the timeout, never the pipeline or the other deliveries.
 */
@Injectable()
export class WebhookDeliveryService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(WebhookRepository) private readonly webhooks: WebhookRepository,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(OutboundPolicy) private readonly policy: OutboundPolicy,
  ) {}

  async deliver({ tenantId, deliveryId }: JobOf<'deliver-webhook'>, ctx: JobContext): Promise<JobOutcome> {
    const work = await this.webhooks.work(tenantId, deliveryId);
    if (!work || work.delivery.status !== 'pending') return 'skipped'; // webhook deleted, or already delivered
    const url = new URL(work.url);
    try {
      await this.policy.check(url.hostname);
    } catch (err) {
      if (!(err instanceof OutboundRefusedError)) throw err;
      await this.webhooks.recordTry(tenantId, deliveryId, { status: 'failed', httpStatus: null, error: err.message });
      throw new PermanentJobError(err.message);
    }
    const { event } = work;
    const body = JSON.stringify({
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.occurredAt).toISOString(),
      data: event.data,
    });
    const secret = this.box.open(work.secretEnc, webhookSecretContext(work.delivery.webhookId));
    let status: number;
    try {
      ({ status } = await this.sender.post(
        url.toString(),
        body,
        {
          [SIGNATURE_HEADER]: signWebhook(secret, body),
          'X-StoreLens-Event': event.type,
          'X-StoreLens-Delivery': deliveryId,
        },
        this.cfg.webhooks.timeoutMs,
      ));
    } catch (err) {
      const reason = describe(err, this.cfg.webhooks.timeoutMs);
      await this.webhooks.recordTry(tenantId, deliveryId, { status: 'pending', httpStatus: null, error: reason });
      throw new Error(`delivery ${deliveryId}: ${reason}`);
    }
    if (status >= 200 && status < 300) {
      await this.webhooks.recordTry(tenantId, deliveryId, { status: 'delivered', httpStatus: status, error: null });
      ctx.logger.info({ deliveryId, eventId: event.id, status, attempt: ctx.attempt }, 'webhook delivered');
      return 'done';
    }
    await this.webhooks.recordTry(tenantId, deliveryId, {
      status: 'pending',
      httpStatus: status,
      error: `receiver answered ${status}`,
    });
    throw new Error(`delivery ${deliveryId}: receiver answered ${status}`);
  }

  /** A delivery whose tries are used up (or that cannot succeed) is marked failed with the last reason. */
  async recordFailure(failure: JobFailure): Promise<void> {
    if (failure.name !== JobName.DeliverWebhook) return;
    let job: JobOf<'deliver-webhook'>;
    try {
      job = parseJob(JobName.DeliverWebhook, failure.data);
    } catch {
      return;
    }
    await this.webhooks.markFailed(
      job.tenantId,
      job.deliveryId,
      `gave up after ${failure.attemptsMade} tries: ${failure.error.message}`.slice(0, MAX_ERROR),
    );
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? err).slice(0, MAX_ERROR);
}
