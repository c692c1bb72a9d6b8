import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header every webhook delivery carries. */
export const SIGNATURE_HEADER = 'X-StoreLens-Signature';

/** A new webhook secret: 32 random bytes, shown once to the client. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`: the time is signed with the body, so a
 * receiver can refuse a replayed delivery that is older than it accepts.
 */
export function signWebhook(secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** What a receiver does (the README shows the same): true when the header signs this body within the tolerance. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  { toleranceSeconds = 300, nowMs = Date.now() } = {},
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowMs / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
