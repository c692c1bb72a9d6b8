import { randomBytes } from 'node:crypto';

/**
 * A short lowercase id for naming per-run resources (databases, buckets, queue prefixes) so that parallel test
 * files and other engineers' runs against the same services never collide. Valid in all three naming schemes.
 */
export function uniqueTestId(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
