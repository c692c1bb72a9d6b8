import { createHash } from 'node:crypto';

/**
 * "Who is this face?": the one rule StoreLens decides it by, used alike by the classification service, the
 * in-process pipeline (`analyze --gallery`) and `eval`, so what is measured is what the platform runs.
 */

/** Open-set naming: the best identity must reach `threshold` and beat the best other identity by `margin`. */
export interface NamingRule {
  /** the best identity must reach this cosine similarity ... */
  threshold: number;
  /** ... and beat the best other identity by at least this much */
  margin: number;
}

/** The naming rule plus how close an unknown face must be to an earlier unknown face to be the same visitor. */
export interface DecisionRule extends NamingRule {
  visitorThreshold: number;
}

/**
 * Chosen on the fixtures (README "Recognition threshold"): over 21 whole-face photos of 6 people the lowest
 * same-person pair scores 0.550 and the highest different-person pair 0.209.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.42;
/** Two identities closer than this to each other's score mean the face cannot be told apart: unknown. */
export const DEFAULT_MARGIN = 0.05;
/** An unknown face this close to an earlier unknown face is the same visitor. */
export const DEFAULT_VISITOR_THRESHOLD = 0.5;

export const DEFAULT_RULE: DecisionRule = {
  threshold: DEFAULT_MATCH_THRESHOLD,
  margin: DEFAULT_MARGIN,
  visitorThreshold: DEFAULT_VISITOR_THRESHOLD,
};

/** One reference face near the query: whose it is and how similar. */
export interface Neighbour {
  /** the enrolled identity the face is a reference image of (null: a face of no identity, never named) */
  identityId: string | null;
  similarity: number;
}

/** An identity and the best similarity any of its reference faces reached. */
export interface IdentityMatch {
  identityId: string;
  similarity: number;
}

/** Each identity once, with the best similarity of its reference faces, best first. */
export function bestPerIdentity(neighbours: readonly Neighbour[]): IdentityMatch[] {
  const best = new Map<string, number>();
  for (const { identityId, similarity } of neighbours) {
    if (identityId === null) continue;
    best.set(identityId, Math.max(similarity, best.get(identityId) ?? -Infinity));
  }
  return [...best]
    .map(([identityId, similarity]) => ({ identityId, similarity }))
    .sort((a, b) => b.similarity - a.similarity);
}

/**
 * Open-set identification: the best identity when it is close enough and clearly closer than every other
 * identity, else null (unknown). Two identities almost equally close mean the face cannot be told apart, and
 * naming the wrong one (a false watchlist alert) costs more than calling the face unknown.
 */
export function nameFace(ranked: readonly IdentityMatch[], rule: NamingRule): IdentityMatch | null {
  const [best, runnerUp] = ranked;
  if (!best || best.similarity < rule.threshold) return null;
  if (runnerUp && best.similarity - runnerUp.similarity < rule.margin) return null;
  return best;
}

/** `bestPerIdentity` then `nameFace`: the decision for one face from its nearest reference faces. */
export function identify(
  neighbours: readonly Neighbour[],
  rule: NamingRule,
): { named: IdentityMatch | null; ranked: IdentityMatch[] } {
  const ranked = bestPerIdentity(neighbours);
  return { named: nameFace(ranked, rule), ranked };
}

/** Whether an unknown track this similar to the nearest anonymous visitor is that visitor (else a new one). */
export function joinsVisitor(similarity: number, visitorThreshold: number): boolean {
  return similarity >= visitorThreshold;
}

/**
 * Why an enrolment photo with this many faces cannot become a reference face, or null when it can: it must show
 * exactly one person (which face would be enrolled otherwise?).
 */
export function enrolmentRejection(faceCount: number): string | null {
  if (faceCount === 0) return 'no face found in the enrolment photo';
  if (faceCount > 1) return `${faceCount} faces found; an enrolment photo must show exactly one person`;
  return null;
}

/** Cosine similarity in [-1, 1] (embeddings are L2-normalised, but nothing relies on it); 0 for an all-zero vector. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/** The namespace of StoreLens visitor ids (a fixed random uuid). */
export const VISITOR_NAMESPACE = '3f0b5d4e-8c61-4c2e-9d1a-6b7e2f4a9c05';

/** RFC 9562 name-based uuid (version 5, SHA-1) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`namespace is not a uuid: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The visitorId a face starts when no earlier face lends one: derived from the face's id, so a job that runs
 * again after a crash gives the face the same visitor instead of a second one.
 */
export function newVisitorId(faceId: string): string {
  return uuidV5(faceId, VISITOR_NAMESPACE);
}
