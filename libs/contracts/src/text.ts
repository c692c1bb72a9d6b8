/**
 * Characters no name needs and that can hurt downstream: C0 controls (NUL, which Postgres refuses in text; CR/LF,
 * which forge log lines and CSV rows; ESC, which starts ANSI terminal sequences), DEL, C1 controls, and the Unicode
 * bidirectional overrides that make a name display differently from what it is.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters (NUL, line breaks, tabs, escape sequences)';

/** True when the text holds a character no name may hold (the API's TextField refuses them with a 400). */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
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
