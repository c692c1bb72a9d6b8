import { cosine } from '@storelens/decision';
import {
  accuracyAt,
  ageGroupOf,
  ageInRange,
  ageStats,
  bestThreshold,
  emotionStats,
  genderStats,
  leaveOneOutRank1,
  nextUp,
  openSetIdentification,
  ratesAt,
  rocAuc,
  selectHeldOut,
  tarAtFar,
  ADULT_AGE_GROUPS,
  AGE_GROUPS,
  type IdentifiedFace,
} from './metrics';

const T = true;
const F = false;

describe('nextUp / cosine', () => {
  it('nextUp is the next double up', () => {
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextUp(0)).toBe(Number.MIN_VALUE);
    expect(nextUp(-1)).toBeGreaterThan(-1);
    expect(nextUp(-1)).toBe(-1 + Number.EPSILON / 2);
    expect(nextUp(-Infinity)).toBe(-Number.MAX_VALUE);
    expect(nextUp(0.8) > 0.8).toBe(true);
  });

  it('cosine', () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [-3, 0])).toBe(-1);
    expect(cosine(new Float32Array([3, 4]), [4, 3])).toBeCloseTo(24 / 25, 6);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow(/lengths differ/);
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfectly separated set and 0 for a reversed one', () => {
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [T, T, F, F])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [F, F, T, T])).toBe(0);
  });

  it('is 0.5 when every score ties', () => {
    expect(rocAuc([0.5, 0.5, 0.5, 0.5, 0.5], [T, F, T, F, F])).toBe(0.5);
  });

  it('counts ordered pairs, ties as one half', () => {
    // genuine {0.8, 0.4} vs impostor {0.6, 0.2}: 3 of 4 pairs ordered right
    expect(rocAuc([0.8, 0.6, 0.4, 0.2], [T, F, T, F])).toBe(0.75);
    // genuine {0.5, 0.7} vs impostor {0.5, 0.3}: 0.5 + 1 + 1 + 1 = 3.5 of 4
    expect(rocAuc([0.5, 0.5, 0.7, 0.3], [T, F, T, F])).toBe(0.875);
  });

  it('ranks no-face pairs (-Infinity) below everything, tied with each other', () => {
    // genuine {-inf, 0.9} vs impostor {-inf, 0.1}: 0.5 + 0 + 1 + 1 = 2.5 of 4
    expect(rocAuc([-Infinity, 0.9, -Infinity, 0.1], [T, T, F, F])).toBe(0.625);
  });

  it('is null with one class only, and rejects bad input', () => {
    expect(rocAuc([0.1, 0.2], [T, T])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
    expect(() => rocAuc([0.1], [T, F])).toThrow(/1 scores but 2 labels/);
    expect(() => rocAuc([NaN, 0.2], [T, F])).toThrow(/invalid score/);
  });
});

