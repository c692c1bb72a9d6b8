import { config } from '@storelens/config';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { area } from '@storelens/vision';
import { FacePipeline, newTimings } from './face-pipeline';
import { cosine, DEFAULT_MATCH_THRESHOLD } from '@storelens/decision';
import { videoFrames } from '@storelens/media';
import { fixtures, galleryOf } from '@storelens/testing';

describe('FacePipeline on the fixtures (real models)', () => {
  let pipeline: FacePipeline;
  beforeAll(async () => {
    pipeline = await FacePipeline.create(config());
  });

  it('finds exactly one face in every single-person photo whose face is whole', async () => {
    const counts: Record<string, number> = {};
    for (const { file } of fixtures.faces({ whole: true })) counts[path.basename(file)] = (await pipeline.analyzeFile(file)).faces.length;
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(20);
    expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
  });

  it('names both men in two_people.jpg from a gallery of other photos of them, with attributes', async () => {
    const dir = galleryOf({
      barack_obama: ['faces/barack_obama/obama.jpg', 'faces/barack_obama/knn_test_obama1.jpg'],
      joe_biden: ['faces/joe_biden/knn_train_biden2.jpg'],
    });
    const { gallery, issues } = await pipeline.enrolFolder(dir);
    expect(issues).toEqual([]);
    const { faces } = await pipeline.analyzeFile(fixtures.file('scenes/two_people.jpg'), gallery);
    expect(faces.map((f) => f.identity?.name)).toEqual(['Barack Obama', 'Joe Biden']);
    for (const f of faces) {
      expect(f.identity!.similarity).toBeGreaterThan(DEFAULT_MATCH_THRESHOLD);
      expect(f.gender.label).toBe('male');
      expect(f.age).toBeGreaterThan(30);
      expect(f.age).toBeLessThan(80);
      expect(Object.keys(f.emotion.scores).sort()).toEqual(['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']);
      expect(f.embedding).toHaveLength(128);
      expect(f.landmarks).toHaveLength(5);
      expect(f.models.embedder).toMatch(/^mobilefacenet_foamliu@/);
    }
  });

  it('gives the same faces from an image made ready ahead (decoded and shrunk for the detector) as from its bytes', async () => {
    const bytes = readFileSync(fixtures.file('scenes/knn_test_obama_and_biden.jpg'));
    const t = newTimings();
    const { image, firstInput } = await pipeline.ready(bytes, t);
    expect(t.decodeMs).toBeGreaterThan(0);
    expect(t.detectMs).toBeGreaterThan(0); // the shrinking is the detector's work, done early
    expect(Math.max(firstInput.width, firstInput.height)).toBe(640);
    const faces = await pipeline.analyzeImage(image, undefined, undefined, { firstInput });
    expect(faces).toHaveLength(3);
    expect(faces).toEqual((await pipeline.analyzeBuffer(bytes)).faces);
  });

  it('calls a person who is not in the gallery unknown', async () => {
    const dir = galleryOf({ joe_biden: ['faces/joe_biden/knn_train_biden2.jpg'] });
    const { gallery } = await pipeline.enrolFolder(dir);
    const { faces } = await pipeline.analyzeFile(fixtures.file('scenes/two_people.jpg'), gallery);
    expect(faces.map((f) => f.identity?.name ?? null)).toEqual([null, 'Joe Biden']);
  });

  it('scores every same-person pair above every different-person pair, with the default threshold between', async () => {
    const embs: { person: string; e: Float32Array }[] = [];
    for (const { person, file } of fixtures.faces({ whole: true })) {
      const faces = await pipeline.embedFaces(await pipeline.decode(readFileSync(file)));
      embs.push({ person, e: faces[0].embedding });
    }
    let minSame = Infinity;
    let maxDiff = -Infinity;
    for (let i = 0; i < embs.length; i++)
      for (let j = i + 1; j < embs.length; j++) {
        const s = cosine(embs[i].e, embs[j].e);
        if (embs[i].person === embs[j].person) minSame = Math.min(minSame, s);
        else maxDiff = Math.max(maxDiff, s);
      }
    expect(minSame).toBeGreaterThan(maxDiff);
    expect(minSame).toBeGreaterThan(DEFAULT_MATCH_THRESHOLD);
    expect(maxDiff).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
  });

  it('reads Rose Leslie as female and Obama as male', async () => {
    for (const f of ['knn_train_rose_leslie_img1.jpg', 'knn_train_rose_leslie_img2.jpg']) {
      const { faces } = await pipeline.analyzeFile(fixtures.file(`faces/rose_leslie/${f}`));
      expect(faces[0].gender.label).toBe('female');
    }
    for (const f of ['obama.jpg', 'obama2.jpg', 'knn_test_obama1.jpg']) {
      const { faces } = await pipeline.analyzeFile(fixtures.file(`faces/barack_obama/${f}`));
      expect(faces[0].gender.label).toBe('male');
    }
  });

  it('finds the three people in the crowded scene, including the child, at their positions', async () => {
    const dir = galleryOf({
      barack_obama: ['faces/barack_obama/obama.jpg', 'faces/barack_obama/knn_test_obama1.jpg'],
      joe_biden: ['faces/joe_biden/knn_train_biden2.jpg'],
    });
    const { gallery } = await pipeline.enrolFolder(dir);
    const { faces } = await pipeline.analyzeFile(fixtures.file('scenes/knn_test_obama_and_biden.jpg'), gallery);
    expect(faces.length).toBeGreaterThanOrEqual(3);
    const centre = (f: (typeof faces)[number]) => ({ x: f.box.x + f.box.width / 2, y: f.box.y + f.box.height / 2 });
    const biden = faces.find((f) => f.identity?.name === 'Joe Biden');
    const obama = faces.find((f) => f.identity?.name === 'Barack Obama');
    // FIXTURES.md: Biden the adult on the left, Obama the adult on the right, a child in the foreground
    expect(biden && obama).toBeTruthy();
    expect(centre(biden!).x).toBeLessThan(centre(obama!).x);
    const others = faces.filter((f) => f !== biden && f !== obama);
    const child = others.find((f) => centre(f).y > Math.max(centre(biden!).y, centre(obama!).y));
    expect(child).toBeDefined();
    expect(child!.identity).toBeNull();
    expect(area(child!.box)).toBeGreaterThan(0);
  });

  it('names Lin-Manuel Miranda in the sampled frames of the video, with timestamps', async () => {
    const dir = galleryOf({
      lin_manuel_miranda: ['faces/lin_manuel_miranda/lin-manuel-miranda.png'],
      alex_lacamoire: ['faces/alex_lacamoire/alex-lacamoire.png', 'faces/alex_lacamoire/knn_train_alex_lacamoire_img1.jpg'],
    });
    const { gallery } = await pipeline.enrolFolder(dir);
    const times: number[] = [];
    let named = 0;
    let withFaces = 0;
    for await (const frame of videoFrames(fixtures.file('video/hamilton_clip.mp4'), { fps: 5 })) {
      times.push(frame.timeMs);
      expect([frame.image.width, frame.image.height]).toEqual([640, 360]);
      const faces = await pipeline.analyzeImage(frame.image, gallery, undefined, { videoFrame: true });
      if (faces.length) withFaces++;
      if (faces.some((f) => f.identity?.name === 'Lin Manuel Miranda')) named++;
    }
    expect(times.length).toBeGreaterThanOrEqual(49);
    expect(times.length).toBeLessThanOrEqual(51);
    expect(times.slice(0, 3)).toEqual([0, 200, 400]);
    expect(named).toBeGreaterThanOrEqual(Math.floor(withFaces / 2));
    expect(named).toBeGreaterThan(10);
  });
});
