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

// The bodies the dashboard reads are the API's own, generated from its OpenAPI documents (type-only: nothing of the
// client is bundled into the page).
export type {
  Alert,
  Camera,
  Conversion,
  Demographics,
  LiveStatus as CameraStatus,
  Media as MediaDetail,
  MediaSummary,
  Store,
  Summary,
  SummaryGroup,
  Traffic,
  Zones,
} from '@storelens/api-client';
