import type { Detection } from '@storelens/vision';
import { DETAIL_PASS_RULE, needsDetailPass } from './face-detector';

const face = (score: number, side: number): Detection => ({
  box: { x: 10, y: 10, width: side, height: side },
  score,
  landmarks: [],
});

describe('needsDetailPass (the second, 1280-px search of a large image)', () => {
  it('is skipped when the first pass found clear faces of a good size and nothing doubtful', () => {
    expect(needsDetailPass([face(0.95, 120), face(0.92, 80)], 0.9)).toBe(false);
    expect(needsDetailPass([face(0.95, 120), face(0.3, 30)], 0.9)).toBe(false); // below the hint score: noise
  });

  it('runs when the first pass found no face at the threshold', () => {
    expect(needsDetailPass([], 0.9)).toBe(true);
    expect(needsDetailPass([face(0.7, 120)], 0.9)).toBe(true);
  });

  it('runs when a found face is small at the first scale: smaller ones may be there too', () => {
    expect(needsDetailPass([face(0.95, 120), face(0.93, DETAIL_PASS_RULE.smallSide - 1)], 0.9)).toBe(true);
  });

  it('runs when a candidate scored between the hint score and the threshold', () => {
    expect(needsDetailPass([face(0.95, 120), face(DETAIL_PASS_RULE.hintScore, 60)], 0.9)).toBe(true);
  });
});
