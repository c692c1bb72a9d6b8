import type { AgeRange, Gender } from './dataset';
import {
  AGE_CANDIDATES,
  GENDER_RULES,
  STUDY_AGES,
  STUDY_SCORES,
  ageBreakdown,
  applyAgeCalibration,
  crossValidateGenderRule,
  fitBoundaryCalibration,
  fitFairThreshold,
  fitGenderRule,
  fitLinearAgeCalibration,
  judgeAgeCalibration,
  mcnemarExact,
  rangeTarget,
  runFairnessStudy,
  seededRandom,
  stratifiedFolds,
  studySpecs,
  type DemographicSample,
  type GenderRuleSpec,
} from './fairness';
import { renderFairnessReport, type FairnessRunInfo } from './fairness-report';
import { NESTED_ROW, runGeneralisationStudy } from './generalisation';
import { AGE_GROUPS, ageGroupOf, emptyTally, type AgeGroup } from './metrics';

const RANGES: Record<AgeGroup, AgeRange> = {
  '0-2': [0, 2],
  '3-9': [3, 9],
  '10-19': [10, 19],
  '20-29': [20, 29],
  '30-39': [30, 39],
  '40-49': [40, 49],
  '50-59': [50, 59],
  '60-69': [60, 69],
  '70+': [70, 99],
};

function sample(
  id: string,
  sex: Gender,
  group: AgeGroup,
  logits: Record<string, number>,
  ages: Record<string, number> = {},
): DemographicSample {
  return { id, sex, ageGroup: group, ageRange: RANGES[group], maleLogits: logits, ages };
}

describe('seededRandom and stratifiedFolds', () => {
  it('repeats the same sequence for the same seed, and differs between seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(8)()).not.toBe(xs[0]);
  });

  it('deals every stratum evenly over the folds, the same way every time', () => {
    const strata = [...Array(23).fill('m|20-29'), ...Array(17).fill('f|20-29'), ...Array(10).fill('f|0-2')];
    const folds = stratifiedFolds(strata, 5, 1);
    expect(stratifiedFolds(strata, 5, 1)).toEqual(folds);
    expect(stratifiedFolds(strata, 5, 2)).not.toEqual(folds);
    for (const s of new Set(strata)) {
      const counts = [0, 0, 0, 0, 0];
      strata.forEach((x, i) => x === s && counts[folds[i]]++);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    const sizes = [0, 0, 0, 0, 0];
    for (const f of folds) sizes[f]++;
    expect(sizes).toEqual([10, 10, 10, 10, 10]);
  });

  it('refuses fewer than two folds', () => {
    expect(() => stratifiedFolds(['a'], 1, 1)).toThrow(/folds/);
  });
});

describe('fitFairThreshold', () => {
  const m = (score: number) => ({ score, male: true });
  const f = (score: number) => ({ score, male: false });

  it('picks the middle of the best thresholds when the classes separate', () => {
    const fit = fitFairThreshold([f(0), f(1), m(3), m(4)], 0);
    // candidates -1, 0.5, 2, 3.5, 5: only 2 reads both sexes perfectly
    expect(fit).toMatchObject({ threshold: 2, male: 1, female: 1, balanced: 1, gap: 0, withinGap: true });
  });

  it('gives up raw accuracy to read both sexes equally well', () => {
    // A model biased towards "male": women's scores sit high. At 0 (the "0.5" point) men 4/4, women 1/4.
    const scored = [m(1), m(2), m(3), m(4), f(-1), f(0.5), f(1.5), f(2.5)];
    const fit = fitFairThreshold(scored, 0);
    expect(fit.gap).toBe(0);
    expect(fit.male).toBe(0.75);
    expect(fit.female).toBe(0.75);
    // between 1.5 and 2: men 2, 3, 4 called male, women -1, 0.5, 1.5 called female
    expect(fit.threshold).toBe(1.75);
  });

  it('allows a gap up to maxGap when that buys balanced accuracy', () => {
    const scored = [m(1), m(2), m(3), m(4), f(-1), f(0.5), f(1.5), f(2.5)];
    const strict = fitFairThreshold(scored, 0);
    const loose = fitFairThreshold(scored, 0.3);
    expect(loose.balanced).toBeGreaterThanOrEqual(strict.balanced);
    expect(Math.abs(loose.gap)).toBeLessThanOrEqual(0.3);
  });

  it('falls back to the smallest gap when none is within maxGap', () => {
    const fit = fitFairThreshold([m(1), m(2), m(3), f(1.5)], 0);
    expect(fit.withinGap).toBe(false);
    expect(Math.abs(fit.gap)).toBeCloseTo(1 / 3, 12); // men 2/3 and the woman right
  });

  it('needs both sexes and finite scores', () => {
    expect(() => fitFairThreshold([m(1), m(2)], 0.1)).toThrow(/both sexes/);
    expect(() => fitFairThreshold([m(NaN), f(1)], 0.1)).toThrow(/invalid score/);
  });
});

