import { createHash } from 'node:crypto';
import type { Neighbour } from '@storelens/db';

/** An enrolled identity and the best similarity any of its reference faces reached. */
export interface IdentityMatch {
  identityId: string;
  similarity: number;
}

export interface NamingRule {
  /** the best identity must reach this cosine similarity ... */
  threshold: number;
  /** ... and beat the best other identity by at least this much */
  margin: number;
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

/**
 * The visitor an unknown face belongs to: the most similar already-decided unknown face at or above the
 * threshold lends its visitorId. Faces attributed to an identity (enrolled or named) never lend one.
 */
export function visitorOf(
  neighbours: readonly Neighbour[],
  visitorThreshold: number,
): { visitorId: string; similarity: number } | null {
  let found: { visitorId: string; similarity: number } | null = null;
  for (const { identityId, visitorId, similarity } of neighbours) {
    if (identityId !== null || visitorId === null || similarity < visitorThreshold) continue;
    if (!found || similarity > found.similarity) found = { visitorId, similarity };
  }
  return found;
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