describe('accuracyAt / ratesAt / bestThreshold', () => {
  const scores = [0.9, 0.6, 0.5, 0.2];
  const labels = [T, F, T, F];

  it('accepts score >= threshold', () => {
    // predicted same: 0.9, 0.6, 0.5 → right, wrong, right; 0.2 rejected → right
    expect(accuracyAt(scores, labels, 0.5)).toBe(0.75);
    expect(accuracyAt(scores, labels, 0.55)).toBe(0.5);
    expect(accuracyAt([], [], 0.5)).toBeNull();
    expect(ratesAt(scores, labels, 0.5)).toEqual({ tar: 1, far: 0.5 });
    expect(ratesAt([0.9], [T], 0.5)).toEqual({ tar: 1, far: null });
  });

  it('scans midpoints and keeps the lowest best threshold', () => {
    // thresholds: 0.2 → 2/4, 0.35 → 3/4, 0.55 → 2/4, 0.75 → 3/4, >0.9 → 2/4
    const best = bestThreshold(scores, labels);
    expect(best).toEqual({ threshold: 0.35, accuracy: 0.75 });
    expect(accuracyAt(scores, labels, best!.threshold!)).toBe(best!.accuracy);
  });

  it('separates a separable set perfectly', () => {
    const best = bestThreshold([0.1, 0.3, 0.7, 0.8], [F, F, T, T]);
    expect(best).toEqual({ threshold: 0.5, accuracy: 1 });
  });

  it('can reject or accept everything', () => {
    const reject = bestThreshold([0.4, 0.6], [F, F])!;
    expect(reject.accuracy).toBe(1);
    expect(reject.threshold).toBe(nextUp(0.6));
    expect(accuracyAt([0.4, 0.6], [F, F], reject.threshold!)).toBe(1);
    expect(bestThreshold([0.4, 0.6], [T, T])).toEqual({ threshold: 0.4, accuracy: 1 });
  });

  it('treats ties as one group', () => {
    // 0.5 holds a genuine and an impostor: it can only be accepted or rejected together
    expect(bestThreshold([0.5, 0.5, 0.9, 0.1], [T, F, T, F])).toEqual({ threshold: 0.3, accuracy: 0.75 });
  });

  it('always scores no-face pairs as "different"', () => {
    const s = [-Infinity, 0.8, 0.3, -Infinity];
    const l = [T, T, F, F];
    expect(bestThreshold(s, l)).toEqual({ threshold: 0.55, accuracy: 0.75 });
    // even a threshold below every finite score never accepts them: 0.8 ✓, 0.3 ✗, -inf genuine ✗, -inf impostor ✓
    expect(accuracyAt(s, l, -Number.MAX_VALUE)).toBe(0.5);
    expect(bestThreshold([-Infinity, -Infinity, -Infinity], [T, F, F])).toEqual({ threshold: null, accuracy: 2 / 3 });
    expect(bestThreshold([], [])).toBeNull();
  });
});

describe('tarAtFar', () => {
  const impostor = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.55, 0.6, 0.7];
  const genuine = [0.45, 0.58, 0.65, 0.7, 0.8, 0.9];
  const scores = [...impostor, ...genuine];
  const labels = [...impostor.map(() => F), ...genuine.map(() => T)];

  it('allows floor(far × impostors) false accepts', () => {
    // FAR 0.1 of 10 impostors → 1 may pass: threshold just above the 2nd highest impostor (0.6)
    const r = tarAtFar(scores, labels, 0.1)!;
    expect(r.allowedFalseAccepts).toBe(1);
    expect(r.threshold).toBe(nextUp(0.6));
    expect(r.tar).toBeCloseTo(4 / 6, 12); // 0.65, 0.7, 0.8, 0.9
    expect(r.far).toBe(0.1);
    expect(r.resolved).toBe(true);
    expect(ratesAt(scores, labels, r.threshold)).toEqual({ tar: r.tar, far: r.far });

    const r2 = tarAtFar(scores, labels, 0.2)!; // 2 may pass → above 0.55
    expect(r2.tar).toBeCloseTo(5 / 6, 12);
    expect(r2.far).toBe(0.2);
  });

  it('rejects a genuine pair tied with the highest rejected impostor', () => {
    // FAR 0 → above the top impostor 0.7; the genuine 0.7 is rejected
    const r = tarAtFar(scores, labels, 0)!;
    expect(r.tar).toBeCloseTo(2 / 6, 12);
    expect(r.far).toBe(0);
    // 1e-2 of 10 impostors allows none: the same point, flagged as not resolved
    const r3 = tarAtFar(scores, labels, 1e-2)!;
    expect(r3.tar).toBe(r.tar);
    expect(r3.resolved).toBe(false);
  });

  it('rejects tied impostors together, so the FAR reached may be under the target', () => {
    const s = [0.9, 0.5, 0.5, 0.1, 0.5, 0.6];
    const l = [F, F, F, F, T, T];
    expect(tarAtFar(s, l, 0.25)).toMatchObject({ tar: 0.5, far: 0.25 });
    // 2 of 4 may pass, but the 2nd and 3rd tie at 0.5: only 0.9 passes
    expect(tarAtFar(s, l, 0.5)).toMatchObject({ tar: 0.5, far: 0.25, allowedFalseAccepts: 2 });
  });

  it('accepts everything with a face at FAR 1, never a no-face pair', () => {
    const r = tarAtFar([0.2, 0.3, -Infinity, 0.1], [F, T, T, T], 1)!;
    expect(r.tar).toBeCloseTo(2 / 3, 12);
    expect(r.far).toBe(1);
  });

  it('does not lose a false accept to floating point (0.29 × 100)', () => {
    const imp = Array.from({ length: 100 }, (_, i) => i / 100);
    const r = tarAtFar([...imp, 0.5], [...imp.map(() => F), T], 0.29)!;
    expect(r.allowedFalseAccepts).toBe(29);
  });

  it('is null without both classes', () => {
    expect(tarAtFar([0.1, 0.2], [T, T], 0.01)).toBeNull();
    expect(tarAtFar([0.1, 0.2], [F, F], 0.01)).toBeNull();
    expect(() => tarAtFar([0.1], [T], 2)).toThrow(/far/);
  });
});