describe('gender rules', () => {
  // Adults: a biased model (women score high); children: nothing to learn, and an age estimate.
  const samples: DemographicSample[] = [];
  const adultGroups: AgeGroup[] = ['20-29', '30-39', '40-49', '50-59', '60-69', '70+'];
  let n = 0;
  for (const g of adultGroups) {
    for (const s of [1.5, 2.5, 3.5]) samples.push(sample(`m${n++}`, 'male', g, { a: s, b: s + 0.2 }, { est: 40 }));
    for (const s of [-1, 0.8, 1.2]) samples.push(sample(`f${n++}`, 'female', g, { a: s, b: s - 0.2 }, { est: 40 }));
  }
  for (const g of ['0-2', '3-9'] as AgeGroup[]) {
    for (const s of [-0.4, 0.1, 0.4]) samples.push(sample(`b${n++}`, 'male', g, { a: s, b: s }, { est: 5 }));
    for (const s of [-0.6, -0.3, 0.2]) samples.push(sample(`g${n++}`, 'female', g, { a: s, b: s }, { est: 5 }));
  }

  it('fits the threshold on adults only, and a young threshold on faces estimated young', () => {
    const spec: GenderRuleSpec = { name: 'r', description: '', scorers: [{ a: 1 }], young: { age: 'est', below: 20 } };
    const rule = fitGenderRule(spec, samples, 0);
    expect(rule.fit).toMatchObject({ male: 1, female: 1 }); // 1.2 < t <= 1.5
    expect(rule.threshold).toBe(1.35);
    expect(rule.pMaleThreshold).toBeCloseTo(1 / (1 + Math.exp(-1.35)), 12);
    expect(rule.young).toMatchObject({ below: 20, age: 'est' });
    expect(rule.young!.fit!.gap).toBe(0);
    expect(rule.young!.threshold).toBeLessThan(0.5);
  });

  it('picks the best scorer of a family, and reports no p(male) for weights not summing to one', () => {
    const spec: GenderRuleSpec = { name: 'r', description: '', scorers: [{ a: 1 }, { a: 0.5, b: 0.5 }, { a: 2 }] };
    const rule = fitGenderRule(spec, samples, 0);
    expect(rule.weights).toEqual({ a: 1 }); // all three separate adults; the first wins ties
    const only2 = fitGenderRule({ ...spec, scorers: [{ a: 2 }] }, samples, 0);
    expect(only2.pMaleThreshold).toBeNull();
  });

  it('keeps a fixed threshold as given', () => {
    const rule = fitGenderRule({ name: 'r', description: '', scorers: [{ a: 1 }], fixedThreshold: 0 }, samples, 0);
    expect(rule).toMatchObject({ threshold: 0, pMaleThreshold: 0.5, fit: null, young: null });
    expect(() =>
      fitGenderRule({ name: 'r', description: '', scorers: [{ a: 1 }, { b: 1 }], fixedThreshold: 0 }, samples, 0),
    ).toThrow();
  });

  it('predicts each fold with a rule fitted without it', () => {
    const folds = samples.map((_, i) => i % 3);
    // A face the other folds cannot explain: an adult man scoring like a woman. Out of fold he is read as a woman.
    const odd = [...samples, sample('odd', 'male', '30-39', { a: -5, b: -5 }, { est: 40 })];
    const oddFolds = [...folds, 0];
    const { predictedMale, fits } = crossValidateGenderRule(
      { name: 'r', description: '', scorers: [{ a: 1 }] },
      odd,
      oddFolds,
      { folds: 3, seed: 1, maxGap: 0 },
    );
    expect(fits).toHaveLength(3);
    expect(predictedMale[odd.length - 1]).toBe(false);
    const spec: GenderRuleSpec = { name: 'r', description: '', scorers: [{ a: 1 }] };
    expect(fits[0].threshold).toBe(
      fitGenderRule(
        spec,
        odd.filter((_, i) => oddFolds[i] !== 0),
        0,
      ).threshold,
    );
  });
});

describe('mcnemarExact', () => {
  it('matches hand-computed binomial tails', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 5)).toBeCloseTo(2 / 32, 12); // 2 · 0.5^5
    expect(mcnemarExact(1, 9)).toBeCloseTo((2 * 11) / 1024, 12); // 2 · (1 + 10) / 2^10
    expect(mcnemarExact(9, 1)).toBeCloseTo(mcnemarExact(1, 9), 12);
    expect(mcnemarExact(400, 600)).toBeGreaterThan(0); // no overflow with many pairs
  });
});

