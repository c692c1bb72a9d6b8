import { mirrorCrop } from '../models/attribute-models';
import { decodeGender, expectedAge, fuseMirrored, logit, maleThresholdFor, sigmoid } from './attributes';

describe('gender decision rule', () => {
  it('keeps logits finite for a saturated softmax and inverts sigmoid', () => {
    expect(logit(0.5)).toBe(0);
    expect(Number.isFinite(logit(1))).toBe(true);
    expect(Number.isFinite(logit(0))).toBe(true);
    expect(sigmoid(logit(0.8))).toBeCloseTo(0.8, 12);
  });

  it('fuses the crop and its mirror image as the mean of their logits', () => {
    expect(fuseMirrored(0.8, 0.8)).toBeCloseTo(0.8, 12);
    expect(fuseMirrored(0.9, 0.1)).toBeCloseTo(0.5, 12);
    expect(fuseMirrored(0.7, 0.95)).toBeCloseTo(fuseMirrored(0.95, 0.7), 12);
    expect(fuseMirrored(0.7, 0.95)).toBeCloseTo(sigmoid((logit(0.7) + logit(0.95)) / 2), 12);
  });

  it('calls male at or above the threshold, with a confidence that is 0.5 at the threshold', () => {
    expect(decodeGender(0.78, 0.78)).toEqual({ label: 'male', confidence: 0.5 });
    expect(decodeGender(0.7, 0.78).label).toBe('female');
    expect(decodeGender(0.7, 0.78).confidence).toBeGreaterThan(0.5);
    expect(decodeGender(0.99, 0.78).confidence).toBeGreaterThan(0.9);
    expect(decodeGender(0.01, 0.78).confidence).toBeGreaterThan(0.99);
    // at 0.5 the confidence is the model's own probability
    expect(decodeGender(0.3, 0.5)).toEqual({ label: 'female', confidence: expect.closeTo(0.7, 12) });
  });

  it('uses the young threshold for faces estimated under the young age', () => {
    const rule = { maleThreshold: 0.78, youngMaleThreshold: 0.51, youngBelowAge: 20 };
    expect(maleThresholdFor(rule, 19.9)).toBe(0.51);
    expect(maleThresholdFor(rule, 20)).toBe(0.78);
  });
});

describe('attribute helpers', () => {
  it('takes the expected value of an age softmax', () => {
    expect(expectedAge([0, 0, 1])).toBe(2);
    expect(expectedAge([0.5, 0, 0.5])).toBe(1);
    expect(expectedAge([0, 0])).toBe(0);
  });

  it('mirrors a crop left to right, keeping the channel order', () => {
    // 2 x 2 RGB: row 0 = red, green; row 1 = blue, white
    const img = { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };
    expect(Array.from(mirrorCrop(img).data)).toEqual([0, 255, 0, 255, 0, 0, 255, 255, 255, 0, 0, 255]);
    expect(mirrorCrop(mirrorCrop(img)).data).toEqual(img.data);
  });
});
