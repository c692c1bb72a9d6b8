import { z } from 'zod';

/**
 * Characters no name needs and that can hurt downstream: C0 controls (NUL, which Postgres refuses in text; CR/LF,
 * which forge log lines and CSV rows; ESC, which starts ANSI terminal sequences), DEL, C1 controls, and the Unicode
 * bidirectional overrides that make a name display differently from what it is.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters (NUL, line breaks, tabs, escape sequences)';

/** True when the text holds a character SafeText refuses. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * The one schema for a human-entered text field (a store, camera, zone or identity name, an external reference):
 * trimmed, 1 to `max` characters, and free of control characters. Used by every name field, so a 400 names the
 * field (`name: must not contain control characters ...`) instead of a 500 from Postgres or a forged log line.
 */
export function SafeText({ max = 200 }: { max?: number } = {}) {
  return z
    .string()
    .refine((s) => !hasUnsafeCharacters(s), { error: UNSAFE_TEXT_MESSAGE, abort: true })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'must not be empty' })
        .max(max, { error: `must be at most ${max} characters` }),
    );
}

/** Absolute paths of this machine (temp files, the repository) as they appear in tools' error output. */
const SERVER_PATH = /(?:file:\/\/)?\/(?:tmp|var|home|root|work|usr|opt|srv|mnt|private|Users|app)(?:\/[^\s:'",)]*)+/g;

/**
 * An error message fit for a client: any absolute path of the server (e.g. ffprobe's "/tmp/storelens-…/media:
 * moov atom not found") becomes "the file". Paths in messages tell an attacker about the server and nothing to the
 * client.
 */
export function withoutServerPaths(message: string): string {
  return message.replace(SERVER_PATH, 'the file');
}