describe('age calibration', () => {
  it('maps group boundaries monotonically onto the true group starts', () => {
    const cal = { kind: 'boundaries' as const, cuts: [4, 12, 22, 31, 40, 50, 58, 64] };
    expect(ageGroupOf(applyAgeCalibration(cal, 3.9))).toBe('0-2');
    expect(ageGroupOf(applyAgeCalibration(cal, 4))).toBe('3-9');
    expect(ageGroupOf(applyAgeCalibration(cal, 21))).toBe('10-19');
    expect(ageGroupOf(applyAgeCalibration(cal, 63))).toBe('60-69');
    expect(applyAgeCalibration(cal, 64)).toBe(70);
    expect(applyAgeCalibration(cal, 70)).toBe(76);
    const xs = Array.from({ length: 200 }, (_, i) => i * 0.5);
    const ys = xs.map((x) => applyAgeCalibration(cal, x));
    expect(ys.every((y, i) => i === 0 || y >= ys[i - 1])).toBe(true);
  });

  it('fits boundaries that read every group right when the estimates are merely shifted', () => {
    const data = AGE_GROUPS.flatMap((g) => {
      const [lo] = RANGES[g];
      return [0.2, 0.5, 0.8].map((f) => ({ age: lo + f * 2 - 3 + 10, range: RANGES[g] })); // all read ~7 years old
    });
    const cal = fitBoundaryCalibration(data);
    const hits = data.filter((d) => {
      const a = applyAgeCalibration(cal, d.age);
      return a >= d.range[0] && a < d.range[1] + 1;
    });
    expect(hits).toHaveLength(data.length);
  });

  it('fits a line onto the middle of the ranges, the first ten years of an open one', () => {
    expect(rangeTarget([20, 29])).toBe(24.5);
    expect(rangeTarget([70, 99])).toBe(74.5);
    const cal = fitLinearAgeCalibration([
      { age: 10, range: [20, 29] },
      { age: 30, range: [40, 49] },
    ]);
    expect(cal).toEqual({ kind: 'linear', intercept: 14.5, slope: 1 });
    expect(applyAgeCalibration(cal, 20)).toBe(34.5);
  });

  it('adopts a calibration only if it helps out of fold without reading the worst group worse', () => {
    const base = {
      all: emptyTally(),
      balanced: 0.5,
      byAgeGroup: {} as never,
      bySex: {} as never,
      worst: { group: '30-39' as AgeGroup, rate: 0.3 },
    };
    expect(judgeAgeCalibration(base, { ...base, balanced: 0.6, worst: { group: '20-29', rate: 0.2 } }).adopted).toBe(
      false,
    );
    expect(judgeAgeCalibration(base, { ...base, balanced: 0.49 }).adopted).toBe(false);
    expect(judgeAgeCalibration(base, { ...base, balanced: 0.55, worst: { group: '0-2', rate: 0.35 } })).toMatchObject({
      adopted: true,
    });
  });

  it('breaks hit rates down by age group and sex and names the worst group', () => {
    const s = [sample('a', 'male', '20-29', {}), sample('b', 'female', '20-29', {}), sample('c', 'female', '70+', {})];
    const b = ageBreakdown(s, [25, 35, 80]);
    expect(b.all).toEqual({ n: 3, correct: 2, accuracy: 2 / 3 });
    expect(b.byAgeGroup['20-29']).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(b.balanced).toBe(0.75);
    expect(b.worst).toEqual({ group: '20-29', rate: 0.5 });
    expect(b.bySex.female).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
  });
});

