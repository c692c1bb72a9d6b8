import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { config, repoRoot } from '@storelens/config';
import { modelManifest } from '@storelens/inference';
import { fixtures, galleryOf } from '@storelens/testing';

/**
 * A machine with only the downloadable models (YuNet, MobileFaceNet) and the npm packages: the age/gender and
 * expression models are built from face-api's TF.js weights on first use, and `storelens analyze` gives exactly what
 * it gives with the reference files in the shared assets folder.
 */
function analyze(env: Record<string, string>, args: string[]) {
  const r = spawnSync(
    path.join(repoRoot(), 'node_modules/.bin/tsx'),
    [path.join(repoRoot(), 'libs/cli/src/main.ts'), 'analyze', ...args, '--json'],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 240_000, env: { ...process.env, ...env } },
  );
  if (r.status !== 0) throw new Error(`analyze exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** What a user sees of each face: where, who, age, gender, emotion. */
function faces(lines: any[]) {
  return lines.map((l) => ({
    file: path.basename(l.file),
    faces: l.faces.map((f: any) => ({
      box: f.box,
      name: f.identity?.name ?? null,
      age: f.age,
      gender: f.gender,
      emotion: f.emotion,
    })),
  }));
}

describe('models built from npm weights (no face-api files in the assets folder)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'models-npm-'));
  const shared = path.join(config().assetsDir, 'models');
  const m = modelManifest();
  const scenes = ['two_people.jpg', 'knn_test_obama_and_biden.jpg', 'knn_test_kit_with_rose.jpg'].map((f) =>
    fixtures.file(`scenes/${f}`),
  );
  const gallery = galleryOf({
    barack_obama: ['faces/barack_obama/obama.jpg'],
    joe_biden: ['faces/joe_biden/knn_train_biden2.jpg'],
    rose_leslie: ['faces/rose_leslie/knn_train_rose_leslie_img1.jpg'],
    kit_harington: ['faces/kit_harington/knn_train_kit_harington_john1.jpeg'],
  });

  it('analyses the scenes exactly as with the shared model files', () => {
    const bare = path.join(work, 'assets');
    mkdirSync(path.join(bare, 'models'), { recursive: true });
    for (const role of ['detector', 'embedder'] as const) {
      symlinkSync(path.join(shared, m[role].file), path.join(bare, 'models', m[role].file));
    }
    const builtCache = path.join(work, 'cache-built');
    const built = analyze(
      { STORELENS_ASSETS: bare, STORELENS_MODEL_CACHE: builtCache, STORELENS_MODEL_DOWNLOAD: '0' },
      [...scenes, '--gallery', gallery],
    );
    const reference = analyze(
      { STORELENS_ASSETS: config().assetsDir, STORELENS_MODEL_CACHE: path.join(work, 'cache-ref'), STORELENS_MODEL_DOWNLOAD: '0' },
      [...scenes, '--gallery', gallery],
    );

    expect(faces(built)).toEqual(faces(reference));
    const all = faces(built).flatMap((l) => l.faces);
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(all.map((f) => f.name)).toEqual(expect.arrayContaining(['Barack Obama', 'Joe Biden', 'Rose Leslie', 'Kit Harington']));

    // The two models were built into the cache, byte for byte the manifest's files.
    expect(readdirSync(builtCache).sort()).toEqual([m.ageGender.file, m.emotion.file].sort());
    for (const role of ['ageGender', 'emotion'] as const) {
      const bytes = readFileSync(path.join(builtCache, m[role].file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m[role].sha256);
    }
  });
});
