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

/**
 * The tenant's event stream (Server-Sent Events) read with fetch, so the key goes in the Authorization header, never
 * in a URL: calls `onEvent` with each event's type. Resolves when the stream ends or is aborted; rejects when it
 * cannot be opened (the caller falls back to polling).
 */
export async function followEvents(
  types: string[],
  onEvent: (type: string) => void,
  signal: AbortSignal,
  key = session.get(),
): Promise<void> {
  const res = await fetch(`/v1/events?types=${encodeURIComponent(types.join(','))}`, {
    headers: { Authorization: `Bearer ${key ?? ''}`, Accept: 'text/event-stream' },
    signal,
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, 'The live event stream is not available.');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.+)$/m.exec(message)?.[1];
      if (type) onEvent(type);
    }
  }
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
  /** a live camera's stream (without credentials); null for a camera that only uploads */
  streamUrl?: string | null;
}
export interface CameraStatus {
  state: 'connecting' | 'live' | 'reconnecting' | 'offline' | 'failed' | 'stopped';
  since: string;
  lastFrameAt: string | null;
  fpsIn: number;
  fpsProcessed?: number;
  error?: string | null;
}
/** Shoppers (visits of people, not face sightings): /v1/analytics/traffic, demographics, zones, conversion. */
export interface Traffic {
  timezone: string;
  groups: {
    period: string;
    visits: number;
    uniqueVisitors: number;
    newVisitors: number;
    returningVisitors: number;
    members: number;
    anonymous: number;
    occupancyPeak: number;
  }[];
}
export interface Demographics {
  visitors: number;
  byGender: { female: number; male: number; unknown: number };
  byAgeBand: Record<string, number>;
  matrix: { female: Record<string, number>; male: Record<string, number>; unknown: Record<string, number> };
}
export interface Zones {
  visits: number;
  zones: {
    zone: string;
    kind: string;
    visits: number;
    shareOfVisits: number;
    dwellP50S: number;
    dwellP90S: number;
    emotions: Record<string, number>;
  }[];
}
export interface Rate {
  visits: number;
  converted: number;
  rate: number;
}
export interface Conversion extends Rate {
  basis: 'transactions' | 'checkout';
  transactions: number;
  matchedTransactions: number;
  revenue: number;
  bySegment: Record<'membership' | 'visitor' | 'gender' | 'ageBand', Record<string, Rate>>;
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
