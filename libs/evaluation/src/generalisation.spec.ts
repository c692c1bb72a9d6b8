import type { Gender } from './dataset';
import { STUDY_AGES, STUDY_SCORES, seededRandom, type DemographicSample } from './fairness';
import {
  GENERALISATION_FAMILIES,
  NESTED_ROW,
  REFERENCE_RULE,
  appearanceClusters,
  chooseFamily,
  fitLogistic,
  leaveOneGroupOut,
  nestedLeaveOneGroupOut,
  newcombeDifference,
  ruleFamilies,
  runGeneralisationStudy,
  summariseHeldOut,
  wilson,
  type RuleFamily,
} from './generalisation';
import { AGE_GROUPS, type AgeGroup } from './metrics';

const MID: Record<AgeGroup, number> = {
  '0-2': 1,
  '3-9': 6,
  '10-19': 15,
  '20-29': 25,
  '30-39': 35,
  '40-49': 45,
  '50-59': 55,
  '60-69': 65,
  '70+': 75,
};

/**
 * Faces shaped like the real problem: face-api reads adult women as men (a bias the fitted threshold removes), the
 * shifted reads are less noisy than the crop's, FaceRes is unbiased; each face has a 3-d "embedding" placing it in
 * one of `looks` well-separated appearance groups.
 */
function synthetic(seed: number, perCell = 15, looks = 3): DemographicSample[] {
  const rnd = seededRandom(seed);
  const out: DemographicSample[] = [];
  let id = 0;
  for (const g of AGE_GROUPS) {
    const adult = MID[g] >= 20;
    for (const sex of ['male', 'female'] as Gender[]) {
      for (let i = 0; i < perCell; i++) {
        const truth = sex === 'male' ? 1 : -1;
        const signal = adult ? 2.5 * truth : 0.4 * truth;
        const bias = sex === 'female' && adult ? 1.8 : 0;
        const noise = (scale: number) => (rnd() - 0.5) * scale;
        const look = i % looks;
        const e = [0, 0, 0];
        e[look] = 1;
        const emb = e.map((v) => v + noise(0.1));
        const norm = Math.hypot(...emb);
        out.push({
          id: `s${id++}`,
          sex,
          ageGroup: g,
          ageRange: [MID[g] - 1, MID[g] + 1],
          maleLogits: {
            [STUDY_SCORES.faceapi]: signal + bias + noise(8),
            [STUDY_SCORES.faceapiMirrored]: signal + bias + noise(8),
            [STUDY_SCORES.faceapiShifted]: signal + bias + noise(3),
            [STUDY_SCORES.faceres]: signal + noise(3),
          },
          ages: { [STUDY_AGES.faceapiMirrorMean]: MID[g] + noise(6) },
          embedding: emb.map((v) => v / norm),
        });
      }
    }
  }
  return out;
}

describe('intervals', () => {
  it('gives Wilson score intervals that match the published values', () => {
    // Newcombe (1998), Table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611
    const [a, b] = wilson(81, 263);
    expect(a).toBeCloseTo(0.2553, 4);
    expect(b).toBeCloseTo(0.3662, 4);
    expect(wilson(15, 148)[0]).toBeCloseTo(0.0624, 4);
    expect(wilson(15, 148)[1]).toBeCloseTo(0.1605, 4);
    expect(wilson(0, 20)[0]).toBe(0);
    expect(wilson(0, 20)[1]).toBeCloseTo(0.1611, 4);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });

  it("gives Newcombe's hybrid score interval for a difference", () => {
    // Newcombe (1998), method 10, example (a): 56/70 − 48/80 → 0.0524 to 0.3339
    const [lo, hi] = newcombeDifference(56, 70, 48, 80);
    expect(lo).toBeCloseTo(0.0524, 4);
    expect(hi).toBeCloseTo(0.3339, 4);
  });
});

describe('appearanceClusters', () => {
  it('finds well-separated groups whatever their order, the same way for a seed', () => {
    const faces = synthetic(1, 4, 3);
    const a = appearanceClusters(
      faces.map((f) => f.embedding!),
      3,
      5,
    );
    // every face of one "look" lands in one cluster, and different looks in different clusters
    const byLook = new Map<number, Set<number>>();
    faces.forEach((f, i) => {
      const look = f.embedding!.indexOf(Math.max(...f.embedding!));
      byLook.set(look, (byLook.get(look) ?? new Set()).add(a[i]));
    });
    expect([...byLook.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...byLook.values()].map((s) => [...s][0])).size).toBe(3);
    expect(
      appearanceClusters(
        faces.map((f) => f.embedding!),
        3,
        5,
      ),
    ).toEqual(a);
  });

  it('refuses more clusters than faces', () => {
    expect(() => appearanceClusters([[1, 0]], 2, 1)).toThrow(/1 faces for 2 clusters/);
  });
});

