/** What kind of source a stream URL names, which decides how ffmpeg opens it. */
export type StreamKind = 'rtsp' | 'hls' | 'mjpeg';

export interface StreamUrl {
  /** The URL as given, credentials included: only ever stored sealed and handed to ffmpeg. */
  url: string;
  /** The URL without user info, for the API and logs. */
  redacted: string;
  kind: StreamKind;
  host: string;
}

/** A stream URL that cannot be used; the message is the reason, safe to show (it never repeats credentials). */
export class StreamUrlError extends Error {
  override readonly name = 'StreamUrlError';
}

const MAX_URL_LENGTH = 2048;

/**
 * Validates a camera's stream URL: rtsp://, rtsps://, or http(s):// for HLS (.m3u8) and MJPEG. Every other scheme
 * (file:, data:, concat:, pipe:, ftp:, …) is refused: ffmpeg would otherwise read local files or other protocols
 * on a tenant's say-so.
 */
export function parseStreamUrl(input: string): StreamUrl {
  if (input.length > MAX_URL_LENGTH) throw new StreamUrlError(`streamUrl is longer than ${MAX_URL_LENGTH} characters`);
  if (/[\s\0]/.test(input)) throw new StreamUrlError('streamUrl contains white space or control characters');
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new StreamUrlError('streamUrl is not a URL');
  }
  const scheme = u.protocol.replace(/:$/, '');
  let kind: StreamKind;
  if (scheme === 'rtsp' || scheme === 'rtsps') kind = 'rtsp';
  else if (scheme === 'http' || scheme === 'https') kind = /\.m3u8$/i.test(u.pathname) ? 'hls' : 'mjpeg';
  else throw new StreamUrlError(`streamUrl scheme ${scheme}: is not supported (rtsp, rtsps, http, https)`);
  if (!u.hostname) throw new StreamUrlError('streamUrl has no host');
  return { url: input, redacted: redactUrl(input), kind, host: u.hostname };
}

/** The URL without user info (`rtsp://***@host/path`), or a placeholder when it does not parse. */
export function redactUrl(input: string): string {
  try {
    const u = new URL(input);
    if (!u.username && !u.password) return u.toString();
    u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Replaces any URL with user info inside a text (an ffmpeg message) by its redacted form. */
export function redactText(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s/@]+@[^\s'"]*/gi, (m) => redactUrl(m));
}
