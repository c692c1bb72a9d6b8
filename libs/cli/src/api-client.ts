import { openAsBlob } from 'node:fs';
import path from 'node:path';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(
      `${what}: HTTP ${status} ${typeof body === 'object' && body && 'message' in body ? (body as { message: unknown }).message : JSON.stringify(body)}`,
    );
    this.name = 'ApiError';
  }
}

export interface MediaFace {
  id: string;
  box: [number, number, number, number];
  score: number;
  identity: { id: string; name: string; category: string; similarity: number } | null;
  visitorId: string | null;
  age: number | null;
  gender: { label: string; confidence: number } | null;
  emotion: { label: string; scores: Record<string, number> } | null;
}

export interface MediaResult {
  id: string;
  kind: 'image' | 'video';
  status: 'queued' | 'processing' | 'done' | 'failed';
  error?: string | null;
  frames: { index: number; timeMs: number; annotatedUrl: string; faces: MediaFace[] }[];
}

/** A small typed client of the public StoreLens API (one base URL, Bearer API key). */
export class StoreLensClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  withKey(apiKey: string): StoreLensClient {
    return new StoreLensClient(this.baseUrl, apiKey);
  }

  async request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(new URL(url, this.baseUrl), { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (!res.ok) throw new ApiError(res.status, parsed, `${method} ${url}`);
    return parsed as T;
  }

  private async upload(url: string, file: string): Promise<{ id: string }> {
    const form = new FormData();
    form.append('file', await openAsBlob(file), path.basename(file));
    return this.request('POST', url, form);
  }

  createStore(name: string) {
    return this.request<{ id: string }>('POST', '/v1/stores', { name });
  }

  createCamera(storeId: string, camera: { name: string; role?: string; fps?: number }) {
    return this.request<{ id: string }>('POST', `/v1/stores/${storeId}/cameras`, camera);
  }

  uploadMedia(cameraId: string, file: string) {
    return this.upload(`/v1/cameras/${cameraId}/media`, file);
  }

  createIdentity(identity: { name: string; category: 'member' | 'staff' | 'watchlist'; externalRef?: string }) {
    return this.request<{ id: string }>('POST', '/v1/identities', identity);
  }

  enrolFace(identityId: string, file: string) {
    return this.upload(`/v1/identities/${identityId}/faces`, file);
  }

  media(id: string) {
    return this.request<MediaResult>('GET', `/v1/media/${id}`);
  }

  /** Polls a media until it is done or failed. */
  async waitForMedia(id: string, timeoutMs = 180_000, intervalMs = 250): Promise<MediaResult> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.media(id);
      if (m.status === 'done' || m.status === 'failed') return m;
      if (Date.now() > until) throw new Error(`media ${id} still ${m.status} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
