import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir } from './images';
import { platformRow } from './platform-row';
import { platformLines } from './report';
import type { PlatformRow } from './types';

/** The platform row with --cpu-profile, on its own stack: the profiler's own threads would blur the other CPU checks. */
describe('the platform row with CPU profiles', () => {
  let dir: string;
  let row: PlatformRow;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'storelens-profiles-'));
    const files = ['scenes/two_people.jpg', 'faces/barack_obama/obama_small.jpg'].map((f) =>
      path.join(fixturesDir(), f),
    );
    row = await platformRow({ files, repeat: 1, pipelineFaces: 3 }, () => undefined, {
      basePort: 29_380,
      cpuProfileDir: path.join(dir, 'profiles'),
    });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("says where each service's main thread spent the timed passes, from a profile of each process", async () => {
    const profiles = row.profiles!;
    expect(profiles.map((p) => p.process)).toEqual([...row.rss.map((r) => r.service), 'gateway']);
    for (const p of profiles) {
      expect(p.file).toBe(path.join(dir, 'profiles', `${p.process}-0.cpuprofile`));
      expect(JSON.parse(await readFile(p.file, 'utf8')).samples.length).toBeGreaterThan(0);
      expect(p.windowMs).toBeGreaterThanOrEqual(row.wallMs);
      expect(p.busyMs).toBeGreaterThan(0);
      // samples are charged the time to the next one: the window holds at most one more interval than its span
      expect(p.busyMs + p.idleMs).toBeLessThanOrEqual(p.windowMs + 20);
      const shares = p.top.map((t) => t.share);
      expect(shares.length).toBeGreaterThan(0);
      expect(shares).toEqual([...shares].sort((a, b) => b - a));
      // each share is rounded to 0.001: together at most half of that each over the whole
      expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 0.0005 * shares.length + 1e-9);
    }
    // the models run on the model thread, not the main thread: detection's main thread spends its time cutting crops
    const detection = profiles.find((p) => p.process === 'detection')!;
    expect(detection.top.map((t) => t.what)).not.toContain('onnxruntime-node');
    expect(detection.top.map((t) => t.what)).toContain('libs/vision/src/align.ts');
    const said = platformLines(row, os.availableParallelism()).find((l) => l.startsWith("detection's main thread"));
    expect(said).toContain(detection.file);
    expect(said).toContain(
      `libs/vision/src/align.ts ${Math.round(detection.top.find((t) => t.what === 'libs/vision/src/align.ts')!.share * 100)}%`,
    );
  });
});
