import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `slk_<prefix>_<secret>`: the prefix (12 hex chars) finds the row, the 256-bit secret proves
 * possession. A plain SHA-256 is the right hash here (not bcrypt/argon2): the key is random, not a password, so there
 * is nothing to brute-force, and it is checked on every request.
 */
const KEY_PATTERN = /^slk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  /** The full key, to hand to the client once and never store. */
  key: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `slk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The lookup prefix of a well-formed key, or null for anything that cannot be a key. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Compares in constant time so response timing does not reveal how much of a hash matched. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
