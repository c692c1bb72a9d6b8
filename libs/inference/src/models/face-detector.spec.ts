import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { config } from '@storelens/config';
import { decodeImage, type RgbImage } from '@storelens/vision';
import { OnnxSession } from '../onnx/session';
import { FaceDetector } from './face-detector';
import { modelOptions } from './model-base';

/** The rescue pass on the real model: a portrait YuNet misses at full size is found, a blank wall stays empty. */
describe('FaceDetector rescue pass (real model)', () => {
  let plain: FaceDetector;
  let rescuing: FaceDetector;
  beforeAll(async () => {
    plain = await FaceDetector.create({ ...modelOptions(config()), rescue: false });
    rescuing = await FaceDetector.create(modelOptions(config()));
  });
  afterAll(() => OnnxSession.closeAll());

  it('finds the face of a tight portrait the main pass misses, where the face is', async () => {
    const dir = path.join(config().assetsDir, 'fixtures', 'demographics');
    let missed: RgbImage | null = null;
    // the first photo (in name order) that the main pass finds nothing in
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.jpg')).sort()) {
      const img = await decodeImage(readFileSync(path.join(dir, f)));
      if ((await plain.detect(img)).length === 0) {
        missed = img;
        break;
      }
    }
    expect(missed).not.toBeNull();
    const found = await rescuing.detect(missed!);
    expect(found).toHaveLength(1); // not also the 90 px corner patch the pass scores 0.81 (too small to be rescued)
    const { box, landmarks } = found[0];
    expect(box.width).toBeGreaterThan(missed!.width * 0.25);
    expect(Math.abs(box.x + box.width / 2 - missed!.width / 2)).toBeLessThan(missed!.width * 0.2);
    expect(landmarks).toHaveLength(5);
  });

  it('finds nothing on a blank wall, with or without the rescue', async () => {
    const wall: RgbImage = { data: new Uint8Array(480 * 640 * 3).fill(140), width: 640, height: 480 };
    expect(await rescuing.detect(wall)).toEqual([]);
  });
});
