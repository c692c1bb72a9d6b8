// Unit tier: who a camera face is, decided with strict auto-mocked repositories (the rule is @storelens/decision).
import type { StoreLensConfig } from '@storelens/config';
import type {
  AlertRepository,
  EmbeddingRepository,
  Face,
  FaceContext,
  FaceRepository,
  Frame,
  Identity,
  IdentityRepository,
  Media,
  Neighbour,
} from '@storelens/db';
import { DEFAULT_RULE } from '@storelens/decision';
import { Metrics } from '@storelens/platform';
import { PermanentJobError } from '@storelens/queue';
import { jobContext, strictMock } from '@storelens/testing';
import type { SightingEvents } from '@storelens/events';
import type { FailureRecorder } from '@storelens/worker-kit';
import { FaceClassificationService } from './face-classification.service';
import type { ShopperTrackingService } from './shoppers/shopper-tracking.service';

const tenantId = 'tenant-1';
const faceId = 'face-1';
const face = { id: faceId, tenantId, frameId: 'frame-1', decidedAt: null } as Face;
const capturedAt = new Date('2026-11-28T10:00:00Z');
const frame = { id: 'frame-1', tenantId, mediaId: 'media-1', capturedAt } as Frame;
const media = { id: 'media-1', tenantId, purpose: 'analysis', cameraId: 'camera-1' } as unknown as Media;
const embedding = { embedding: [1, 0], modelId: 'mobilefacenet@1' } as FaceContext['embedding'];
/** What faces.context returns, with any part replaced. */
const context = (over: Partial<FaceContext> = {}): FaceContext => ({ face, frame, media, embedding, ...over });
const identity = (id: string, category: Identity['category']) => ({ id, tenantId, category, name: id }) as Identity;
const near = (similarity: number, identityId: string): Neighbour => ({
  faceId: `n-${similarity}`,
  identityId,
  similarity,
  distance: 1 - similarity,
});

function build(gallery: Neighbour[]) {
  const m = {
    faces: strictMock<FaceRepository>('faces'),
    embeddings: strictMock<EmbeddingRepository>('embeddings'),
    identities: strictMock<IdentityRepository>('identities'),
    alerts: strictMock<AlertRepository>('alerts'),
    failures: strictMock<FailureRecorder>('failures'),
    shoppers: strictMock<ShopperTrackingService>('shoppers'),
    sightings: strictMock<SightingEvents>('sightings'),
  };
  m.sightings.sighted.mockResolvedValue(null);
  const cfg = { decision: DEFAULT_RULE } as StoreLensConfig;
  m.faces.context.mockResolvedValue(context());
  m.embeddings.nearest.mockResolvedValue(gallery);
  m.faces.recordDecision.mockResolvedValue(true);
  m.shoppers.faceDecided.mockResolvedValue([]);
  const sut = new FaceClassificationService(
    cfg,
    m.faces,
    m.embeddings,
    m.identities,
    m.alerts,
    m.failures,
    new Metrics('unit'),
    m.shoppers,
    m.sightings,
  );
  return { sut, m };
}

