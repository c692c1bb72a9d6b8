import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isKnownSecret, MIN_SECRET_BYTES } from '@storelens/config';

/**
 * The local stack's link-signing secret: generated once (32 random bytes) and kept in the state folder, readable
 * by its owner only, so links stay valid across `stack:up` runs and no two machines share a secret. An operator's
 * own STORELENS_URL_SECRET wins.
 */
export function localUrlSecret(stateDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(stateDir, 'url-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(kept) >= MIN_SECRET_BYTES && !isKnownSecret(kept)) return kept;
  }
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
