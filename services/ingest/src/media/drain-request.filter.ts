import { Catch, Inject, type ArgumentsHost } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { StoreLensConfig } from '@storelens/config';
import { InjectConfig, OutageFilter } from '@storelens/platform';

/**
 * Reads and discards what is left of a request body, up to `maxBytes` (beyond that the connection is dropped).
 * A server that answers while the client is still sending and then closes the connection makes the client fail
 * with EPIPE before it reads the answer; draining first lets it see the 401 or 404.
 */
export function drainRequest(req: IncomingMessage, maxBytes: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      req.off('data', count);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        req.destroy();
        done();
      }
    };
    req.on('data', count);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/**
 * For upload routes: an upload refused before its body was read (no API key, unknown camera or identity) is
 * drained before the error is sent, so the client gets the answer instead of a broken pipe. Bodies over the
 * upload limit are not read to the end.
 */
@Catch()
export class DrainRequestFilter extends OutageFilter {
  private readonly maxBytes: number;

  constructor(@InjectConfig() cfg: StoreLensConfig, @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost) {
    super(adapterHost);
    // the multipart envelope around the file adds a little
    this.maxBytes = cfg.api.maxUploadBytes + 64 * 1024;
  }

  override async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    await drainRequest(host.switchToHttp().getRequest<IncomingMessage>(), this.maxBytes);
    super.catch(exception, host);
  }
}