describe('leaveOneOutRank1', () => {
  it('scores a clean set perfectly and skips singletons', () => {
    const faces: IdentifiedFace[] = [
      { identity: 'A', embedding: [1, 0] },
      { identity: 'A', embedding: [0.9, 0.1] },
      { identity: 'B', embedding: [0, 1] },
      { identity: 'B', embedding: [0.1, 0.9] },
      { identity: 'C', embedding: [0.7, 0.7] },
    ];
    expect(leaveOneOutRank1(faces)).toEqual({
      method: 'nearest-neighbour',
      probes: 4,
      correct: 4,
      accuracy: 1,
      noFace: 0,
      skippedSingletons: 1,
    });
  });

  // Nearest neighbours are all of the other identity, but each own-identity mean (without the probe) can win.
  //   a1 = [1,0], a2 = [.6,.8], b1 = [.8,.6], b2 = [0,1]
  //   nearest: a1→b1 (.8), a2→b1 (.96), b1→a2 (.96), b2→a2 (.8): 0 of 4
  //   centroid: a1: own a2 .6 vs mean(B) .447 ✓; a2: .6 vs .984 ✗; b1: .6 vs .984 ✗; b2: own b1 .6 vs .447 ✓
  const crossed: IdentifiedFace[] = [
    { identity: 'A', embedding: [1, 0] },
    { identity: 'A', embedding: [0.6, 0.8] },
    { identity: 'B', embedding: [0.8, 0.6] },
    { identity: 'B', embedding: [0, 1] },
  ];

  it('nearest neighbour vs identity mean', () => {
    expect(leaveOneOutRank1(crossed, 'nearest-neighbour').accuracy).toBe(0);
    expect(leaveOneOutRank1(crossed, 'centroid')).toMatchObject({
      method: 'centroid',
      probes: 4,
      correct: 2,
      accuracy: 0.5,
    });
  });

  it('counts a no-face probe as wrong when it could have been matched', () => {
    const faces: IdentifiedFace[] = [
      { identity: 'A', embedding: [1, 0] },
      { identity: 'A', embedding: [0.9, 0.1] },
      { identity: 'A', embedding: null }, // scored, wrong
      { identity: 'C', embedding: null }, // C has no face at all: skipped
      { identity: 'D', embedding: [0, 1] }, // singleton: skipped
      { identity: 'D', embedding: null }, // D has another face: scored, wrong
    ];
    expect(leaveOneOutRank1(faces)).toEqual({
      method: 'nearest-neighbour',
      probes: 4,
      correct: 2,
      accuracy: 0.5,
      noFace: 2,
      skippedSingletons: 2,
    });
  });

  it('breaks ties towards the earliest face', () => {
    const x1 = { identity: 'X', embedding: [1, 0] };
    const x2 = { identity: 'X', embedding: [0, 1] };
    const y1 = { identity: 'Y', embedding: [0, -1] };
    const y2 = { identity: 'Y', embedding: [0, -2] };
    // x1 is equally far (cosine 0) from x2, y1 and y2; every other probe has a clear nearest of its own identity
    expect(leaveOneOutRank1([x1, x2, y1, y2]).correct).toBe(4); // x1 → x2 (earliest) ✓
    expect(leaveOneOutRank1([x1, y1, x2, y2]).correct).toBe(3); // x1 → y1 (earliest) ✗
  });

  it('is null without probes', () => {
    expect(leaveOneOutRank1([]).accuracy).toBeNull();
    expect(leaveOneOutRank1([{ identity: 'A', embedding: [1] }]).accuracy).toBeNull();
  });
});

