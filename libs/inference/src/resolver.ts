import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, type StoreLensConfig } from '@storelens/config';
import { buildFromNpmSource } from '@storelens/model-convert';
import type { ModelEntry } from './manifest';

export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface ResolverOptions {
  cacheDir: string;
  assetsDir: string;
  allowDownload: boolean;
  fetchImpl?: typeof fetch;
  /** where npm packages named by a manifest `source` are looked up (default: the repository root) */
  packagesFrom?: string;
}

/**
 * Finds a model file: the local cache, then `<assets>/models`, then builds it from its `source` (TF.js weights in an
 * installed npm package), then its public URL; built and downloaded files go into the cache. Every candidate must
 * match the manifest's sha256; a mismatch is reported, never used.
 */
export class ModelResolver {
  private readonly verified = new Map<string, Promise<string>>();

  constructor(private readonly opts: ResolverOptions) {}

  /** The resolver of a configuration: its model cache, its assets folder and whether it may download. */
  static forConfig(c: Pick<StoreLensConfig, 'models' | 'assetsDir'>): ModelResolver {
    return new ModelResolver({ cacheDir: c.models.cacheDir, assetsDir: c.assetsDir, allowDownload: c.models.allowDownload });
  }

  /** The verified path of the model file; memoised, so the hash is checked once per process. */
  resolve(entry: ModelEntry): Promise<string> {
    let p = this.verified.get(entry.sha256);
    if (!p) {
      p = this.find(entry);
      this.verified.set(entry.sha256, p);
      p.catch(() => this.verified.delete(entry.sha256));
    }
    return p;
  }

  private async find(entry: ModelEntry): Promise<string> {
    const tried: string[] = [];
    const candidates = [
      path.join(this.opts.cacheDir, entry.file),
      path.join(this.opts.assetsDir, 'models', entry.file),
    ];
    for (const file of candidates) {
      if (!existsSync(file)) {
        tried.push(`${file} (missing)`);
        continue;
      }
      const digest = await sha256Of(file);
      if (digest === entry.sha256) return file;
      tried.push(`${file} (sha256 ${digest.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…)`);
    }
    if (entry.source) {
      try {
        return await this.build(entry);
      } catch (err) {
        tried.push(`built from npm ${entry.source.package}@${entry.source.version} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (entry.url && this.opts.allowDownload) {
      try {
        return await this.download(entry);
      } catch (err) {
        tried.push(`${entry.url} (${err instanceof Error ? err.message : String(err)})`);
      }
    } else {
      tried.push(entry.url ? `${entry.url} (downloads disabled)` : 'no public download URL for this file');
    }
    throw new ModelNotFoundError(`model ${entry.file} not found; looked in: ${tried.join('; ')}`);
  }

  /** The converter's output is deterministic, so the built bytes are checked against the manifest's sha256. */
  private async build(entry: ModelEntry): Promise<string> {
    const body = Buffer.from(buildFromNpmSource(entry.source as NonNullable<ModelEntry['source']>, this.opts.packagesFrom ?? repoRoot()));
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== entry.sha256) throw new Error(`built sha256 ${digest.slice(0, 12)}… does not match`);
    return this.cache(entry, body);
  }

  private async download(entry: ModelEntry): Promise<string> {
    const res = await (this.opts.fetchImpl ?? fetch)(entry.url as string, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== entry.sha256) throw new Error(`downloaded sha256 ${digest.slice(0, 12)}… does not match`);
    return this.cache(entry, body);
  }

  /** Writes verified bytes into the cache atomically (a crash never leaves a partial file under the real name). */
  private async cache(entry: ModelEntry, body: Buffer): Promise<string> {
    await mkdir(this.opts.cacheDir, { recursive: true });
    const target = path.join(this.opts.cacheDir, entry.file);
    const tmp = `${target}.${process.pid}.part`;
    await writeFile(tmp, body);
    await rename(tmp, target);
    if ((await stat(target)).size !== entry.bytes) throw new Error(`size mismatch after writing ${target}`);
    return target;
  }
}
