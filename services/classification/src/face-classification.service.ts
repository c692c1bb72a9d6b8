import { Inject, Injectable } from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import { JobName, type JobOf } from '@storelens/contracts';
import {
  AlertRepository,
  EmbeddingRepository,
  FaceRepository,
  IdentityRepository,
  type FaceDecision,
} from '@storelens/db';
import { identify } from '@storelens/decision';
import { SightingEvents } from '@storelens/events';
import { InjectConfig, Metrics } from '@storelens/platform';
import { PermanentJobError, type JobContext, type JobFailure, type JobOutcome } from '@storelens/queue';
import { FailureRecorder, failedPayload, failureReason } from '@storelens/worker-kit';
import { ShopperTrackingService } from './shoppers/shopper-tracking.service';

/**
 * Reference faces looked at per query: enough for several photos of each of the closest identities, so the
 * runner-up identity (for the margin) is in the list too.
 */
const GALLERY_NEIGHBOURS = 20;
/** Identities kept per face for naming its track: the runner-up matters for the margin, the rest hardly. */
const KEPT_MATCHES = 5;

/**
 * classify-face: open-set identification of an embedded camera face against the tenant's live enrolled
 * identities (pgvector, cosine); then the face joins a track of its camera, and the track is named, or given an
 * anonymous visitorId, from all its faces (ShopperTrackingService).
 *
 * Replay safety: a decided face is skipped. The watchlist alert is written before the decision and is unique per
 * face, so a run that stops between the two alerts once when it runs again.
 */
@Injectable()
export class FaceClassificationService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(FaceRepository) private readonly faces: FaceRepository,
    @Inject(EmbeddingRepository) private readonly embeddings: EmbeddingRepository,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(FailureRecorder) private readonly failures: FailureRecorder,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(ShopperTrackingService) private readonly shoppers: ShopperTrackingService,
    @Inject(SightingEvents) private readonly sightings: SightingEvents,
  ) {}

  async classifyFace({ tenantId, faceId }: JobOf<'classify-face'>, { logger }: JobContext): Promise<JobOutcome> {
    // the face with its frame, media and embedding, in one read
    const context = await this.faces.context(tenantId, faceId);
    if (!context) return 'skipped';
    const { face, frame, media, embedding } = context;
    if (face.decidedAt && face.trackId) return 'skipped';
    if (media.purpose === 'enrolment') return 'skipped'; // its face is enrolled, not identified
    if (face.decidedAt) {
      // decided by an attempt that stopped before tracking: track it now
      if (media.cameraId) await this.shoppers.faceDecided(tenantId, media.cameraId, faceId, frame.capturedAt);
      return 'done';
    }
    if (!embedding) throw new PermanentJobError('face has no embedding to classify');
    const rule = this.cfg.decision;
    const { named, ranked } = identify(
      await this.embeddings.nearest(tenantId, embedding.embedding, GALLERY_NEIGHBOURS, {
        modelId: embedding.modelId,
        excludeFaceId: faceId,
      }),
      rule,
    );
    let decision: FaceDecision;
    if (named) {
      const identity = await this.identities.get(tenantId, named.identityId);
      // deleted between the search and now: the next attempt searches without it
      if (!identity) throw new Error(`identity ${named.identityId} was deleted while the face was classified`);
      decision = { identityId: identity.id, similarity: named.similarity, visitorId: null };
      if (identity.category === 'watchlist') {
        const alerted = await this.alerts.record(tenantId, {
          faceId,
          identityId: identity.id,
          cameraId: media.cameraId,
          similarity: named.similarity,
          seenAt: frame.capturedAt,
        });
        if (alerted) {
          logger.warn(
            { faceId, identityId: identity.id, cameraId: media.cameraId, similarity: named.similarity },
            'watchlist identity seen',
          );
        }
      }
      // before the decision, like the alert: a replay finds the event inside its dedup window and adds none
      if (media.cameraId) {
        await this.sightings.sighted({
          tenantId,
          identity,
          cameraId: media.cameraId,
          similarity: named.similarity,
          faceId,
          frameId: frame.id,
          capturedAt: frame.capturedAt,
        });
      }
    } else {
      // unknown: its anonymous visitor is decided on its track, with the other faces of the person
      decision = { identityId: null, similarity: null, visitorId: null };
    }
    decision.matches = ranked.slice(0, KEPT_MATCHES);
    if (!(await this.faces.recordDecision(tenantId, faceId, decision))) return 'skipped'; // deleted meanwhile
    if (media.cameraId) await this.shoppers.faceDecided(tenantId, media.cameraId, faceId, frame.capturedAt);
    this.metrics.faces.inc({ stage: 'classification' });
    logger.debug({ faceId, ...decision, best: ranked[0] ?? null }, 'face classified');
    return 'done';
  }

  async recordFailure(failure: JobFailure): Promise<void> {
    const payload = failedPayload(JobName.ClassifyFace, failure);
    if (payload) await this.failures.faceFailed(payload.tenantId, payload.faceId, failureReason(failure));
  }
}
