import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { config } from '@storelens/config';
import { decodeImage, type RgbImage } from '@storelens/vision';
import { OnnxSession } from '../onnx/session';
import { FaceDetector } from './face-detector';
import { modelOptions } from './model-base';

/** The detector on the real model: the rescue pass finds a portrait YuNet misses at full size and nothing on a blank
 * wall; reused input tensors give the same detections as new ones; a first input made ahead is the one read. */
describe('FaceDetector (real model)', () => {
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

  it('reuses its input tensors without the last image leaking into the next', async () => {
    const full = await decodeImage(
      readFileSync(path.join(config().assetsDir, 'fixtures', 'faces', 'barack_obama', 'obama-720p.jpg')),
    );
    const [face] = await plain.detect(full);
    expect(face).toBeDefined();
    // two crops with the face near their bottom-right corner: the smaller one's input (608x480) is cut from the
    // larger one's (640x480) memory, which holds the larger crop's pixels where the smaller one has padding
    const cx = Math.round(face.box.x + face.box.width / 2);
    const cy = Math.round(face.box.y + face.box.height / 2);
    const crop = (w: number, h: number): RgbImage => {
      const x0 = Math.min(Math.max(0, cx - 560), full.width - 640);
      const y0 = Math.min(Math.max(0, cy - 400), full.height - 480);
      const data = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++)
        data.set(full.data.subarray(((y0 + y) * full.width + x0) * 3, ((y0 + y) * full.width + x0 + w) * 3), y * w * 3);
      return { data, width: w, height: h };
    };
    const larger = crop(640, 480);
    const smaller = crop(600, 450);
    const fresh = await FaceDetector.create({ ...modelOptions(config()), rescue: false });
    const expected = await fresh.detect(smaller); // its first call: a new, zeroed tensor
    expect(expected).toHaveLength(1);

    const reusing = await FaceDetector.create({ ...modelOptions(config()), rescue: false });
    await reusing.detect(larger);
    expect(reusing.inputs.held.buffers).toBe(1);
    expect(await reusing.detect(smaller)).toEqual(expected);
    expect(reusing.inputs.held).toEqual({ buffers: 1, bytes: 640 * 480 * 3 * 4 }); // the 640x480 tensor's, again
  });

  it('reads the first input made ahead for it, and makes its own when that one does not fit', async () => {
    const read = (...parts: string[]) => decodeImage(readFileSync(path.join(config().assetsDir, 'fixtures', ...parts)));
    // a 501x700 photo of two people: one pass, on a 640-px copy
    const img = await read('scenes', 'knn_test_kit_with_rose.jpg');
    const expected = await plain.detect(img);
    expect(expected).toHaveLength(2);
    const made = await plain.firstInput(img);
    expect([made.width, made.height]).toEqual([458, 640]);
    expect(await plain.detect(img, { firstInput: made })).toEqual(expected);
    // the pass reads the given input, not a copy made anew: a blank one of the same size hides both faces
    const blank: RgbImage = { ...made, data: new Uint8Array(made.data.length).fill(128) };
    expect(await plain.detect(img, { firstInput: blank })).toEqual([]);
    // an input of another size is not this image's: the detector shrinks the image itself
    const other = await plain.firstInput(await read('scenes', 'two_people.jpg'));
    expect(await plain.detect(img, { firstInput: other })).toEqual(expected);
  });
});
