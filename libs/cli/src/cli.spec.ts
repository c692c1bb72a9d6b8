import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '@storelens/config';
import { fixtures, galleryOf } from '@storelens/testing';
import { writeBadInputs, type BadInputs } from '@storelens/testing';

/** Runs the CLI exactly as a user does (`npm run -s storelens -- ...` runs this same entry point). */
function cli(args: string[]): { code: number; lines: any[]; stdout: string; stderr: string } {
  const r = spawnSync(
    path.join(repoRoot(), 'node_modules/.bin/tsx'),
    [path.join(repoRoot(), 'libs/cli/src/main.ts'), ...args],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      timeout: 120_000,
    },
  );
  const lines = r.stdout.split('\n').filter(Boolean);
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: args.includes('--json') || args[0] === 'embed' ? lines.map((l) => JSON.parse(l)) : [],
  };
}

describe('storelens CLI', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'cli-'));
  let bad: BadInputs;

  beforeAll(async () => {
    bad = await writeBadInputs(work);
  });

  it('reports each bad input on its own line and still analyses the good one', () => {
    const good = fixtures.file('faces/barack_obama/obama.jpg');
    const r = cli(['analyze', ...Object.values(bad), good, '--json']);
    expect(r.code).toBe(0);
    const byFile = Object.fromEntries(r.lines.map((l) => [l.file, l]));
    expect(byFile[bad.empty].error).toMatch(/empty/);
    expect(byFile[bad.truncated].error).toMatch(/corrupt or truncated/);
    expect(byFile[bad.text].error).toMatch(/not a supported image/);
    expect(byFile[bad.huge].error).toMatch(/20000x20000.*limit/);
    expect(byFile[bad.audio].error).toMatch(/no video stream/);
    expect(byFile[bad.faceless].error).toBe('no face found');
    expect(byFile[bad.missing].error).toBe('file not found');
    expect(byFile[good].faces).toHaveLength(1);
    expect(Object.keys(byFile[good]).sort()).toEqual(['faces', 'file', 'frame', 'height', 'timeMs', 'width']);
  });

  it('answers in the order of the inputs, though it decodes the next one while analysing this one', () => {
    const photos = ['faces/barack_obama/obama.jpg', 'scenes/two_people.jpg', 'faces/joe_biden/biden.jpg'];
    const inputs = [fixtures.file(photos[0]), bad.text, fixtures.file(photos[1]), bad.truncated, fixtures.file(photos[2])];
    const r = cli(['analyze', ...inputs, '--json']);
    expect(r.lines.map((l) => l.file)).toEqual(inputs);
    expect(r.lines.map((l) => (l.error ? 'error' : l.faces.length))).toEqual([1, 'error', 2, 'error', 1]);
  });

  it('exits non-zero only when nothing could be processed', () => {
    const r = cli(['analyze', bad.empty, bad.text, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.lines).toHaveLength(2);
  });

  it('names both men in two_people.jpg with gender, age and emotion, and writes the annotated image', async () => {
    const gallery = galleryOf({
      barack_obama: ['faces/barack_obama/obama.jpg'],
      joe_biden: ['faces/joe_biden/knn_train_biden2.jpg'],
    });
    const out = path.join(work, 'annotated');
    const r = cli([
      'analyze',
      fixtures.file('scenes/two_people.jpg'),
      '--gallery',
      gallery,
      '--json',
      '--annotate',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    const [line] = r.lines;
    expect(line.faces.map((f: any) => f.identity.name)).toEqual(['Barack Obama', 'Joe Biden']);
    for (const f of line.faces) {
      expect(f.box).toHaveLength(4);
      expect(f.landmarks).toHaveLength(5);
      expect(f.gender.label).toBe('male');
      expect(typeof f.age).toBe('number');
      expect(Object.keys(f.emotion.scores)).toHaveLength(7);
    }
    const meta = await sharp(path.join(out, 'two_people.jpg')).metadata();
    expect([meta.width, meta.height]).toEqual([line.width, line.height]);
  });

  it('writes an annotated video with one frame per sampled frame', () => {
    const out = path.join(work, 'video');
    const r = cli(['analyze', fixtures.file('video/hamilton_clip.mp4'), '--fps', '2', '--json', '--annotate', out]);
    expect(r.code).toBe(0);
    expect(r.lines.length).toBeGreaterThanOrEqual(19);
    expect(r.lines.map((l) => l.timeMs).slice(0, 3)).toEqual([0, 500, 1000]);
    const mp4 = path.join(out, 'hamilton_clip.annotated.mp4');
    expect(existsSync(mp4)).toBe(true);
    const frames = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        mp4,
      ],
      { encoding: 'utf8' },
    );
    expect(Number(frames.trim())).toBe(r.lines.length);
  });

  it('prints a readable table without --json', () => {
    const r = cli(['analyze', fixtures.file('scenes/knn_test_kit_with_rose.jpg')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/female/);
    expect(r.stdout).toMatch(/Unknown/);
  });

  it('embeds every face, largest first, as 128 numbers', () => {
    const r = cli(['embed', fixtures.file('scenes/knn_test_obama_and_biden.jpg'), bad.text]);
    expect(r.code).toBe(0);
    const [scene, text] = r.lines;
    expect(scene.faces.length).toBeGreaterThanOrEqual(3);
    expect(scene.faces[0].embedding).toHaveLength(128);
    const areas = scene.faces.map((f: any) => f.box[2] * f.box[3]);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
    expect(text.error).toMatch(/not a supported image/);
  });

  it('compares two photos of the same person and of different people', () => {
    const same = cli([
      'compare',
      fixtures.file('faces/joe_biden/biden.jpg'),
      fixtures.file('faces/joe_biden/knn_train_biden2.jpg'),
      '--json',
    ]);
    expect(same.lines[0].samePerson).toBe(true);
    const diff = cli([
      'compare',
      fixtures.file('faces/joe_biden/biden.jpg'),
      fixtures.file('faces/barack_obama/obama.jpg'),
      '--json',
    ]);
    expect(diff.lines[0].samePerson).toBe(false);
    expect(diff.lines[0].similarity).toBeLessThan(same.lines[0].similarity);
  });
});