describe('selectHeldOut', () => {
  it('takes every k-th name in sorted order for a fraction 1/k', () => {
    expect(selectHeldOut(['e', 'a', 'c', 'b', 'd', 'f', 'g', 'h'], 0.25)).toEqual(['d', 'h']);
    expect(selectHeldOut(['a', 'b', 'c', 'd', 'e', 'f'], 0.5)).toEqual(['b', 'd', 'f']);
    expect(selectHeldOut(['a', 'b', 'c', 'd', 'e', 'f'], 1 / 3)).toEqual(['c', 'f']);
  });

  it('spreads floor(N × f) names evenly for other fractions', () => {
    const names = 'abcdefghij'.split('');
    expect(selectHeldOut(names, 0.3)).toEqual(['d', 'g', 'j']);
    expect(selectHeldOut(names, 0)).toEqual([]);
    expect(selectHeldOut(['a', 'b', 'c'], 0.25)).toEqual([]);
  });

  it('sorts by code unit, not locale', () => {
    expect(selectHeldOut(['b', 'B', 'a', 'A'], 0.5)).toEqual(['B', 'b']); // A B a b
  });

  it('rejects fractions outside [0, 1)', () => {
    expect(() => selectHeldOut(['a'], 1)).toThrow(/heldOutFraction/);
    expect(() => selectHeldOut(['a'], -0.1)).toThrow(/heldOutFraction/);
  });
});

describe('openSetIdentification', () => {
  // a1·a2 ≈ .98, b1·b2 ≈ .98; held-out c1 is .904 from b2, c2 faces away from everyone
  const faces: IdentifiedFace[] = [
    { identity: 'A', embedding: [1, 0] },
    { identity: 'A', embedding: [0.98, 0.2] },
    { identity: 'B', embedding: [0, 1] },
    { identity: 'B', embedding: [0.2, 0.98] },
    { identity: 'C', embedding: [0.6, 0.8] },
    { identity: 'C', embedding: [-1, 0] },
  ];

  it('names known faces and catches strangers at the threshold', () => {
    const r = openSetIdentification(faces, { rule: { threshold: 0.9, margin: 0 }, heldOut: ['C'] });
    expect(r.heldOutIdentities).toEqual(['C']);
    expect(r.knownIdentities).toBe(2);
    expect(r.known).toEqual({
      probes: 4,
      correct: 4,
      misidentified: 0,
      rejected: 0,
      noFace: 0,
      skippedSingletons: 0,
      correctIdentificationRate: 1,
      misidentificationRate: 0,
      falseRejectRate: 0,
    });
    expect(r.unknown).toEqual({
      probes: 2,
      falseAccepts: 1,
      correctRejects: 1,
      noFace: 0,
      falseAcceptRate: 0.5,
      correctRejectRate: 0.5,
    });
  });

  it('calls everyone unknown above every similarity', () => {
    const r = openSetIdentification(faces, { rule: { threshold: 0.99, margin: 0 }, heldOut: ['C'] });
    expect(r.known).toMatchObject({ correct: 0, rejected: 4, falseRejectRate: 1 });
    expect(r.unknown).toMatchObject({ falseAccepts: 0, falseAcceptRate: 0, correctRejectRate: 1 });
  });

  it('counts a wrong name, a no-face probe and a singleton', () => {
    const r = openSetIdentification(
      [
        { identity: 'A', embedding: [1, 0] }, // nearest: B's [.1, .995] at .1 ≥ .05 → wrong name
        { identity: 'A', embedding: [0, 1] }, // nearest: B at .995 → wrong name
        { identity: 'A', embedding: null }, // no face → called unknown
        { identity: 'B', embedding: [0.1, 0.995] }, // singleton in the gallery: skipped as a probe
        { identity: 'U', embedding: null }, // held out, no face → correctly unknown
      ],
      { rule: { threshold: 0.05, margin: 0 }, heldOut: ['U'] },
    );
    expect(r.known).toMatchObject({
      probes: 3,
      correct: 0,
      misidentified: 2,
      rejected: 1,
      noFace: 1,
      skippedSingletons: 1,
    });
    expect(r.unknown).toMatchObject({ probes: 1, falseAccepts: 0, correctRejects: 1, noFace: 1 });
  });

  it('decides by the platform rule: a face almost as close to a second identity is unknown', () => {
    const ambiguous: IdentifiedFace[] = [
      { identity: 'A', embedding: [1, 0] },
      { identity: 'A', embedding: [0.96, 0.28] },
      { identity: 'B', embedding: [0.8, 0.6] },
      { identity: 'B', embedding: [0.6, 0.8] },
    ];
    // a2's best is a1 at .96, the best B face (.96·.8 + .28·.6 = .936) is .024 behind: named at margin 0, unknown at .05
    const loose = openSetIdentification(ambiguous, { rule: { threshold: 0.5, margin: 0 }, heldOut: [] });
    const platform = openSetIdentification(ambiguous, { rule: { threshold: 0.5, margin: 0.05 }, heldOut: [] });
    expect(loose.known.correct - platform.known.correct).toBeGreaterThanOrEqual(1);
    expect(platform.margin).toBe(0.05);
    expect(platform.known.rejected).toBeGreaterThan(loose.known.rejected);
  });

  it('gives null rates without probes', () => {
    const r = openSetIdentification(faces, { rule: { threshold: 0.5, margin: 0 }, heldOut: [] });
    expect(r.unknown.falseAcceptRate).toBeNull();
    // C enrolled: c1's nearest is b2 (.904) → wrong name; c2's best is b1 at 0 → unknown
    expect(r.known).toMatchObject({ probes: 6, correct: 4, misidentified: 1, rejected: 1 });
  });
});

