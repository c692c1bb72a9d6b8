import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localUrlSecret } from './url-secret';

// The local stack's link secret: generated once into the state folder, never a value written in the code.
describe('localUrlSecret', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'url-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates 32 random bytes once, readable by the owner only, and keeps them', () => {
    const first = localUrlSecret(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dir, 'url-secret')).mode & 0o777).toBe(0o600);
    expect(localUrlSecret(dir)).toBe(first);
    const other = mkdtempSync(path.join(tmpdir(), 'url-secret-'));
    expect(localUrlSecret(other)).not.toBe(first);
    rmSync(other, { recursive: true, force: true });
  });

  it('lets an operator’s own secret win, and replaces a kept one that is short or published', () => {
    expect(localUrlSecret(dir, 'x'.repeat(8) + 'operator-secret-of-enough-length')).toBe(
      'x'.repeat(8) + 'operator-secret-of-enough-length',
    );
    writeFileSync(path.join(dir, 'url-secret'), 'change-me-to-a-long-random-value\n');
    const replaced = localUrlSecret(dir);
    expect(replaced).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(dir, 'url-secret'), 'utf8').trim()).toBe(replaced);
  });
});