describe('FaceClassificationService (unit)', () => {
  it('names a member who is close enough and clearly closer than anyone else, and raises no alert', async () => {
    const { sut, m } = build([near(0.71, 'obama'), near(0.64, 'obama'), near(0.2, 'biden')]);
    m.identities.get.mockResolvedValue(identity('obama', 'member'));
    await expect(sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
    expect(m.faces.recordDecision).toHaveBeenCalledWith(tenantId, faceId, {
      identityId: 'obama',
      similarity: 0.71,
      visitorId: null,
      matches: [
        { identityId: 'obama', similarity: 0.71 },
        { identityId: 'biden', similarity: 0.2 },
      ],
    });
    // then the face joins its camera's tracks
    expect(m.shoppers.faceDecided).toHaveBeenCalledWith(tenantId, 'camera-1', faceId, capturedAt);
    // only reference faces of the same model are searched
    expect(m.embeddings.nearest).toHaveBeenCalledWith(tenantId, [1, 0], expect.any(Number), {
      modelId: 'mobilefacenet@1',
      excludeFaceId: faceId,
    });
  });

  it('records a watchlist sighting with the camera, the frame time and the similarity', async () => {
    const { sut, m } = build([near(0.6, 'rose')]);
    m.identities.get.mockResolvedValue(identity('rose', 'watchlist'));
    m.alerts.record.mockResolvedValue(true);
    await sut.classifyFace({ tenantId, faceId }, jobContext());
    expect(m.alerts.record).toHaveBeenCalledWith(tenantId, {
      faceId,
      identityId: 'rose',
      cameraId: 'camera-1',
      similarity: 0.6,
      seenAt: capturedAt,
    });
    // and announces it (the event log keeps one per person per camera per window)
    expect(m.sightings.sighted).toHaveBeenCalledWith({
      tenantId,
      identity: expect.objectContaining({ id: 'rose', category: 'watchlist' }),
      cameraId: 'camera-1',
      similarity: 0.6,
      faceId,
      frameId: 'frame-1',
      capturedAt,
    });
  });

  it('calls a face unknown when two identities are within the margin, and leaves its visitor to its track', async () => {
    const { sut, m } = build([near(0.6, 'kit'), near(0.58, 'alex')]);
    await sut.classifyFace({ tenantId, faceId }, jobContext());
    expect(m.faces.recordDecision).toHaveBeenCalledWith(tenantId, faceId, {
      identityId: null,
      similarity: null,
      visitorId: null,
      // kept so that the track is named (or not) from all its faces
      matches: [
        { identityId: 'kit', similarity: 0.6 },
        { identityId: 'alex', similarity: 0.58 },
      ],
    });
    // only the gallery is searched: the visitor is decided on the track, under the tenant's lock
    expect(m.embeddings.nearest).toHaveBeenCalledTimes(1);
    expect(m.shoppers.faceDecided).toHaveBeenCalledWith(tenantId, 'camera-1', faceId, capturedAt);
  });

  it('skips a face already decided and tracked, and a face of an enrolment photo', async () => {
    const decided = build([]);
    decided.m.faces.context.mockResolvedValue(
      context({ face: { ...face, decidedAt: new Date(), trackId: 'track-1' } as Face }),
    );
    await expect(decided.sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
    expect(decided.m.shoppers.faceDecided).not.toHaveBeenCalled();

    const enrolment = build([]);
    enrolment.m.faces.context.mockResolvedValue(context({ media: { ...media, purpose: 'enrolment' } as Media }));
    await expect(enrolment.sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
    expect(enrolment.m.faces.recordDecision).not.toHaveBeenCalled();
  });

  it('tracks a face decided by an attempt that stopped before tracking, without deciding it again', async () => {
    const { sut, m } = build([]);
    m.faces.context.mockResolvedValue(context({ face: { ...face, decidedAt: new Date(), trackId: null } as Face }));
    await expect(sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('done');
    expect(m.faces.recordDecision).not.toHaveBeenCalled();
    expect(m.shoppers.faceDecided).toHaveBeenCalledWith(tenantId, 'camera-1', faceId, capturedAt);
  });

  it('fails for good on a face without an embedding', async () => {
    const { sut, m } = build([]);
    m.faces.context.mockResolvedValue(context({ embedding: null }));
    await expect(sut.classifyFace({ tenantId, faceId }, jobContext())).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('retries (a transient error) when the named identity was deleted between the search and the decision', async () => {
    const { sut, m } = build([near(0.8, 'gone')]);
    m.identities.get.mockResolvedValue(null);
    const run = sut.classifyFace({ tenantId, faceId }, jobContext());
    await expect(run).rejects.toThrow(/deleted/);
    await expect(run).rejects.not.toBeInstanceOf(PermanentJobError);
  });
});
