import { EventType } from '@storelens/contracts';
import { orNull } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const NewWebhookSchema = z.strictObject({
  url: z.string().max(2048).describe('http(s) URL that receives each event as a signed JSON POST'),
  events: z.array(EventType).min(1).describe('event types to deliver'),
  secret: z
    .string()
    .min(16)
    .max(256)
    .optional()
    .describe('signing secret; one is generated (and shown once) when left out'),
});
export class NewWebhookDto extends createZodDto(NewWebhookSchema) {}

export const WebhookCreatedSchema = z.object({
  id: z.uuid(),
  secret: z.string().describe('the signing secret: shown only in this answer'),
});
export class WebhookCreatedDto extends createZodDto(WebhookCreatedSchema) {}

export const WebhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(EventType),
  createdAt: z.string().describe('ISO 8601'),
});
export class WebhookDto extends createZodDto(WebhookSchema) {}

export const DeliverySchema = z.object({
  id: z.uuid(),
  eventId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  tries: z.number().int(),
  lastStatus: z.number().int().nullable().describe('HTTP status of the last try; null when none came back'),
  lastError: orNull(z.string(), 'why the last try failed; null when it did not'),
  createdAt: z.string(),
  updatedAt: z.string(),
  deliveredAt: orNull(z.string(), 'when a try was answered with 2xx; null until then'),
});
export class DeliveryDto extends createZodDto(DeliverySchema) {}

export const EventStreamQuerySchema = z.strictObject({
  types: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((t) => t.trim()) : undefined))
    .pipe(z.array(EventType).optional())
    .describe('comma-separated event types'),
  storeId: z.uuid().optional(),
  lastEventId: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('resume after this id (the Last-Event-ID header does the same)'),
});
