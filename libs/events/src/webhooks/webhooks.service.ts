import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { WebhookRepository, type Webhook, type WebhookDelivery } from '@storelens/db';
import { OutboundPolicy, OutboundRefusedError, SecretBox } from '@storelens/platform';
import type { z } from 'zod';
import { newWebhookSecret } from '../signature';
import type { NewWebhookSchema } from './webhooks.dto';

/** The context a webhook's sealed secret is bound to. */
export const webhookSecretContext = (id: string) => `webhook:${id}`;

/** Parses a webhook target: http(s) only, no credentials in it, a host the outbound policy allows. */
export async function webhookTarget(raw: string, policy: OutboundPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestException('url: not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestException(`url: scheme ${url.protocol} is not allowed (http, https)`);
  }
  if (url.username || url.password) throw new BadRequestException('url: must not carry credentials');
  try {
    await policy.check(url.hostname);
  } catch (err) {
    if (err instanceof OutboundRefusedError) throw new BadRequestException(`url: ${err.message}`);
    throw err;
  }
  return url;
}

/** Webhook subscriptions: created with a signing secret (sealed at rest, shown once), listed, deleted. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(WebhookRepository) private readonly webhooks: WebhookRepository,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(OutboundPolicy) private readonly policy: OutboundPolicy,
  ) {}

  async create(tenantId: string, input: z.infer<typeof NewWebhookSchema>): Promise<{ id: string; secret: string }> {
    const url = await webhookTarget(input.url, this.policy);
    const id = randomUUID();
    const secret = input.secret ?? newWebhookSecret();
    const events = [...new Set(input.events)];
    await this.webhooks.create(tenantId, {
      id,
      url: url.toString(),
      events,
      secretEnc: this.box.seal(secret, webhookSecretContext(id)),
    });
    return { id, secret };
  }

  list(tenantId: string): Promise<Webhook[]> {
    return this.webhooks.list(tenantId);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.webhooks.delete(tenantId, id))) throw new NotFoundException('webhook not found');
  }

  async deliveries(tenantId: string, id: string): Promise<WebhookDelivery[]> {
    if (!(await this.webhooks.get(tenantId, id))) throw new NotFoundException('webhook not found');
    return this.webhooks.deliveries(tenantId, id);
  }
}
