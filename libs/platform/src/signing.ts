import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed links (for annotated frames) that a browser can open without an Authorization header.
 * The signature covers the path, the tenant and the expiry.
 */
export function signPath(secret: string, path: string, tenantId: string, ttlSeconds = 3600, now = Date.now()) {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const sig = createHmac('sha256', secret).update(`${path}\n${tenantId}\n${exp}`).digest('base64url');
  return { exp, sig, query: `t=${tenantId}&exp=${exp}&sig=${sig}` };
}

export function verifySignedPath(
  secret: string,
  path: string,
  q: { t?: string; exp?: string; sig?: string },
  now = Date.now(),
): string | null {
  if (!q.t || !q.exp || !q.sig) return null;
  const exp = Number(q.exp);
  if (!Number.isInteger(exp) || exp * 1000 < now) return null;
  const expected = createHmac('sha256', secret).update(`${path}\n${q.t}\n${exp}`).digest();
  const given = Buffer.from(q.sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? q.t : null;
}
