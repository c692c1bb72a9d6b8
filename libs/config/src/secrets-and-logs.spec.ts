import pino from 'pino';
import { Writable } from 'node:stream';
import { loadConfig, requireUrlSecret } from './config';
import { redactSignedUrls, safeLogOptions, signedLinkSafeRequest } from './logger';

describe('the URL secret', () => {
  const good = 'f3'.repeat(32);

  it('is taken when at least 32 bytes and not a published value', () => {
    expect(requireUrlSecret(loadConfig({ STORELENS_URL_SECRET: good }))).toBe(good);
  });

  it('is never defaulted: a service refuses to start without one', () => {
    const cfg = loadConfig({});
    expect(cfg.service.urlSecret).toBeUndefined();
    expect(() => requireUrlSecret(cfg)).toThrow(/STORELENS_URL_SECRET is not set/);
  });

  it.each([
    ['short', 'x1y2z3'.repeat(5)],
    ['the old default', 'storelens-local-development-secret'],
    ['the compose example', 'change-me-to-a-long-random-value'],
    ['a change-me variant', 'change_me_please_to_something_long_enough'],
    ['one repeated character', 'a'.repeat(64)],
  ])('refuses %s', (_what, secret) => {
    expect(() => loadConfig({ STORELENS_URL_SECRET: secret })).toThrow(/STORELENS_URL_SECRET/);
  });
});

describe('logs never hold a working signed link', () => {
  const url = '/v1/frames/f1/annotated.jpg?t=ten&exp=1796000000&sig=AbC-dEf_123';

  it('redacts the signature of every link in a text, keeping the rest', () => {
    expect(redactSignedUrls(`GET ${url} and https://x/y?sig=zz&t=1`)).toBe(
      'GET /v1/frames/f1/annotated.jpg?t=ten&exp=1796000000&sig=[redacted] and https://x/y?sig=[redacted]&t=1',
    );
  });

  it('keeps sig= out of a request log line and a message, through a real pino logger', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ ...safeLogOptions, serializers: { req: signedLinkSafeRequest } }, sink);
    logger.info({ req: { method: 'GET', url, query: { t: 'ten', exp: '1796000000', sig: 'AbC-dEf_123' } } }, 'done');
    logger.warn(`fetched http://127.0.0.1:8080${url}`);
    const out = lines.join('');
    expect(out).not.toContain('AbC-dEf_123');
    expect(out).toContain('sig=[redacted]');
    expect(lines).toHaveLength(2);
  });
});
