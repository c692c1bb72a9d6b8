/// <reference lib="dom" />
// The dashboard's only door to the platform: every call carries the API key from this browser session.

const KEY = 'storelens.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The key lives in sessionStorage only: gone when the tab closes, never in a cookie, a URL or localStorage. */
export const session = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export async function api<T>(path: string, key = session.get()): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${key ?? ''}`, Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'StoreLens cannot be reached right now. Check your connection; we will try again.');
  }
  if (res.ok) return (await res.json()) as T;
  const body = (await res.json().catch(() => ({}))) as { message?: unknown };
  const reason = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? res.statusText);
  if (res.status === 401) throw new ApiError(401, 'That API key was not accepted. Check it, or ask for a new one.');
  if (res.status >= 500)
    throw new ApiError(res.status, `StoreLens had a problem answering (${res.status}). Please try again in a moment.`);
  throw new ApiError(res.status, reason);
}

/** The API paths the platform offers (from its OpenAPI documents), so panels for features not yet there can say so. */
export async function capabilities(): Promise<Set<string>> {
  const paths = new Set<string>();
  for (const doc of ['/docs/analytics/openapi.json', '/docs/ingest/openapi.json']) {
    try {
      const res = await fetch(doc);
      if (!res.ok) continue;
      const spec = (await res.json()) as { paths?: Record<string, unknown> };
      for (const p of Object.keys(spec.paths ?? {})) paths.add(p);
    } catch {
      // a missing document only hides optional panels
    }
  }
  return paths;
}

export interface Store {
  id: string;
  name: string;
  timezone: string;
}
export interface Camera {
  id: string;
  storeId: string;
  name: string;
  role: string;
  fps: number;
  zone: string | null;
}
export type AgeBands = Record<string, number>;
export interface SummaryGroup {
  hour?: string;
  day?: string;
  storeId?: string;
  storeName?: string;
  cameraId?: string;
  cameraName?: string;
  faces: number;
  identified: number;
  unknown: number;
  pending: number;
  visitors: { unique: number; identified: number; anonymous: number } | null;
  staff: { faces: number; people: number | null };
  gender: { female: number; male: number };
  ageBands: AgeBands;
  ageByGender: { female: AgeBands; male: AgeBands };
  emotions: Record<string, number>;
}
export interface Summary {
  from: string;
  to: string;
  groups: SummaryGroup[];
}
export interface Alert {
  id: string;
  seenAt: string;
  similarity: number;
  identity: { id: string; name: string; category: string };
  camera: { id: string; name: string } | null;
  store: { id: string; name: string } | null;
  annotatedUrl: string;
}
export interface MediaSummary {
  id: string;
  kind: string;
  status: string;
  error: string | null;
  cameraId: string | null;
  capturedAt: string;
  frameCount: number | null;
}
export interface MediaDetail extends MediaSummary {
  frames: {
    index: number;
    capturedAt: string;
    annotatedUrl: string;
    faces: {
      identity: { name: string; category: string } | null;
      age: number | null;
      gender: { label: string } | null;
      emotion: { label: string } | null;
    }[];
  }[];
}
