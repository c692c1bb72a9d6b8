import { bestPerIdentity, joinsVisitor, nameFace, newVisitorId, uuidV5, type Neighbour } from './decision';

const n = (similarity: number, identityId: string | null): Neighbour => ({ identityId, similarity });
const rule = { threshold: 0.42, margin: 0.05 };

describe('open-set naming', () => {
  it('keeps each identity once with its best reference face, best first', () => {
    expect(bestPerIdentity([n(0.7, 'obama'), n(0.5, 'biden'), n(0.6, 'obama'), n(0.8, null)])).toEqual([
      { identityId: 'obama', similarity: 0.7 },
      { identityId: 'biden', similarity: 0.5 },
    ]);
  });

  it('names the best identity when it reaches the threshold and beats the runner-up by the margin', () => {
    expect(nameFace([{ identityId: 'obama', similarity: 0.7 }], rule)).toEqual({
      identityId: 'obama',
      similarity: 0.7,
    });
    const ranked = [
      { identityId: 'obama', similarity: 0.7 },
      { identityId: 'biden', similarity: 0.64 },
    ];
    expect(nameFace(ranked, rule)?.identityId).toBe('obama');
  });

  it('calls a face unknown below the threshold, when two identities are too close to tell apart, or with no gallery', () => {
    expect(nameFace([{ identityId: 'obama', similarity: 0.41 }], rule)).toBeNull();
    const close = [
      { identityId: 'obama', similarity: 0.7 },
      { identityId: 'biden', similarity: 0.66 },
    ];
    expect(nameFace(close, rule)).toBeNull();
    expect(nameFace([], rule)).toBeNull();
  });
});

describe('anonymous visitors', () => {
  it('joins a track to its nearest visitor at the threshold and above, never below', () => {
    expect(joinsVisitor(0.5, 0.5)).toBe(true);
    expect(joinsVisitor(0.9, 0.5)).toBe(true);
    expect(joinsVisitor(0.4999, 0.5)).toBe(false);
  });

  it('starts a new visitor with an id derived from the face, the same on every run', () => {
    // RFC 9562 appendix test vector: name "www.example.com" in the DNS namespace
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    const face = '0b9f1c9e-6a1d-4c57-9b0e-3f2d7c1a8e44';
    expect(newVisitorId(face)).toBe(newVisitorId(face));
    expect(newVisitorId(face)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newVisitorId('another-face')).not.toBe(newVisitorId(face));
  });
});
