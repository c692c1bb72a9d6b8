import { Injectable, Logger } from '@nestjs/common';
import type { TrackRow, VisitRow } from '@storelens/db';

/**
 * The places where the shopper model changes, for whoever reacts to them (live events, notifications). Called
 * inside the transaction that made the change, after it is written: a listener must be quick and must not fail.
 * A visit ends when nobody extends it for the visit gap, which is a matter of time passing: ask the visits whose
 * `endedAt` is more than the gap ago.
 */
@Injectable()
export class ShopperEvents {
  private readonly logger = new Logger(ShopperEvents.name);

  /** A track got (or changed) its identity decision and the person it counts for. */
  trackDecided(tenantId: string, track: TrackRow): void {
    this.logger.debug(
      { tenantId, trackId: track.id, identityId: track.identityId, visitorId: track.visitorId },
      'track decided',
    );
  }

  /** A visit started, grew, merged or (with `removed`) was folded into another one. */
  visitChanged(tenantId: string, visit: VisitRow, removed = false): void {
    this.logger.debug({ tenantId, visitId: visit.id, personKey: visit.personKey, removed }, 'visit changed');
  }
}
