import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed links (for annotated frames) that a browser can open without an Authorization header.
 * The signature covers the path, the tenant and the expiry.
 *
 * The policy, in one place:
 * - a link lives at most MAX_LINK_LIFETIME_SECONDS: a link signed for longer is refused even with a valid
 *   signature, so a leaked secret or link cannot mint or keep a door open for years;
 * - `exp` must be written canonically (decimal digits, no sign, no leading zero, no exponent or hex): one link has
 *   exactly one URL, and a signature cannot be replayed under another spelling of the same number.
 */
export const MAX_LINK_LIFETIME_SECONDS = 24 * 3600;

/** A Unix time in seconds as the signer writes it: 1-11 decimal digits, no leading zero. */
const CANONICAL_EXP = /^[1-9][0-9]{0,10}$/;

export type SignedLinkRefusal = 'malformed' | 'expired' | 'too-long' | 'bad-signature';

export function signPath(secret: string, path: string, tenantId: string, ttlSeconds = 3600, now = Date.now()) {
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_LINK_LIFETIME_SECONDS)) {
    throw new RangeError(`a signed link lives between 1 s and ${MAX_LINK_LIFETIME_SECONDS} s, not ${ttlSeconds}`);
  }
  const exp = Math.floor(now / 1000) + Math.floor(ttlSeconds);
  const sig = createHmac('sha256', secret).update(`${path}\n${tenantId}\n${exp}`).digest('base64url');
  return { exp, sig, query: `t=${tenantId}&exp=${exp}&sig=${sig}` };
}

/** Why a signed link is refused, or null when it is good (check the signature with verifySignedPath). */
export function checkSignedLink(
  secret: string,
  path: string,
  q: { t: string; exp: string; sig: string },
  now = Date.now(),
): SignedLinkRefusal | null {
  if (!CANONICAL_EXP.test(q.exp)) return 'malformed';
  const exp = Number(q.exp);
  const nowS = now / 1000;
  if (exp < nowS) return 'expired';
  if (exp > nowS + MAX_LINK_LIFETIME_SECONDS) return 'too-long';
  const expected = createHmac('sha256', secret).update(`${path}\n${q.t}\n${q.exp}`).digest();
  const given = Buffer.from(q.sig, 'base64url');
  // base64url decoding ignores stray characters: compare the canonical text too, so a link has one spelling
  if (given.toString('base64url') !== q.sig) return 'bad-signature';
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'bad-signature';
}

/** The tenant of a good signed link, or null. */
export function verifySignedPath(
  secret: string,
  path: string,
  q: { t?: string; exp?: string; sig?: string },
  now = Date.now(),
): string | null {
  if (!q.t || !q.exp || !q.sig) return null;
  return checkSignedLink(secret, path, { t: q.t, exp: q.exp, sig: q.sig }, now) === null ? q.t : null;
}
