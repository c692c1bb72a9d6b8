import { createHmac } from 'node:crypto';
import { checkSignedLink, MAX_LINK_LIFETIME_SECONDS, signPath, verifySignedPath } from './signing';

const SECRET = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16);
const PATH = '/v1/frames/3f1c2a9e-0000-4000-8000-000000000001/annotated.jpg';
const TENANT = '00000000-0000-4000-8000-00000000000a';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const sign = (secret: string, exp: string) =>
  createHmac('sha256', secret).update(`${PATH}\n${TENANT}\n${exp}`).digest('base64url');

describe('signed links', () => {
  it('accepts the link it signed, for the tenant it was signed for', () => {
    const { exp, sig } = signPath(SECRET, PATH, TENANT, 3600, NOW);
    expect(verifySignedPath(SECRET, PATH, { t: TENANT, exp: String(exp), sig }, NOW)).toBe(TENANT);
  });

  it('refuses a link forged with the formerly published default secret and a far expiry', () => {
    const exp = '4102444800'; // 2100-01-01
    const forged = { t: TENANT, exp, sig: sign('storelens-local-development-secret', exp) };
    expect(checkSignedLink(SECRET, PATH, forged, NOW)).toBe('too-long');
    expect(verifySignedPath(SECRET, PATH, forged, NOW)).toBeNull();
  });

  it('refuses a correctly signed link that lives longer than 24 h', () => {
    const exp = String(Math.floor(NOW / 1000) + MAX_LINK_LIFETIME_SECONDS + 60);
    expect(checkSignedLink(SECRET, PATH, { t: TENANT, exp, sig: sign(SECRET, exp) }, NOW)).toBe('too-long');
    expect(() => signPath(SECRET, PATH, TENANT, MAX_LINK_LIFETIME_SECONDS + 1, NOW)).toThrow(RangeError);
  });

  it('takes exp only in canonical decimal form: one link, one URL', () => {
    const { exp } = signPath(SECRET, PATH, TENANT, 3600, NOW);
    for (const variant of [`0x${exp.toString(16)}`, `${exp / 1e9}e9`, `0${exp}`, `+${exp}`, `${exp}.0`, ` ${exp}`]) {
      // even signed over the variant's own text, the form itself is refused
      expect([
        variant,
        checkSignedLink(SECRET, PATH, { t: TENANT, exp: variant, sig: sign(SECRET, variant) }, NOW),
      ]).toEqual([variant, 'malformed']);
    }
  });

  it('refuses an expired link, another tenant, another path and a signature with stray characters', () => {
    const { exp, sig } = signPath(SECRET, PATH, TENANT, 3600, NOW);
    const e = String(exp);
    expect(checkSignedLink(SECRET, PATH, { t: TENANT, exp: e, sig }, NOW + 3601_000)).toBe('expired');
    expect(checkSignedLink(SECRET, PATH, { t: TENANT.replace('a', 'b'), exp: e, sig }, NOW)).toBe('bad-signature');
    expect(checkSignedLink(SECRET, `${PATH}x`, { t: TENANT, exp: e, sig }, NOW)).toBe('bad-signature');
    expect(checkSignedLink(SECRET, PATH, { t: TENANT, exp: e, sig: `${sig}!` }, NOW)).toBe('bad-signature');
  });
});
