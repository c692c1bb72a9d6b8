import { openAsBlob } from 'node:fs';
import path from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import type { components as AnalyticsComponents, paths as AnalyticsPaths } from './generated/analytics';
import type { components as IngestComponents, paths as IngestPaths } from './generated/ingest';

// A typed client of the public StoreLens API (one base URL, Bearer API key). The types are generated from the
// published OpenAPI documents (libs/api-client/openapi/*.json, `npm run openapi`), so a change to an API body shows
// up here as a type error, not as a surprise at run time.

/** Every path of the public API: the ingest and analytics documents behind the one base URL of the gateway. */
export type ApiPaths = IngestPaths & AnalyticsPaths;

type IngestSchemas = IngestComponents['schemas'];
type AnalyticsSchemas = AnalyticsComponents['schemas'];

export type Store = IngestSchemas['StoreDto'];
export type NewStore = IngestSchemas['NewStoreDto'];
export type Camera = IngestSchemas['CameraDto'];
export type NewCamera = IngestSchemas['NewCameraDto'];
export type Identity = IngestSchemas['IdentityDto'];
export type IdentityDetail = IngestSchemas['IdentityDetailDto'];
export type NewIdentity = IngestSchemas['NewIdentityDto'];
export type IdentityCategory = Identity['category'];
export type Created = IngestSchemas['IdDto'];
export type MediaSummary = AnalyticsSchemas['MediaSummaryDto'];
export type Media = AnalyticsSchemas['MediaDto'];
export type Frame = AnalyticsSchemas['FrameDto'];
export type Face = AnalyticsSchemas['FaceDto'];
export type Summary = AnalyticsSchemas['SummaryDto'];
/** The summary's filters (JSON only: format is left out, the client reads JSON). */
export type SummaryQuery = Omit<
  NonNullable<AnalyticsPaths['/v1/analytics/summary']['get']['parameters']['query']>,
  'format'
>;
export type Alert = AnalyticsSchemas['AlertDto'];
export type VisitsPage = AnalyticsSchemas['VisitsPageDto'];
export type Visit = VisitsPage['items'][number];
export type Traffic = AnalyticsSchemas['TrafficDto'];
export type Demographics = AnalyticsSchemas['DemographicsDto'];
export type Conversion = AnalyticsSchemas['ConversionDto'];
export type Zones = AnalyticsSchemas['ZonesDto'];
export type SummaryGroup = AnalyticsSchemas['SummaryGroupDto'];
export type LiveStatus = IngestSchemas['LiveStatusDto'];

/** A refused call: the HTTP status and the API's error body (`{statusCode, message, …}`). */
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

/** openapi-fetch's answer: the data of a 2xx, else the error body; either way the response. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

async function ok<T>(what: string, call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, error ?? null, what);
  return data as T;
}

/** A multipart body with the file (and capturedAt for a camera upload), sent as is. */
async function fileForm(file: string, fields: Record<string, string | undefined> = {}): Promise<FormData> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, v);
  form.append('file', await openAsBlob(file), path.basename(file));
  return form;
}
const asIs = (body: unknown) => body as FormData;

export class StoreLensClient {
  /** The typed openapi-fetch client under the methods below, for calls they do not cover. */
  readonly api: Client<ApiPaths>;

  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {
    this.api = createClient<ApiPaths>({
      baseUrl,
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    });
  }

  withKey(apiKey: string): StoreLensClient {
    return new StoreLensClient(this.baseUrl, apiKey);
  }

