import { readFileSync } from 'node:fs';
import path from 'node:path';
import { config } from '@storelens/config';
import { decodeImage, squareCrop, type Box, type RgbImage } from '@storelens/vision';
import { logit, sigmoid } from '../decode/attributes';
import { OnnxSession } from '../onnx/session';
import {
  ATTRIBUTE_SHIFT_PX,
  ATTRIBUTE_VIEW_SIZE,
  AgeGenderEstimator,
  EmotionClassifier,
  attributeCrop,
  attributeView,
  centreCrop,
  shiftedCrops,
} from './attribute-models';
import { FaceDetector } from './face-detector';
import { modelOptions } from './model-base';

/** Largest per-channel difference between two images of one size. */
function maxDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** A smooth but everywhere-different test picture. */
function picture(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      data[i] = (x * 7 + y * 3) % 256;
      data[i + 1] = (x * 2 + y * 5) % 256;
      data[i + 2] = Math.round(128 + 100 * Math.sin(x / 9) * Math.cos(y / 7));
    }
  return { data, width: w, height: h };
}

describe('attribute views', () => {
  const img = picture(400, 300);
  const box: Box = { x: 130.4, y: 70.2, width: 96.5, height: 120.3 };

  it('holds the attribute crop at its centre, resampled the same way', () => {
    const view = attributeView(img, box);
    expect([view.width, view.height]).toEqual([ATTRIBUTE_VIEW_SIZE, ATTRIBUTE_VIEW_SIZE]);
    expect(maxDiff(centreCrop(view), attributeCrop(img, box))).toBeLessThanOrEqual(1);
  });

  it('cuts the four shifted crops: the crop of the box moved by the shift, left, right, up and down', () => {
    const side = Math.max(box.width, box.height);
    const d = (ATTRIBUTE_SHIFT_PX * side) / 112; // the shift in image pixels
    const moved = [
      { ...box, x: box.x - d },
      { ...box, x: box.x + d },
      { ...box, y: box.y - d },
      { ...box, y: box.y + d },
    ];
    const windows = shiftedCrops(attributeView(img, box));
    expect(windows).toHaveLength(4);
    windows.forEach((w, i) => expect(maxDiff(w, squareCrop(img, moved[i], 1, 112))).toBeLessThanOrEqual(1));
    // and they differ from the centre: a shift that did nothing would pass the line above for every window
    windows.forEach((w) => expect(maxDiff(w, attributeCrop(img, box))).toBeGreaterThan(10));
  });

  it('takes a bare 112 crop (stored before views) as its own centre, with no shifts', () => {
    const crop = attributeCrop(img, box);
    expect(centreCrop(crop)).toBe(crop);
    expect(shiftedCrops(crop)).toEqual([]);
  });

  it('refuses an image of any other size', () => {
    expect(() => centreCrop(picture(100, 100))).toThrow(/expected a 124 view or a 112 crop/);
  });
});

describe('AgeGenderEstimator and EmotionClassifier on attribute views (real models)', () => {
  let ageGender: AgeGenderEstimator;
  let emotion: EmotionClassifier;
  let view: RgbImage;

  beforeAll(async () => {
    const opts = modelOptions(config());
    const detector = await FaceDetector.create(opts);
    [ageGender, emotion] = await Promise.all([AgeGenderEstimator.create(opts), EmotionClassifier.create(opts)]);
    const file = path.join(config().assetsDir, 'fixtures', 'faces', 'rose_leslie', 'knn_train_rose_leslie_img1.jpg');
    const img = await decodeImage(readFileSync(file));
    const [face] = await detector.detect(img);
    view = attributeView(img, face.box);
  });
  afterAll(() => OnnxSession.closeAll());

  it('fuses the crop, its shifts and their mirror images; the age stays the crop and mirror mean', async () => {
    const [fromView] = await ageGender.estimate([view]);
    const [fromCrop] = await ageGender.estimate([centreCrop(view)]);
    expect(fromCrop.raw.pMaleShifted).toBeNull();
    expect(fromView.raw.pMaleShifted).not.toBeNull();
    // same crop, same model: the crop's and the mirror's own outputs and the age do not depend on the shifts
    expect(fromView.raw.pMale).toBeCloseTo(fromCrop.raw.pMale, 5);
    expect(fromView.age).toBeCloseTo(fromCrop.age, 4);
    // the fused p(male) weighs the crop and mirror one fifth and the eight shifted reads four fifths
    const l = (p: number): number => logit(p);
    const expected = sigmoid(
      0.1 * l(fromView.raw.pMale) + 0.1 * l(fromView.raw.pMaleMirrored) + 0.8 * l(fromView.raw.pMaleShifted as number),
    );
    expect(fromView.pMale).toBeCloseTo(expected, 6);
    expect(fromView.pMale).not.toBeCloseTo(fromCrop.pMale, 4);
    expect(fromView.gender.label).toBe('female'); // Rose Leslie
  });

  it('reads several faces in one batch as it reads each alone', async () => {
    const other = centreCrop(view);
    const both = await ageGender.estimate([view, other]);
    const [alone] = await ageGender.estimate([view]);
    expect(both[0].pMale).toBeCloseTo(alone.pMale, 5);
    expect(both[1].raw.pMaleShifted).toBeNull();
  });

  it('gives the emotion of the centre crop for a view', async () => {
    const [a] = await emotion.classify([view]);
    const [b] = await emotion.classify([centreCrop(view)]);
    expect(a.scores).toEqual(b.scores);
  });
});
