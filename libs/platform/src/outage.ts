import { Catch, HttpException, Inject, Logger, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { Response } from 'express';

/** Seconds a client is asked to wait before trying again while a backing service is down. */
export const RETRY_AFTER_SECONDS = 5;

/** Socket-level failures: the peer is not there, went away, or did not answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Postgres SQLSTATEs of a server that is restarting, shutting down or out of connections (class 08 as well). */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
/** What pg, ioredis and the S3 client say when their connection is gone (they do not always set a code). */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Stream isn't writeable/i,
  /Connection is closed/i,
  /enableOfflineQueue/i,
  /max retries per request/i,
  /socket hang up/i,
  /connect ECONNREFUSED/i,
];

/**
 * True when an error means a backing service (Postgres, Redis, the object store) is unreachable or restarting, as
 * opposed to a bug or a bad request: such a request can succeed later, and the client is told so (503 with
 * Retry-After) instead of getting a 500. Looks through `cause` and the driver error an ORM wraps.
 */
export function isOutage(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; driverError?: unknown };
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code)) return true;
  }
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(e.message as string))) return true;
  return isOutage(e.driverError, depth + 1) || isOutage(e.cause, depth + 1);
}

/** The error's name, code and first line, and its cause's: what an operator needs to see which service was away. */
export function describeOutage(err: unknown, depth = 0): string {
  if (!err || typeof err !== 'object' || depth > 5) return String(err);
  const e = err as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; driverError?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0] : '';
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  const inner = e.driverError ?? e.cause;
  return `${typeof e.name === 'string' ? e.name : 'Error'}${code}: ${message}${inner ? `; cause: ${describeOutage(inner, depth + 1)}` : ''}`;
}

/**
 * The platform's exception filter: an outage of a backing service becomes 503 with Retry-After (and any 503 carries
 * Retry-After); everything else is answered as Nest would. Registered for every service by PlatformModule; route
 * filters that need more (DrainRequestFilter) extend it.
 */
@Catch()
export class OutageFilter extends BaseExceptionFilter {
  private readonly log = new Logger('Outage');

  constructor(@Inject(HttpAdapterHost) adapterHost: HttpAdapterHost) {
    super(adapterHost.httpAdapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const outage = !(exception instanceof HttpException) && isOutage(exception);
    // the client is told only that something is away; the log says what (the driver's error, never the request)
    if (outage) this.log.warn(`answered 503: ${describeOutage(exception)}`);
    const unavailable = outage
      ? new ServiceUnavailableException(
          'a service StoreLens depends on (database, object store or queue) is unavailable; retry shortly',
        )
      : exception;
    if (host.getType() === 'http' && unavailable instanceof HttpException && unavailable.getStatus() === 503) {
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    super.catch(unavailable, host);
  }
}
