import {
  BadRequestException,
  HttpException,
  Injectable,
  PayloadTooLargeException,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoreLensConfig } from '@storelens/config';
import { InjectConfig } from '@storelens/platform';

/** An upload streamed to a temporary file; the file is deleted when the request is done with it. */
export interface ReceivedUpload {
  path: string;
  size: number;
  /** The other (text) fields of the form, as sent. */
  fields: Record<string, unknown>;
}

/** The multipart field that carries the file. */
export const UPLOAD_FIELD = 'file';

const mib = (bytes: number) => `${Number((bytes / 2 ** 20).toFixed(1))} MiB`;

/**
 * Receives `multipart/form-data` uploads: the file is streamed to disk (never held in memory) and cut off at
 * MAX_UPLOAD_BYTES, so a video of any size costs disk, not heap. Multer removes partial files it gave up on; the
 * file of a completed upload is removed by `withUpload` whatever the handler does with it.
 */
@Injectable()
export class UploadReceiver implements OnApplicationShutdown {
  /** This instance's folder for uploads in flight, removed on shutdown once the HTTP server has closed. */
  readonly dir = mkdtempSync(path.join(tmpdir(), 'storelens-uploads-'));
  private readonly maxBytes: number;
  private readonly single: RequestHandler;

  constructor(@InjectConfig() cfg: StoreLensConfig) {
    this.maxBytes = cfg.api.maxUploadBytes;
    this.single = multer({
      storage: multer.diskStorage({ destination: this.dir }),
      // one file plus a few small text fields (capturedAt); anything more is not a StoreLens upload
      limits: { fileSize: this.maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
    }).single(UPLOAD_FIELD);
  }

  async onApplicationShutdown(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Receives the request's file, hands it to `use`, and deletes it afterwards, whether `use` succeeded or not. */
  async withUpload<T>(req: Request, use: (upload: ReceivedUpload) => Promise<T>): Promise<T> {
    const upload = await this.receive(req);
    try {
      return await use(upload);
    } finally {
      await rm(upload.path, { force: true });
    }
  }

  private receive(req: Request): Promise<ReceivedUpload> {
    return new Promise((resolve, reject) => {
      this.single(req, req.res as Response, (err?: unknown) => {
        if (err) return reject(this.refusal(err));
        const file = req.file;
        if (!file) {
          return reject(
            new BadRequestException(
              `missing file: send multipart/form-data with the image or video in the field "${UPLOAD_FIELD}"`,
            ),
          );
        }
        resolve({ path: file.path, size: file.size, fields: { ...(req.body as Record<string, unknown>) } });
      });
    });
  }

  /** Turns what multer and busboy report into an answer that says what was wrong with the request. */
  private refusal(err: unknown): HttpException | Error {
    if (err instanceof MulterError) {
      switch (err.code) {
        case 'LIMIT_FILE_SIZE':
          return new PayloadTooLargeException(`upload is larger than the ${mib(this.maxBytes)} limit`);
        case 'LIMIT_UNEXPECTED_FILE':
        case 'LIMIT_FILE_COUNT':
          return new BadRequestException(`send exactly one file, in the field "${UPLOAD_FIELD}"`);
        default:
          return new BadRequestException(`malformed upload: ${err.message}`);
      }
    }
    if (!(err instanceof Error)) return new Error(String(err));
    // busboy's parse errors ("Unexpected end of form", "Malformed part header") are the client's; a disk error
    // (ENOSPC, EACCES) carries a system code and is ours
    if ((err as NodeJS.ErrnoException).code === undefined) {
      return new BadRequestException(`malformed multipart body: ${err.message}`);
    }
    return err;
  }
}