describe('ageGroupOf', () => {
  it('bands whole years', () => {
    expect([0, 2, 2.9, 3, 9.99, 10, 19, 20, 29, 30, 45, 59, 60, 69, 70, 105].map((a) => ageGroupOf(a))).toEqual([
      '0-2',
      '0-2',
      '0-2',
      '3-9',
      '3-9',
      '10-19',
      '10-19',
      '20-29',
      '20-29',
      '30-39',
      '40-49',
      '50-59',
      '60-69',
      '60-69',
      '70+',
      '70+',
    ]);
    expect(ageGroupOf(-1)).toBeNull();
    expect(ageGroupOf(NaN)).toBeNull();
  });

  it('uses the midpoint of a range, or its start when open-ended', () => {
    expect(ageGroupOf([25, 32])).toBe('20-29'); // 28.5
    expect(ageGroupOf([38, 43])).toBe('40-49'); // 40.5
    expect(ageGroupOf([0, 2])).toBe('0-2');
    expect(ageGroupOf([8, 12])).toBe('10-19'); // 10
    expect(ageGroupOf([60, 100])).toBe('70+'); // 80
    expect(ageGroupOf([70, Infinity])).toBe('70+');
  });
});

describe('genderStats', () => {
  it('tallies overall, per sex and per age group', () => {
    const g = genderStats([
      { truth: 'male', predicted: 'male', ageGroup: '20-29' },
      { truth: 'male', predicted: 'female', ageGroup: '20-29' },
      { truth: 'female', predicted: 'female', ageGroup: '30-39' },
      { truth: 'female', predicted: 'female', ageGroup: null },
      { truth: 'female', predicted: 'male', ageGroup: '0-2' },
    ]);
    expect(g).toMatchObject({ n: 5, correct: 3, accuracy: 0.6, predicted: { male: 2, female: 3 } });
    expect(g.bySex.male).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(g.bySex.female).toEqual({ n: 3, correct: 2, accuracy: 2 / 3 });
    expect(g.byAgeGroup['20-29']).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(g.byAgeGroup['30-39']).toEqual({ n: 1, correct: 1, accuracy: 1 });
    expect(g.byAgeGroup['0-2']).toEqual({ n: 1, correct: 0, accuracy: 0 });
    expect(g.byAgeGroup['70+']).toEqual({ n: 0, correct: 0, accuracy: null });
    expect(Object.keys(g.byAgeGroup)).toEqual([...AGE_GROUPS]);
  });

  it('reads adults (20+) per sex, their balanced accuracy and the male − female gap', () => {
    const g = genderStats([
      { truth: 'male', predicted: 'male', ageGroup: '20-29' },
      { truth: 'male', predicted: 'male', ageGroup: '70+' },
      { truth: 'female', predicted: 'male', ageGroup: '30-39' },
      { truth: 'female', predicted: 'female', ageGroup: '60-69' },
      { truth: 'female', predicted: 'male', ageGroup: '10-19' }, // a child: not in the adult figures
      { truth: 'male', predicted: 'female', ageGroup: null }, // no age: not in the adult figures
    ]);
    expect(g.adults.bySex.male).toEqual({ n: 2, correct: 2, accuracy: 1 });
    expect(g.adults.bySex.female).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(g.adults.balancedAccuracy).toBe(0.75);
    expect(g.adults.gap).toBe(0.5);
    expect(g.byAgeGroupAndSex['10-19'].female).toEqual({ n: 1, correct: 0, accuracy: 0 });
    expect(g.byAgeGroupAndSex['10-19'].male).toEqual({ n: 0, correct: 0, accuracy: null });
    expect(ADULT_AGE_GROUPS).toEqual(AGE_GROUPS.slice(3));
  });

  it('is null when empty', () => {
    expect(genderStats([]).accuracy).toBeNull();
    expect(genderStats([]).adults).toMatchObject({ balancedAccuracy: null, gap: null });
  });
});

