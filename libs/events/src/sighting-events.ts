import { Inject, Injectable } from '@nestjs/common';
import { requireUrlSecret, type StoreLensConfig } from '@storelens/config';
import type { EventType, SightingData } from '@storelens/contracts';
import { CameraRepository, StoreRepository, type Identity, type StoredEvent } from '@storelens/db';
import { InjectConfig, signPath } from '@storelens/platform';
import { EventPublisher } from './event-publisher';

/** How long the annotated-frame link in an event works: a day, for a message read later. */
export const EVENT_LINK_TTL_SECONDS = 24 * 3600;
/** A track is one continuous presence: one event for its whole life. */
const TRACK_WINDOW_MS = 365 * 24 * 3600 * 1000;

export interface Sighting {
  tenantId: string;
  identity: Pick<Identity, 'id' | 'name' | 'category' | 'externalRef'>;
  cameraId: string;
  similarity: number;
  faceId: string;
  frameId: string;
  capturedAt: Date;
  /** set once tracks exist: then one event per track instead of per dedup window */
  trackId?: string | null;
}

/** Which event a named face makes: watchlist and members are announced, staff never. */
export function sightingType(category: string): EventType | null {
  if (category === 'watchlist') return 'watchlist.sighted';
  if (category === 'member') return 'member.arrived';
  return null;
}

/**
 * What makes two sightings the same event: the same track when there is one, else the same identity on the same
 * camera within the dedup window (the event log compares subjects per camera).
 */
export function sightingDedup(
  s: Pick<Sighting, 'identity' | 'trackId'>,
  dedupSeconds: number,
): { subject: string; windowMs: number } {
  if (s.trackId) return { subject: `track:${s.trackId}`, windowMs: TRACK_WINDOW_MS };
  return { subject: `identity:${s.identity.id}`, windowMs: dedupSeconds * 1000 };
}

/** Turns a named face into watchlist.sighted or member.arrived, once per person per camera per window. */
@Injectable()
export class SightingEvents {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
    @Inject(StoreRepository) private readonly stores: StoreRepository,
  ) {}

  async sighted(s: Sighting): Promise<StoredEvent | null> {
    const type = sightingType(s.identity.category);
    if (!type) return null;
    const camera = await this.cameras.get(s.tenantId, s.cameraId);
    if (!camera) return null; // deleted meanwhile
    const store = await this.stores.get(s.tenantId, camera.storeId);
    const data: SightingData = {
      identity: {
        id: s.identity.id,
        name: s.identity.name,
        category: s.identity.category,
        externalRef: s.identity.externalRef ?? null,
      },
      camera: { id: camera.id, name: camera.name },
      store: { id: camera.storeId, name: store?.name ?? '' },
      similarity: Math.round(s.similarity * 1000) / 1000,
      trackId: s.trackId ?? null,
      faceId: s.faceId,
      frameId: s.frameId,
      annotatedUrl: this.annotatedUrl(s.tenantId, s.frameId),
    };
    return this.publisher.publish(s.tenantId, {
      type,
      occurredAt: s.capturedAt,
      storeId: camera.storeId,
      cameraId: camera.id,
      data: data as unknown as Record<string, unknown>,
      dedup: sightingDedup(s, this.cfg.events.dedupSeconds),
    });
  }

  private annotatedUrl(tenantId: string, frameId: string): string {
    const path = `/v1/frames/${frameId}/annotated.jpg`;
    const base = this.cfg.api.publicBaseUrl.replace(/\/+$/, '');
    return `${base}${path}?${signPath(requireUrlSecret(this.cfg), path, tenantId, EVENT_LINK_TTL_SECONDS).query}`;
  }
}
