// Unit tier: who a camera face is, decided with strict auto-mocked repositories (the rule is @storelens/decision).
import type { StoreLensConfig } from '@storelens/config';
import type {
  AlertRepository,
  EmbeddingRepository,
  Face,
  FaceRepository,
  Frame,
  FrameRepository,
  Identity,
  IdentityRepository,
  Media,
  MediaRepository,
  Neighbour,
} from '@storelens/db';
import { DEFAULT_RULE, newVisitorId } from '@storelens/decision';
import { Metrics } from '@storelens/platform';
import { PermanentJobError } from '@storelens/queue';
import { jobContext, strictMock } from '@storelens/testing';
import type { SightingEvents } from '@storelens/events';
import type { FailureRecorder } from '@storelens/worker-kit';
import { FaceClassificationService } from './face-classification.service';

const tenantId = 'tenant-1';
const faceId = 'face-1';
const face = { id: faceId, tenantId, frameId: 'frame-1', decidedAt: null } as Face;
const capturedAt = new Date('2026-11-28T10:00:00Z');
const frame = { id: 'frame-1', tenantId, mediaId: 'media-1', capturedAt } as Frame;
const media = { id: 'media-1', tenantId, purpose: 'analysis', cameraId: 'camera-1' } as unknown as Media;
const identity = (id: string, category: Identity['category']) => ({ id, tenantId, category, name: id }) as Identity;
const near = (similarity: number, identityId: string | null, visitorId: string | null = null): Neighbour => ({
  faceId: `n-${similarity}`,
  identityId,
  visitorId,
  similarity,
  distance: 1 - similarity,
});

function build(gallery: Neighbour[], earlier: Neighbour[] = []) {
  const m = {
    faces: strictMock<FaceRepository>('faces'),
    frames: strictMock<FrameRepository>('frames'),
    media: strictMock<MediaRepository>('media'),
    embeddings: strictMock<EmbeddingRepository>('embeddings'),
    identities: strictMock<IdentityRepository>('identities'),
    alerts: strictMock<AlertRepository>('alerts'),
    failures: strictMock<FailureRecorder>('failures'),
    sightings: strictMock<SightingEvents>('sightings'),
  };
  m.sightings.sighted.mockResolvedValue(null);
  const cfg = { decision: DEFAULT_RULE } as StoreLensConfig;
  m.faces.get.mockResolvedValue(face);
  m.frames.get.mockResolvedValue(frame);
  m.media.get.mockResolvedValue(media);
  m.embeddings.get.mockResolvedValue({ embedding: [1, 0], modelId: 'mobilefacenet@1' } as never);
  m.embeddings.nearest.mockImplementation(async (_t, _v, _k, opts) => (opts?.identityOnly ? gallery : earlier));
  m.faces.recordDecision.mockResolvedValue(true);
  const sut = new FaceClassificationService(
    cfg,
    m.faces,
    m.frames,
    m.media,
    m.embeddings,
    m.identities,
    m.alerts,
    m.failures,
    new Metrics('unit'),
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
    });
    // only reference faces of the same model are searched
    expect(m.embeddings.nearest).toHaveBeenCalledWith(
      tenantId,
      [1, 0],
      expect.any(Number),
      expect.objectContaining({ modelId: 'mobilefacenet@1', excludeFaceId: faceId, identityOnly: true }),
    );
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

  it('calls a face unknown when two identities are within the margin, and lends it the nearest earlier visitor', async () => {
    const { sut, m } = build(
      [near(0.6, 'kit'), near(0.58, 'alex')],
      [near(0.9, 'kit'), near(0.7, null, 'visitor-a'), near(0.55, null, 'visitor-b'), near(0.4, null, 'visitor-c')],
    );
    await sut.classifyFace({ tenantId, faceId }, jobContext());
    expect(m.faces.recordDecision).toHaveBeenCalledWith(tenantId, faceId, {
      identityId: null,
      similarity: null,
      visitorId: 'visitor-a',
    });
  });

  it('gives an unknown face nobody resembles a visitor id of its own, the same on every run', async () => {
    const { sut, m } = build([near(0.3, 'obama')], [near(0.45, null, 'visitor-far')]);
    await sut.classifyFace({ tenantId, faceId }, jobContext());
    expect(m.faces.recordDecision).toHaveBeenCalledWith(tenantId, faceId, {
      identityId: null,
      similarity: null,
      visitorId: newVisitorId(faceId),
    });
  });

  it('skips a face already decided and a face of an enrolment photo', async () => {
    const decided = build([]);
    decided.m.faces.get.mockResolvedValue({ ...face, decidedAt: new Date() } as Face);
    await expect(decided.sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');

    const enrolment = build([]);
    enrolment.m.media.get.mockResolvedValue({ ...media, purpose: 'enrolment' } as Media);
    await expect(enrolment.sut.classifyFace({ tenantId, faceId }, jobContext())).resolves.toBe('skipped');
    expect(enrolment.m.faces.recordDecision).not.toHaveBeenCalled();
  });

  it('fails for good on a face without an embedding', async () => {
    const { sut, m } = build([]);
    m.embeddings.get.mockResolvedValue(null);
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