describe('fitLogistic', () => {
  it('recovers the weights of a logistic model', () => {
    const rnd = seededRandom(4);
    const xs: number[][] = [];
    const ys: boolean[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = [(rnd() - 0.5) * 6, (rnd() - 0.5) * 6];
      const p = 1 / (1 + Math.exp(-(0.5 + 2 * x[0] - 1 * x[1])));
      xs.push(x);
      ys.push(rnd() < p);
    }
    const { intercept, slopes } = fitLogistic(xs, ys, 0);
    expect(slopes[0]).toBeCloseTo(2, 0);
    expect(slopes[1]).toBeCloseTo(-1, 0);
    expect(Math.abs(intercept - 0.5)).toBeLessThan(0.35); // class-balanced weights move the intercept a little
  });

  it('needs both sexes', () => {
    expect(() => fitLogistic([[1], [2]], [true, true])).toThrow(/both sexes/);
  });
});

describe('leave-one-group-out', () => {
  const faces = synthetic(2);
  const groups = faces.map((f) => f.ageGroup);

  it('never lets a held-out group fit its own rule', () => {
    // A family that learns, from its training faces, which ids are male: a face can only be read right if it was
    // in the training set, so held out it must be read wrong.
    const memoriser: RuleFamily = {
      name: 'memoriser',
      description: '',
      needs: [],
      fit(train) {
        const male = new Set(train.filter((s) => s.sex === 'male').map((s) => s.id));
        const female = new Set(train.filter((s) => s.sex === 'female').map((s) => s.id));
        return {
          predictMale: (s) => (male.has(s.id) ? true : female.has(s.id) ? false : s.sex !== 'male'),
          describe: {},
        };
      },
    };
    const predicted = leaveOneGroupOut(memoriser, faces, groups, 0.03);
    expect(predicted.every((p, i) => p !== (faces[i].sex === 'male'))).toBe(true);
  });

  it('reads adult men and women about equally once the threshold is fitted, unlike the 0.5 default', () => {
    const families = ruleFamilies(new Set(Object.keys(faces[0].maleLogits)));
    const shifts = families.find((f) => f.name === GENERALISATION_FAMILIES.shifts)!;
    const r = summariseHeldOut(shifts.name, faces, leaveOneGroupOut(shifts, faces, groups, 0.03));
    expect(Math.abs(r.gap.value!)).toBeLessThan(0.1);
    expect(r.gap.ci95![0]).toBeLessThan(0);
    expect(r.gap.ci95![1]).toBeGreaterThan(0);
    expect(r.adults.male.n + r.adults.female.n).toBe(6 * 30);
    const study = runGeneralisationStudy(faces, { maxGap: 0.03, clusters: 3, seed: 1 });
    const reference = study.groupings[0].rules.find((x) => x.rule === REFERENCE_RULE)!;
    expect(reference.gap.value!).toBeGreaterThan(0.2);
    expect(1 - reference.adults.female.accuracy!).toBeGreaterThan(2 * (1 - reference.adults.male.accuracy!));
  });

  it('offers only the families whose scores every face has', () => {
    const names = ruleFamilies(new Set([STUDY_SCORES.faceapi, STUDY_SCORES.faceapiMirrored])).map((f) => f.name);
    expect(names).toEqual([GENERALISATION_FAMILIES.mirror, GENERALISATION_FAMILIES.banded]);
  });
});

describe('choosing a family', () => {
  const faces = synthetic(3);
  const groups = faces.map((f) => f.ageGroup);
  const families = ruleFamilies(new Set(Object.keys(faces[0].maleLogits)));

  it('chooses the family that carries over best: here the less noisy shifted reads', () => {
    expect(chooseFamily(families, faces, groups, 0.03).name).toBe(GENERALISATION_FAMILIES.shifts);
  });

  it('chooses again inside every outer training set, and reports how often each family won', () => {
    const { predictedMale, choices } = nestedLeaveOneGroupOut(families, faces, groups, 0.03);
    expect(Object.values(choices).reduce((a, b) => a + b, 0)).toBe(9);
    expect(predictedMale).toHaveLength(faces.length);
  });

  it('runs both groupings (age group, appearance cluster) and ends with the nested row and the whole-set choice', () => {
    const study = runGeneralisationStudy(faces, { maxGap: 0.03, clusters: 3, seed: 1 });
    expect(study.groupings.map((g) => g.name)).toEqual(['age group', 'appearance cluster']);
    for (const g of study.groupings) {
      expect(g.nested.rule).toBe(NESTED_ROW);
      expect(g.rules.map((r) => r.rule)).toEqual([REFERENCE_RULE, ...families.map((f) => f.name)]);
      expect(Object.values(g.groups).reduce((a, x) => a + x.faces, 0)).toBe(faces.length);
    }
    expect(study.chosen.family).toBe(GENERALISATION_FAMILIES.shifts);
    expect(JSON.parse(JSON.stringify(study))).toEqual(study);
    // without embeddings there is no appearance grouping
    const bare = faces.map(({ embedding: _e, ...f }) => f);
    expect(runGeneralisationStudy(bare, { maxGap: 0.03, clusters: 3, seed: 1 }).groupings).toHaveLength(1);
  });
});
