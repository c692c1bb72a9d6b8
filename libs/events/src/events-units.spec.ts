import { OutboundPolicy, OutboundRefusedError, SecretBox } from '@storelens/platform';
import { signWebhook, verifyWebhook } from './signature';
import { sightingDedup, sightingType } from './sighting-events';

describe('webhook signatures', () => {
  it('signs t.body with HMAC-SHA256 and verifies only the same secret, body and a recent time', () => {
    const now = 1_800_000_000_000;
    const header = signWebhook('secret-1', '{"a":1}', now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('secret-1', '{"a":1}', header, { nowMs: now })).toBe(true);
    expect(verifyWebhook('secret-2', '{"a":1}', header, { nowMs: now })).toBe(false);
    expect(verifyWebhook('secret-1', '{"a":2}', header, { nowMs: now })).toBe(false);
    expect(verifyWebhook('secret-1', '{"a":1}', header, { nowMs: now + 600_000 })).toBe(false);
    expect(verifyWebhook('secret-1', '{"a":1}', 'garbage', { nowMs: now })).toBe(false);
  });
});

describe('secret box', () => {
  const key = Buffer.alloc(32, 7);
  it('round-trips, binds the context, and refuses another key or a tampered value', () => {
    const box = new SecretBox(key);
    const url = 'rtsp://admin:Secret-Pass-42@cam/1';
    const sealed = box.seal(url, 'camera-stream:a');
    // the password is not in the sealed value (a long one: base64 of random bytes holds any two letters ~2 % of the time)
    expect(sealed).not.toContain('Secret-Pass-42');
    expect(sealed).not.toContain('admin');
    expect(box.open(sealed, 'camera-stream:a')).toBe(url);
    expect(() => box.open(sealed, 'camera-stream:b')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'camera-stream:a')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`, 'camera-stream:a')).toThrow();
  });
  it('refuses to seal without a key', () => {
    expect(() => new SecretBox(null).seal('x', 'c')).toThrow(/STORELENS_SECRET_KEY/);
  });
});

describe('outbound policy', () => {
  const resolver = async (host: string) => (host === 'sneaky.example' ? ['169.254.169.254'] : ['93.184.216.34']);
  const policy = new OutboundPolicy(
    { deny: ['169.254.0.0/16', 'fe80::/10', 'metadata.google.internal'], allow: [] },
    resolver,
  );
  it('denies link-local and metadata hosts, also behind a name, and allows loopback and the rest', async () => {
    await expect(policy.check('169.254.169.254')).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(policy.check('[fe80::1]')).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(policy.check('metadata.google.internal')).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(policy.check('sneaky.example')).rejects.toThrow(/169\.254\.169\.254/);
    await expect(policy.check('127.0.0.1')).resolves.toBeUndefined();
    await expect(policy.check('hooks.example')).resolves.toBeUndefined();
  });
  it('with an allow list, reaches only what it names', async () => {
    const strict = new OutboundPolicy({ deny: [], allow: ['10.0.0.0/8'] }, resolver);
    await expect(strict.check('10.1.2.3')).resolves.toBeUndefined();
    await expect(strict.check('hooks.example')).rejects.toThrow(/allow list/);
  });
});

describe('sighting events', () => {
  const identity = { id: 'i1', name: 'n', category: 'watchlist' as const, externalRef: null };
  it('announce the watchlist and members, never staff', () => {
    expect(sightingType('watchlist')).toBe('watchlist.sighted');
    expect(sightingType('member')).toBe('member.arrived');
    expect(sightingType('staff')).toBeNull();
  });
  it('dedup per identity within the window until tracks exist, then once per track', () => {
    expect(sightingDedup({ identity }, 60)).toEqual({ subject: 'identity:i1', windowMs: 60_000 });
    expect(sightingDedup({ identity, trackId: 't9' }, 60).subject).toBe('track:t9');
  });
});