describe('runFairnessStudy', () => {
  // A synthetic set shaped like the real problem: face-api reads women as men, its mirror view is noisier the same
  // way, FaceRes is unbiased; children are near chance.
  const rnd = seededRandom(3);
  const samples: DemographicSample[] = [];
  let id = 0;
  for (const g of AGE_GROUPS) {
    const adult = RANGES[g][0] >= 20;
    for (const sex of ['male', 'female'] as Gender[]) {
      for (let i = 0; i < 20; i++) {
        const truth = sex === 'male' ? 1 : -1;
        const signal = adult ? 2.5 * truth : 0.3 * truth;
        const bias = sex === 'female' && adult ? 1.8 : 0;
        const noise = () => (rnd() - 0.5) * 3;
        const mid = rangeTarget(RANGES[g]);
        samples.push(
          sample(
            `s${id++}`,
            sex,
            g,
            {
              [STUDY_SCORES.faceapi]: signal + bias + noise(),
              [STUDY_SCORES.faceapiMirrored]: signal + bias + noise(),
              [STUDY_SCORES.faceapiShifted]: signal + bias + noise() / 2,
              [STUDY_SCORES.faceres]: signal + noise(),
            },
            {
              [STUDY_AGES.faceapi]: mid + (rnd() - 0.5) * 12,
              [STUDY_AGES.faceapiMirrorMean]: mid + (rnd() - 0.5) * 12,
              [STUDY_AGES.faceres]: mid * 0.7 + 8,
            },
          ),
        );
      }
    }
  }
  const specs = studySpecs({ shippedMaleThreshold: 0.5, shippedYoungMaleThreshold: 0.5, withFaceRes: true });
  const study = runFairnessStudy(samples, specs, { folds: 5, seed: 1, maxGap: 0.03 });
  const rule = (name: string) => study.gender.rules.find((r) => r.name === name)!;

  it('shows the 0.5 default reading adult men far better than adult women, and the fitted rule closing the gap', () => {
    const before = rule(GENDER_RULES.before).outOfFold.adults;
    const chosen = rule(GENDER_RULES.chosen).outOfFold.adults;
    expect(before.gap!).toBeGreaterThan(0.2);
    expect(Math.abs(chosen.gap!)).toBeLessThan(Math.abs(before.gap!) / 2);
    expect(chosen.balancedAccuracy!).toBeGreaterThan(before.balancedAccuracy!);
    expect(rule(GENDER_RULES.chosen).folds).toHaveLength(5);
    expect(rule(GENDER_RULES.chosen).final.young).not.toBeNull();
    expect(rule(GENDER_RULES.shipped).inSample).toBe(true);
  });

  it('has every rule, comparison and age candidate, per sex and per age group', () => {
    expect(study.gender.rules.map((r) => r.name)).toEqual([
      GENDER_RULES.before,
      GENDER_RULES.mirrorAtHalf,
      GENDER_RULES.faceapiFitted,
      GENDER_RULES.mirrorFitted,
      GENDER_RULES.mirrorYoung,
      GENDER_RULES.chosen,
      GENDER_RULES.faceres,
      GENDER_RULES.combination,
      GENDER_RULES.shipped,
    ]);
    expect(study.gender.comparisons.map((c) => [c.a, c.b])).toEqual(specs.comparisons);
    expect(study.gender.comparisons.every((c) => c.n === 240)).toBe(true);
    expect(study.samples).toMatchObject({ total: 360, adults: { male: 120, female: 120 } });
    for (const g of AGE_GROUPS) expect(rule(GENDER_RULES.chosen).outOfFold.byAgeGroupAndSex[g].male.n).toBe(20);
    expect(study.age.candidates.map((c) => c.name)).toEqual(Object.values(AGE_CANDIDATES));
    expect(study.age.decisions.map((d) => d.name)).toEqual([AGE_CANDIDATES.linear, AGE_CANDIDATES.boundaries]);
    expect(JSON.parse(JSON.stringify(study))).toEqual(study); // no NaN or Infinity
  });

  it('is reproducible for a seed', () => {
    expect(runFairnessStudy(samples, specs, { folds: 5, seed: 1, maxGap: 0.03 })).toEqual(study);
  });

  it('renders every rule and the shipped-vs-fitted check', () => {
    const info: FairnessRunInfo = {
      dataset: '/data/demo',
      labels: {
        rows: 360,
        usable: 360,
        faces: 360,
        noFace: 0,
        missing: 0,
        unreadable: 0,
        foundBySex: { male: { n: 180, correct: 180, accuracy: 1 }, female: { n: 180, correct: 180, accuracy: 1 } },
        foundByAgeGroup: Object.fromEntries(AGE_GROUPS.map((g) => [g, { n: 40, correct: 40, accuracy: 1 }])) as never,
      },
      models: { ageGender: 'x@1' },
      msPerFace: { faceapiCropAndMirror: 2, faceres: 10 },
      shippedMaleThreshold: 0.5,
      shippedYoungMaleThreshold: 0.5,
      warnings: [],
    };
    const generalisation = runGeneralisationStudy(samples, { maxGap: 0.03, clusters: 4, seed: 1 });
    const text = renderFairnessReport({ ...info, study, generalisation });
    for (const r of study.gender.rules) expect(text).toContain(r.name);
    expect(text).toMatch(/Held out: age group/);
    expect(text).toContain(NESTED_ROW);
    expect(renderFairnessReport({ ...info, study, generalisation: null })).not.toMatch(/Held out/);
    expect(text).toMatch(/they DIFFER/);
    expect(text).toMatch(/5-fold cross-validation stratified by sex × age group \(seed 1\)/);
    expect(text).toMatch(/not adopted|ADOPT/);
  });
});
