import { renderVersion, storedFaceLabel } from './frames/frame-labels';
import type { FaceRenderRow } from './media/media.read-repository';
import { frameStatus, mediaStatus, type MediaProgress } from './media/media-status';

// The pure rules: the status a client sees, and what a face's label and a rendering's version are made of.

const finished: MediaProgress = {
  storedStatus: 'processing',
  frameCount: 2,
  frames: 2,
  unfinishedFrames: 0,
  pendingFaces: 0,
};

describe('mediaStatus', () => {
  it('is done only when sampling has finished and every frame and face has', () => {
    expect(mediaStatus(finished)).toBe('done');
    expect(mediaStatus({ ...finished, frameCount: null })).toBe('processing');
    expect(mediaStatus({ ...finished, frames: 1 })).toBe('processing');
    expect(mediaStatus({ ...finished, unfinishedFrames: 1 })).toBe('processing');
    expect(mediaStatus({ ...finished, pendingFaces: 1 })).toBe('processing');
  });

  it('takes a recorded failure or a queued upload as it is', () => {
    expect(mediaStatus({ ...finished, storedStatus: 'failed' })).toBe('failed');
    expect(mediaStatus({ ...finished, storedStatus: 'queued', frameCount: null, frames: 0 })).toBe('queued');
  });

  it('is done for sampling that found no frames at all (ingest normally fails such media)', () => {
    expect(mediaStatus({ ...finished, frameCount: 0, frames: 0 })).toBe('done');
  });
});

describe('frameStatus', () => {
  it('keeps a done frame processing while its faces are pending', () => {
    expect(frameStatus('done', 0)).toBe('done');
    expect(frameStatus('done', 2)).toBe('processing');
    expect(frameStatus('failed', 2)).toBe('failed');
    expect(frameStatus('queued', 0)).toBe('queued');
  });
});

describe('annotated frame labels', () => {
  const face: FaceRenderRow = {
    faceIndex: 0,
    boxX: 10,
    boxY: 20,
    boxW: 30,
    boxH: 40,
    landmarks: [[15, 30]],
    age: 50.7,
    gender: 'male',
    emotion: 'happy',
    identityName: 'Barack Obama',
    trackId: null,
  };

  it('reads "name or Unknown, gender, age, emotion", as the CLI draws it', () => {
    expect(storedFaceLabel(face)).toEqual({
      box: { x: 10, y: 20, width: 30, height: 40 },
      landmarks: [[15, 30]],
      text: 'Barack Obama, male, 51, happy',
      known: true,
    });
    expect(storedFaceLabel({ ...face, identityName: null })).toMatchObject({
      text: 'Unknown, male, 51, happy',
      known: false,
    });
    expect(storedFaceLabel({ ...face, identityName: null, age: null, gender: null, emotion: null }).text).toBe(
      'Unknown',
    );
    // a tracked face shows its track, the same tag in every frame the person is in
    expect(storedFaceLabel({ ...face, trackId: '1a2b3c4d-0000-5000-8000-000000000000' }).text).toBe(
      'Barack Obama, male, 51, happy, #1a2b3c',
    );
  });

  it('versions a rendering by everything drawn on it', () => {
    const v = renderVersion('frame.jpg', [storedFaceLabel(face)]);
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(renderVersion('frame.jpg', [storedFaceLabel(face)])).toBe(v);
    expect(renderVersion('frame.jpg', [storedFaceLabel({ ...face, identityName: null })])).not.toBe(v);
    expect(renderVersion('frame.jpg', [storedFaceLabel({ ...face, boxX: 11 })])).not.toBe(v);
    expect(renderVersion('other.jpg', [storedFaceLabel(face)])).not.toBe(v);
  });
});
