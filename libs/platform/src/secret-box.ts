import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Raised when a secret must be sealed or opened but no key is configured (STORELENS_SECRET_KEY). */
export class SecretKeyMissingError extends Error {
  override readonly name = 'SecretKeyMissingError';
  constructor() {
    super('STORELENS_SECRET_KEY is not set: it is required to store stream credentials and webhook secrets');
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals short secrets (a stream URL with its credentials, a webhook secret) for storage: AES-256-GCM with a random
 * 96-bit IV, stored as `v1:<base64 iv|tag|ciphertext>`. The tag makes a tampered or wrongly keyed value fail to
 * open instead of decrypting to garbage. The `context` (e.g. a camera id) is bound as associated data, so a sealed
 * value copied onto another row does not open there.
 */
export class SecretBox {
  constructor(private readonly key: Buffer | null) {
    if (key && key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  get configured(): boolean {
    return this.key !== null;
  }

  seal(plain: string, context: string): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const key = this.requireKey();
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || !payload) throw new Error('not a sealed secret');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  private requireKey(): Buffer {
    if (!this.key) throw new SecretKeyMissingError();
    return this.key;
  }
}
