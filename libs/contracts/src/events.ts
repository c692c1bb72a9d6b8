import { z } from 'zod';
import { Id, ProcessingStatus } from './domain';

/**
 * Facts services announce after they changed the database, for whoever wants to react (the API's live status,
 * analytics). Unlike jobs they are not work to be done, so losing one costs freshness, not correctness: the
 * database stays the source of truth.
 */
export const EventName = {
  MediaStatusChanged: 'media.status-changed',
  FaceClassified: 'face.classified',
} as const;
export type EventName = (typeof EventName)[keyof typeof EventName];

const At = z.iso.datetime();

const events = {
  [EventName.MediaStatusChanged]: z.strictObject({
    tenantId: Id,
    mediaId: Id,
    status: ProcessingStatus,
    /** Why processing failed, for a `failed` status. */
    error: z.string().max(2000).nullable(),
    at: At,
  }),
  [EventName.FaceClassified]: z.strictObject({
    tenantId: Id,
    faceId: Id,
    /** The enrolled identity the face matched, or null for an unknown visitor. */
    identityId: Id.nullable(),
    /** The anonymous visitor the face was grouped under when no identity matched. */
    visitorId: Id.nullable(),
    similarity: z.number().min(-1).max(1).nullable(),
    at: At,
  }),
} as const satisfies Record<EventName, z.ZodObject>;

export type EventOf<N extends EventName> = z.infer<(typeof events)[N]>;

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** Validates an event where it is received. Throws InvalidEventError. */
export function parseEvent<N extends EventName>(name: N, data: unknown): EventOf<N> {
  if (!Object.prototype.hasOwnProperty.call(events, name)) throw new InvalidEventError(`unknown event ${name}`);
  const parsed = events[name].safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`invalid event ${name}: ${issues}`);
  }
  return parsed.data as EventOf<N>;
}