describe('ageStats', () => {
  it('computes MAE on exact ages and hit rate on ranges', () => {
    const a = ageStats([
      { predicted: 30, age: 25 }, // +5
      { predicted: 20, age: 28 }, // -8
      { predicted: 40, range: [38, 43] }, // hit
      { predicted: 43.5, range: [38, 43] }, // hit: 43 whole years
      { predicted: 44, range: [38, 43] }, // miss
      { predicted: 37.9, range: [38, 43] }, // miss
      { predicted: 33, age: 30, range: [25, 32] }, // +3, miss
    ]);
    expect(a.exact).toBe(3);
    expect(a.mae).toBeCloseTo(16 / 3, 12);
    expect(a.bias).toBe(0);
    expect(a.ranged).toBe(5);
    expect(a.rangeHits).toBe(2);
    expect(a.rangeHitRate).toBe(0.4);
    expect(a.maeByAgeGroup['20-29']).toEqual({ n: 2, mae: 6.5 });
    expect(a.maeByAgeGroup['30-39']).toEqual({ n: 1, mae: 3 });
    expect(a.maeByAgeGroup['70+']).toEqual({ n: 0, mae: null });
    expect(a.rangeHitsByAgeGroup['40-49']).toEqual({ n: 4, correct: 2, accuracy: 0.5 }); // [38, 43] reads as 40.5
    expect(a.rangeHitsByAgeGroup['20-29']).toEqual({ n: 1, correct: 0, accuracy: 0 });
  });

  it('handles open-ended ranges and empty input', () => {
    expect(ageInRange(95, [70, Infinity])).toBe(true);
    expect(ageInRange(69.9, [70, Infinity])).toBe(false);
    expect(ageStats([])).toMatchObject({ exact: 0, mae: null, bias: null, ranged: 0, rangeHitRate: null });
    expect(() => ageStats([{ predicted: NaN, age: 3 }])).toThrow(/predicted age/);
  });
});

describe('emotionStats', () => {
  it('builds a true × predicted confusion matrix', () => {
    const e = emotionStats([
      { truth: 'happy', predicted: 'happy' },
      { truth: 'happy', predicted: 'Surprised' },
      { truth: 'sad', predicted: 'sad' },
      { truth: 'angry', predicted: 'contempt' },
      { truth: 'neutral', predicted: 'Neutral' },
    ]);
    expect(e).toMatchObject({ n: 5, correct: 3, accuracy: 0.6 });
    expect(e.confusion.happy).toEqual({
      angry: 0,
      disgust: 0,
      fear: 0,
      happy: 1,
      sad: 0,
      surprise: 1,
      neutral: 0,
      contempt: 0,
    });
    expect(e.confusion.angry.contempt).toBe(1);
    expect(e.confusion.neutral.neutral).toBe(1);
    expect(Object.values(e.confusion.fear).every((v) => v === 0)).toBe(true);
    expect(Object.keys(e.confusion)).toEqual(['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']);
    const total = Object.values(e.confusion).reduce((s, row) => s + Object.values(row).reduce((x, y) => x + y, 0), 0);
    expect(total).toBe(5);
    expect(e.byEmotion.happy).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(e.byEmotion.fear.accuracy).toBeNull();
  });

  it('is null when empty but keeps the 7 × 7 matrix', () => {
    const e = emotionStats([]);
    expect(e.accuracy).toBeNull();
    expect(Object.keys(e.confusion.sad)).toHaveLength(7);
  });
});
