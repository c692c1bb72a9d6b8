import { Client } from 'minio';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface ObjectStoreOptions {
  /** e.g. http://127.0.0.1:9000 (local s3rver) or https://minio.internal */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export interface StoredObject {
  key: string;
  size: number;
  contentType: string | undefined;
  etag: string;
  lastModified: Date;
}

/** The object does not exist: a caller usually turns this into a permanent job failure, not a retry. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}

/** Attempts of an idempotent request whose connection was dropped before an answer (see isConnectionDropped). */
const ATTEMPTS = 3;

/**
 * The connection went away under a request: a pooled keep-alive socket that the server closed just as it was reused
 * ("socket hang up"), the classic race of HTTP keep-alive; MinIO and s3rver both close idle connections. Only
 * requests that may be repeated are sent again; a server that is down (ECONNREFUSED) is not this.
 */
export function isConnectionDropped(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

async function idempotent<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isConnectionDropped(err)) throw err;
    }
  }
}

/** S3's DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'NoSuchKey' || code === 'NotFound';
}

/**
 * The object store (MinIO in production, s3rver locally), one bucket. Holds no knowledge of what the objects are;
 * the key builders in ./keys decide where things go.
 */
export class ObjectStore {
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;
  /** Our own keep-alive pool, so close() can release its sockets instead of leaving them to the process. */
  private readonly agent: http.Agent;

  constructor(options: ObjectStoreOptions) {
    const url = new URL(options.endpoint);
    const useSSL = url.protocol === 'https:';
    this.bucket = options.bucket;
    this.region = options.region;
    this.agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.client = new Client({
      endPoint: url.hostname,
      port: Number(url.port || (useSSL ? 443 : 80)),
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      // Giving the region saves a GetBucketLocation round trip before the first request.
      region: options.region,
      // Path-style (http://host/bucket/key): MinIO and s3rver behind one hostname have no per-bucket DNS names.
      pathStyle: true,
      transportAgent: this.agent,
    });
  }

  /** Releases pooled connections; call on shutdown. */
  close(): void {
    this.agent.destroy();
  }

  /** Creates the bucket unless it exists; safe to call at every boot, also from several services at once. */
  async ensureBucket(): Promise<void> {
    if (await idempotent(() => this.client.bucketExists(this.bucket))) return;
    try {
      await idempotent(() => this.client.makeBucket(this.bucket, this.region));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    }
  }

  /** Removes the (empty) bucket. For tests and teardown; fails if objects remain. */
  async removeBucket(): Promise<void> {
    await idempotent(() => this.client.removeBucket(this.bucket));
  }

  /** Stores an object; sent again if its connection drops (a PUT of the same bytes is idempotent). */
  async put(key: string, body: Buffer, contentType: string): Promise<{ etag: string }> {
    const { etag } = await idempotent(() =>
      this.client.putObject(this.bucket, key, body, body.length, { 'Content-Type': contentType }),
    );
    return { etag };
  }

  /**
   * Streams a file of known size (an upload spooled to disk) without holding it in memory. The file is opened
   * afresh for each attempt, so unlike putStream it is sent again when its connection drops: an upload that met
   * the keep-alive race answered the client 503 although nothing was down (the bench's 10-minute soak stopped on it).
   */
  async putFile(key: string, file: string, contentType: string, size: number): Promise<{ etag: string }> {
    const { etag } = await idempotent(() =>
      this.client.putObject(this.bucket, key, createReadStream(file), size, { 'Content-Type': contentType }),
    );
    return { etag };
  }

  /**
   * Streams an upload without holding it in memory (a video). Without `size` the client uploads in parts, which
   * is why the local endpoint needs the multipart shim in deploy/local/s3-server.ts. Not sent again on a dropped
   * connection: the stream is spent; the caller's job retries. A file on disk goes through putFile instead.
   */
  async putStream(key: string, body: Readable, contentType: string, size?: number): Promise<{ etag: string }> {
    const { etag } = await this.client.putObject(this.bucket, key, body, size, { 'Content-Type': contentType });
    return { etag };
  }

  /** The whole object in memory: for frames and crops, not for videos (use getStream). */
  async get(key: string): Promise<Buffer> {
    // the request and the body together: a connection dropped while the body streams is sent again too
    return idempotent(async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.open(key)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
  }

  async getStream(key: string): Promise<Readable> {
    return idempotent(() => this.open(key));
  }

  private async open(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  /** Size, type and etag of an object, or null when there is none (an "already uploaded?" check). */
  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await idempotent(() => this.client.statObject(this.bucket, key));
      const contentType = s.metaData['content-type'] as string | undefined;
      return { key, size: s.size, contentType, etag: s.etag, lastModified: s.lastModified };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Removes one object; removing a missing object succeeds, so a replayed cleanup does not fail. */
  async remove(key: string): Promise<void> {
    await idempotent(() => this.client.removeObject(this.bucket, key));
  }

  /**
   * Removes every object under a folder-like prefix (a tenant, a camera hour) and returns how many. The prefix must
   * end in '/' so that `t/abc` can never also remove `t/abcd/...`.
   */
  async removePrefix(prefix: string): Promise<number> {
    if (!prefix.endsWith('/') || prefix === '/')
      throw new Error(`removePrefix needs a folder prefix ending in '/', got ${JSON.stringify(prefix)}`);
    return this.removeKeysStartingWith(prefix);
  }

  /**
   * Removes every object whose key starts with `stem`, e.g. a media item's name stem `.../<media>` (the upload,
   * its frames and crops; see ./keys) or a face crop's `.../<media>-000012.face-03` (the crop and whatever was
   * derived from it). Unlike removePrefix the stem is not a folder: the caller passes one that cannot also start an
   * unrelated key (ids of fixed length, zero-padded counters).
   */
  async removeStem(stem: string): Promise<number> {
    if (stem === '' || stem.endsWith('/'))
      throw new Error(`removeStem needs a key stem, not a folder: ${JSON.stringify(stem)}`);
    return this.removeKeysStartingWith(stem);
  }

  /** Lists and removes in batches; a dropped connection starts it again (what was removed is no longer listed). */
  private async removeKeysStartingWith(prefix: string): Promise<number> {
    let removed = 0;
    await idempotent(async () => {
      for await (const batch of this.batchesStartingWith(prefix)) {
        const results = await this.client.removeObjects(this.bucket, batch);
        const failed = results.filter((r) => r?.Error);
        if (failed.length > 0) {
          const first = failed[0]?.Error;
          throw new Error(`could not remove ${failed.length} objects under ${prefix}: ${first?.Code} ${first?.Key}`);
        }
        removed += batch.length;
      }
    });
    return removed;
  }

  private async *batchesStartingWith(prefix: string): AsyncGenerator<string[]> {
    let batch: string[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      if (!item.name) continue;
      batch.push(item.name);
      if (batch.length === DELETE_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * A time-limited URL a browser can fetch the object from without credentials (a frame or crop in the UI).
   * The URL names the endpoint as configured, so it only works where that endpoint is reachable.
   */
  async presignedGetUrl(key: string, expiresInSeconds = 15 * 60): Promise<string> {
    return this.client.presignedGetObject(this.bucket, key, expiresInSeconds);
  }
}
