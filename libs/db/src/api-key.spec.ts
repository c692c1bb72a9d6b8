import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from './api-key';

describe('api keys', () => {
  it('generates distinct keys whose prefix can be read back and whose hash verifies', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(apiKeyMatches(a.key, a.hash)).toBe(true);
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
  });

  it('does not take anything that is not shaped like a key', () => {
    const { key } = generateApiKey();
    expect(apiKeyPrefix(key.slice(0, -1))).toBeNull();
    expect(apiKeyPrefix(`${key}x`)).toBeNull();
    expect(apiKeyPrefix('Bearer something')).toBeNull();
    expect(apiKeyMatches(key, 'not-hex')).toBe(false);
  });
});
