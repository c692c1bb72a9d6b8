/**
 * One BullMQ queue per service, so each service scales and is paused on its own:
 * ingest -> detection -> (embedding, attribute) -> classification, and enrolment beside them.
 * The analytics service only reads the database and has no queue.
 */
export const QueueName = {
  Ingest: 'ingest',
  Detection: 'detection',
  Embedding: 'embedding',
  Attribute: 'attribute',
  Classification: 'classification',
  Enrolment: 'enrolment',
  /** Outbound webhook deliveries: apart from the pipeline, so a slow receiver never holds up a frame. */
  Webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const queueNames: readonly QueueName[] = Object.values(QueueName);
