import { z } from 'zod';

/**
 * What StoreLens pushes as it happens (Server-Sent Events at GET /v1/events and webhooks), declared once for the
 * producers, the API and the webhook deliveries.
 */
export const EventType = z.enum([
  'watchlist.sighted',
  'member.arrived',
  'visit.ended',
  'camera.offline',
  'camera.online',
]);
export type EventType = z.infer<typeof EventType>;
export const eventTypes: readonly EventType[] = EventType.options;

/** The identity named in a sighting: externalRef lets a loyalty app look the customer up in its own systems. */
export interface EventIdentity {
  id: string;
  name: string;
  category: string;
  externalRef: string | null;
}

/** `data` of watchlist.sighted and member.arrived. */
export interface SightingData {
  identity: EventIdentity;
  camera: { id: string; name: string };
  store: { id: string; name: string };
  similarity: number;
  /** the track the sighting belongs to, once tracks exist; null until then */
  trackId: string | null;
  faceId: string;
  frameId: string;
  /** a signed link to the frame with boxes drawn */
  annotatedUrl: string;
}

/** `data` of camera.offline and camera.online. */
export interface CameraStateData {
  camera: { id: string; name: string };
  store: { id: string };
  /** why the camera went offline (redacted: never a credential) */
  reason: string | null;
}

/** Every event, on the wire and in a webhook body. */
export interface StoreLensEvent<D = unknown> {
  /** increases with every event of a tenant; SSE resumes after it (Last-Event-ID) */
  id: string;
  type: EventType;
  occurredAt: string;
  data: D;
}
