import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { config } from '@storelens/config';
import { IMAGE_EXTENSIONS, isImageFile } from '@storelens/vision';

/**
 * The fixed bench set, relative to `<assets>/fixtures` (see ../shared/fixtures/FIXTURES.md): the three scenes and
 * one or two photos per person, from 320x240 to 2000x1428 so that both detector scales are exercised. Partial-face
 * crops are left out: whether a detector finds a face there is a matter of taste, not speed.
 */
export const DEFAULT_BENCH_IMAGES = [
  'scenes/two_people.jpg',
  'scenes/knn_test_obama_and_biden.jpg',
  'scenes/knn_test_kit_with_rose.jpg',
  'faces/barack_obama/obama.jpg',
  'faces/barack_obama/obama_small.jpg',
  'faces/barack_obama/obama-480p.jpg',
  'faces/barack_obama/obama-1080p.jpg',
  'faces/joe_biden/biden.jpg',
  'faces/joe_biden/knn_train_biden2.jpg',
  'faces/alex_lacamoire/alex-lacamoire.png',
  'faces/alex_lacamoire/knn_train_alex_lacamoire_img1.jpg',
  'faces/lin_manuel_miranda/lin-manuel-miranda.png',
  'faces/kit_harington/knn_train_kit_harington_john1.jpeg',
  'faces/rose_leslie/knn_train_rose_leslie_img1.jpg',
  'faces/rose_leslie/knn_train_rose_leslie_img2.jpg',
] as const;

export interface BenchImage {
  /** absolute path */
  file: string;
  /** path relative to the folder the set came from, for output */
  name: string;
  /** the file's bytes, read once so that no row is timed on disk reads */
  bytes: Buffer;
}

export function fixturesDir(): string {
  return path.join(config().assetsDir, 'fixtures');
}

/** The default set; every file must exist, since a smaller set would not be comparable between runs. */
export async function defaultBenchImages(): Promise<BenchImage[]> {
  const root = fixturesDir();
  return Promise.all(
    DEFAULT_BENCH_IMAGES.map(async (rel) => {
      const file = path.join(root, rel);
      const bytes = await readFile(file).catch((err: unknown) => {
        throw new Error(
          `bench fixture ${file} cannot be read (${err instanceof Error ? err.message : String(err)}); see FIXTURES.md`,
        );
      });
      return { file, name: rel, bytes };
    }),
  );
}

/** Every image under `dir` (recursively, sorted by path), for `--images <dir>`. */
export async function folderBenchImages(dir: string): Promise<BenchImage[]> {
  const root = path.resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`--images ${dir}: not a folder`);
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (isImageFile(e.name)) files.push(p);
    }
  };
  await walk(root);
  if (files.length === 0) throw new Error(`--images ${dir}: no images (${[...IMAGE_EXTENSIONS].join(' ')})`);
  return Promise.all(
    files.map(async (file) => ({ file, name: path.relative(root, file), bytes: await readFile(file) })),
  );
}