  /**
   * An untyped call, for what the published documents do not describe as a JSON body (a stream, a raw answer) or
   * what a test sends on purpose outside the schema; everything else goes through the typed methods or `api`.
   */
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
      // not JSON: the text as it is
    }
    if (!res.ok) throw new ApiError(res.status, parsed, `${method} ${url}`);
    return parsed as T;
  }

  createStore(name: string, timezone?: string): Promise<Created> {
    return ok('POST /v1/stores', this.api.POST('/v1/stores', { body: { name, timezone } }));
  }

  stores(): Promise<Store[]> {
    return ok('GET /v1/stores', this.api.GET('/v1/stores'));
  }

  createCamera(storeId: string, camera: NewCamera): Promise<Created> {
    return ok(
      'POST /v1/stores/{storeId}/cameras',
      this.api.POST('/v1/stores/{storeId}/cameras', { params: { path: { storeId } }, body: camera }),
    );
  }

  cameras(storeId: string): Promise<Camera[]> {
    return ok(
      'GET /v1/stores/{storeId}/cameras',
      this.api.GET('/v1/stores/{storeId}/cameras', { params: { path: { storeId } } }),
    );
  }

  /** Uploads a camera's image or video; its processing is followed with media() / waitForMedia(). */
  async uploadMedia(cameraId: string, file: string, opts: { capturedAt?: string } = {}): Promise<Created> {
    const form = await fileForm(file, { capturedAt: opts.capturedAt });
    return ok(
      'POST /v1/cameras/{cameraId}/media',
      this.api.POST('/v1/cameras/{cameraId}/media', {
        params: { path: { cameraId } },
        body: form as never,
        bodySerializer: asIs,
      }),
    );
  }

  createIdentity(identity: NewIdentity): Promise<Created> {
    return ok('POST /v1/identities', this.api.POST('/v1/identities', { body: identity }));
  }

  identities(category?: IdentityCategory): Promise<Identity[]> {
    return ok('GET /v1/identities', this.api.GET('/v1/identities', { params: { query: { category } } }));
  }

  identity(identityId: string): Promise<IdentityDetail> {
    return ok(
      'GET /v1/identities/{identityId}',
      this.api.GET('/v1/identities/{identityId}', { params: { path: { identityId } } }),
    );
  }

  async deleteIdentity(identityId: string): Promise<void> {
    await ok(
      'DELETE /v1/identities/{identityId}',
      this.api.DELETE('/v1/identities/{identityId}', { params: { path: { identityId } } }),
    );
  }

  /** Enrols a photo of the identity; the returned id is the enrolment media's (see waitForMedia). */
  async enrolFace(identityId: string, file: string): Promise<Created> {
    const form = await fileForm(file);
    return ok(
      'POST /v1/identities/{identityId}/faces',
      this.api.POST('/v1/identities/{identityId}/faces', {
        params: { path: { identityId } },
        body: form as never,
        bodySerializer: asIs,
      }),
    );
  }

  media(id: string): Promise<Media> {
    return ok('GET /v1/media/{id}', this.api.GET('/v1/media/{id}', { params: { path: { id } } }));
  }

  /** Polls a media until it is done or failed. */
  async waitForMedia(id: string, timeoutMs = 180_000, intervalMs = 250): Promise<Media> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.media(id);
      if (m.status === 'done' || m.status === 'failed') return m;
      if (Date.now() > until) throw new Error(`media ${id} still ${m.status} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** The tenant's media (or one camera's), newest first, with their statuses but not their frames. */
  mediaList(query: { cameraId?: string; limit?: number } = {}): Promise<MediaSummary[]> {
    return ok('GET /v1/media', this.api.GET('/v1/media', { params: { query } })) as Promise<MediaSummary[]>;
  }

  /** Follows many media of one camera with one request per interval: see MediaWatcher. */
  watchMedia(cameraId: string, intervalMs = 100, timeoutMs = 300_000): MediaWatcher {
    return new MediaWatcher(this, cameraId, intervalMs, timeoutMs);
  }

  // The read endpoints also answer text/csv (their documents list both), so the generated body type is the JSON
  // body or a string; these calls never ask for CSV (no format=csv, JSON is the default), so the body is the JSON.

  summary(query: SummaryQuery = {}): Promise<Summary> {
    return ok(
      'GET /v1/analytics/summary',
      this.api.GET('/v1/analytics/summary', { params: { query } }),
    ) as Promise<Summary>;
  }

  alerts(query: { since?: string; limit?: number } = {}): Promise<Alert[]> {
    return ok('GET /v1/alerts', this.api.GET('/v1/alerts', { params: { query } })) as Promise<Alert[]>;
  }
}

/** A camera's media list holds this many at most per request (the API's limit). */
const MEDIA_LIST_LIMIT = 200;

/**
 * Follows many media of one camera at once: `watch(id)` resolves with the media's summary once it is done or failed.
 * While anything is watched, one request per interval lists the camera's newest media, instead of one request per
 * media per interval (15 uploads polled every 50 ms were 300 requests a second). The list asks for as many media as
 * were watched since the oldest one still waiting (media are watched as they are uploaded, so those are the newest),
 * not for the API's limit: a 200-media answer every interval was most of the analytics service's work while a bench
 * ran. A watched media that is not among them (someone else uploaded to the camera since) is asked for on its own.
 */
export class MediaWatcher {
  private readonly waiting = new Map<
    string,
    { resolve: (m: MediaSummary) => void; reject: (e: Error) => void; until: number }
  >();
  /** the ids watched, in the order they were, from the oldest still waiting on */
  private watched: string[] = [];
  private running = false;

  constructor(
    private readonly client: StoreLensClient,
    private readonly cameraId: string,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  watch(id: string): Promise<MediaSummary> {
    const settled = new Promise<MediaSummary>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject, until: Date.now() + this.timeoutMs }),
    );
    this.watched.push(id);
    if (!this.running) void this.run();
    return settled;
  }

  private async run(): Promise<void> {
    this.running = true;
    // media watched in the same turn of the event loop share the first request
    await new Promise((r) => setImmediate(r));
    try {
      while (this.waiting.size > 0) {
        await this.poll().catch((e: Error) => {
          for (const w of this.waiting.values()) w.reject(e);
          this.waiting.clear();
        });
        const oldest = this.watched.findIndex((id) => this.waiting.has(id));
        this.watched = oldest < 0 ? [] : this.watched.slice(oldest);
        if (this.waiting.size > 0) await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    } finally {
      this.running = false;
    }
  }

  private async poll(): Promise<void> {
    const listed = new Map(
      (
        await this.client.mediaList({
          cameraId: this.cameraId,
          limit: Math.min(MEDIA_LIST_LIMIT, Math.max(1, this.watched.length)),
        })
      ).map((m) => [m.id, m]),
    );
    for (const [id, w] of [...this.waiting]) {
      const m = listed.get(id) ?? (await this.client.media(id));
      if (m.status === 'done' || m.status === 'failed') {
        this.waiting.delete(id);
        w.resolve(m);
      } else if (Date.now() > w.until) {
        this.waiting.delete(id);
        w.reject(new Error(`media ${id} still ${m.status} after ${this.timeoutMs / 1000} s`));
      }
    }
  }
}
