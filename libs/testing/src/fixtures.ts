import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { config } from '@storelens/config';

/** Paths into the shared fixtures (read at run time from $STORELENS_ASSETS/fixtures, never copied). */
export const fixtures = {
  dir: () => path.join(config().assetsDir, 'fixtures'),
  file: (rel: string) => path.join(config().assetsDir, 'fixtures', rel),
  /** faces/<person>/<file> for every single-person photo; `whole` leaves out the deliberately partial crops */
  faces(opts: { whole?: boolean } = {}): { person: string; file: string }[] {
    const root = path.join(config().assetsDir, 'fixtures', 'faces');
    return readdirSync(root)
      .sort()
      .flatMap((person) =>
        readdirSync(path.join(root, person))
          .sort()
          .filter((f) => !opts.whole || !f.includes('partial'))
          .map((f) => ({ person, file: path.join(root, person, f) })),
      );
  },
};

/** A gallery folder (one sub-folder per person) of symlinks to fixture photos, for tests and demos. */
export function galleryOf(
  people: Record<string, string[]>,
  dir = mkdtempSync(path.join(tmpdir(), 'gallery-')),
): string {
  for (const [person, files] of Object.entries(people)) {
    mkdirSync(path.join(dir, person), { recursive: true });
    for (const f of files) symlinkSync(fixtures.file(f), path.join(dir, person, path.basename(f)));
  }
  return dir;
}
