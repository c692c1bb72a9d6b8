import pino from 'pino';
import { config } from './config';

/** A signed link's signature in a URL or query string: `sig=<anything up to the next & or space>`. */
const SIGNATURE = /([?&;]sig=)[^&#\s"']*/gi;

/**
 * A URL (or any text holding URLs) with the signature of every signed link replaced by `[redacted]`: a log line
 * must never be a working link to a frame. The rest of the URL (path, tenant, expiry) stays for debugging.
 */
export function redactSignedUrls(text: string): string {
  return text.replace(SIGNATURE, '$1[redacted]');
}

/** What pino-http's request serializer hands over: url and parsed query among others. */
interface SerializedRequest {
  url?: string;
  query?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A request serializer for pino-http that keeps signed links out of the request log. */
export function signedLinkSafeRequest(req: SerializedRequest): SerializedRequest {
  const out: SerializedRequest = { ...req };
  if (typeof req.url === 'string') out.url = redactSignedUrls(req.url);
  if (req.query && typeof req.query === 'object' && 'sig' in req.query) out.query = { ...req.query, sig: '[redacted]' };
  return out;
}

/**
 * Options every StoreLens pino logger shares: API keys and signatures are never written. String arguments (the
 * message, and e.g. an error text holding a URL) are scrubbed of signatures as well.
 */
export const safeLogOptions: Pick<pino.LoggerOptions, 'redact' | 'hooks'> = {
  redact: {
    paths: ['req.headers.authorization', 'headers.authorization', 'req.query.sig', 'query.sig'],
    censor: '[redacted]',
  },
  hooks: {
    logMethod(args, method) {
      const scrubbed = args.map((a) => (typeof a === 'string' ? redactSignedUrls(a) : a)) as Parameters<typeof method>;
      method.apply(this, scrubbed);
    },
  },
};

/** Structured logs go to stderr so that stdout stays clean for JSON output. */
export function createLogger(name: string): pino.Logger {
  return pino({ name, level: config().logLevel, ...safeLogOptions }, pino.destination(2));
}
