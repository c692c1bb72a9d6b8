import path from 'node:path';
import { evaluateDataset, filesToAnalyse, type FaceAnalyser, type FaceAnalysis } from './evaluate';
import { readDataset } from './dataset';
import { nextUp } from './metrics';
import { makeTempDataset } from './test-utils';

type Fake = Partial<Omit<FaceAnalysis, 'embedding'>> & { embedding: number[] };
type Entry = Fake | null | 'throw';

/** Answers by file path relative to the dataset; counts calls per file. */
class FakeAnalyser implements FaceAnalyser {
  readonly calls = new Map<string, number>();
  constructor(
    private readonly dir: string,
    private readonly table: Record<string, Entry>,
    private readonly delayMs = 0,
  ) {}

  async analyzeLargestFace(file: string): Promise<FaceAnalysis | null> {
    const rel = path.relative(this.dir, file).split(path.sep).join('/');
    this.calls.set(rel, (this.calls.get(rel) ?? 0) + 1);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const e = this.table[rel];
    if (e === undefined) throw new Error(`fake analyser: unexpected file ${rel}`);
    if (e === 'throw') throw new Error('cannot decode image');
    if (e === null) return null;
    return {
      embedding: new Float32Array(e.embedding),
      age: e.age ?? 30,
      gender: e.gender ?? { label: 'male', confidence: 0.9 },
      emotion: e.emotion ?? { label: 'neutral' },
    };
  }
}

const F = (label: 'male' | 'female') => ({ label, confidence: 0.9 });

// Embeddings (cosine similarities worked out by hand in the comments of each expectation below).
const ANALYSES: Record<string, Entry> = {
  'identities/alice/a1.jpg': { embedding: [1, 0, 0], gender: F('female'), age: 27, emotion: { label: 'happy' } },
  'identities/alice/a2.jpg': { embedding: [0.9, Math.sqrt(0.19), 0] },
  'identities/alice/a3.jpg': { embedding: [3, 0, 4] },
  'identities/bob/b1.jpg': { embedding: [0, 1, 0], gender: F('female'), age: 33, emotion: { label: 'sad' } },
  'identities/bob/b2.jpg': { embedding: [0, 4, 3], gender: F('male'), age: 30, emotion: { label: 'Surprise' } },
  'identities/bob/b3.jpg': null,
  'identities/carol/c1.jpg': { embedding: [0, 0, 1], gender: F('female'), age: 69.5, emotion: { label: 'happy' } },
  'identities/carol/c2.jpg': { embedding: [0, 0.5, Math.sqrt(0.75)] },
  'identities/carol/c3.jpg': 'throw',
  'identities/dave/d1.jpg': { embedding: [0.8, 0, -0.6] },
  'noface.jpg': null,
  'broken.jpg': 'throw',
};

const PAIRS = [
  'file_a,file_b,same',
  'identities/alice/a1.jpg,identities/alice/a2.jpg,1', // 0.9
  'identities/alice/a1.jpg,identities/bob/b1.jpg,0', // 0
  'identities/bob/b1.jpg,identities/bob/b2.jpg,1', // 0.8
  'identities/carol/c1.jpg,identities/alice/a3.jpg,0', // 0.8
  'noface.jpg,identities/alice/a1.jpg,1', // no face: -inf
  'missing.jpg,identities/bob/b1.jpg,0', // skipped: missing
  'broken.jpg,identities/bob/b2.jpg,0', // skipped: unreadable
  'identities/carol/c1.jpg,identities/carol/c2.jpg,maybe', // invalid row (line 9)
].join('\n');

const ATTRIBUTES = [
  'file,gender,age,emotion,age_min,age_max',
  'identities/alice/a1.jpg,female,30,happy,,', // pred female, 27 (err -3), happy
  'identities/bob/b1.jpg,male,,sad,25,32', // pred female ✗, 33 (not in 25-32), sad
  'noface.jpg,female,20,,,',
  'missing.jpg,male,40,,,',
  'broken.jpg,male,,,,',
  'identities/carol/c1.jpg,female,62,neutral,60,69', // pred female, 69.5 (err +7.5, in 60-69), happy ✗
  'identities/alice/a2.jpg,,,,,', // no label: not analysed for attributes
  'identities/bob/b2.jpg,unknown,35,Surprised,,', // bad gender ignored; 30 (err -5); surprise ✓
].join('\n');

function datasetFiles(): Record<string, string> {
  const files: Record<string, string> = { 'pairs.csv': PAIRS, 'attributes.csv': ATTRIBUTES };
  for (const rel of Object.keys(ANALYSES)) files[rel] = 'not really an image';
  files['identities/dave/notes.txt'] = 'ignored';
  return files;
}

describe('evaluateDataset', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDataset(datasetFiles())));
  afterAll(() => cleanup());

  it('computes every section with each file analysed once', async () => {
    const analyser = new FakeAnalyser(dir, ANALYSES);
    const progress: [number, number][] = [];
    const r = await evaluateDataset(dir, analyser, {
      threshold: 0.55,
      heldOutFraction: 0.5,
      onProgress: (done, total) => progress.push([done, total]),
    });

    // 12 distinct existing files; missing.jpg is never handed to the analyser
    expect([...analyser.calls.values()].every((n) => n === 1)).toBe(true);
    expect(analyser.calls.size).toBe(12);
    expect(analyser.calls.has('missing.jpg')).toBe(false);
    expect(progress[0]).toEqual([0, 12]);
    expect(progress[progress.length - 1]).toEqual([12, 12]);
    expect(progress).toHaveLength(13);

    expect(r.dataset).toBe(dir);
    expect(r.threshold).toBe(0.55);
    expect(r.files).toEqual({ analysed: 12, faces: 8, noFace: 2, unreadable: 2, missing: 1 });
    expect(r.problems).toEqual({
      missing: ['missing.jpg'],
      unreadable: [
        { file: 'broken.jpg', error: 'cannot decode image' },
        { file: path.join('identities', 'carol', 'c3.jpg'), error: 'cannot decode image' },
      ],
    });
    expect(r.warnings).toEqual([
      'pairs.csv:9: same must be 1 or 0, got "maybe"',
      'attributes.csv:9: gender must be male or female, got "unknown"',
    ]);

    // Verification: genuine {0.9, 0.8, -inf}, impostor {0, 0.8}
    const v = r.verification!;
    expect(v).toMatchObject({
      pairs: 5,
      genuine: 3,
      impostor: 2,
      noFace: 1,
      rows: 8,
      invalidRows: 1,
      missingPairs: 1,
      unreadablePairs: 1,
      defaultThreshold: 0.55,
    });
    expect(v.accuracyAtDefault).toBeCloseTo(0.6, 12); // impostor 0.8 accepted, no-face genuine missed
    expect(v.tarAtDefault).toBeCloseTo(2 / 3, 12);
    expect(v.farAtDefault).toBe(0.5);
    expect(v.auc).toBeCloseTo(3.5 / 6, 12); // 0.9>0, 0.9>0.8, 0.8>0, 0.8=0.8 (½), -inf loses both
    expect(v.bestAccuracy).toBeCloseTo(0.6, 12);
    expect(v.bestThreshold).toBeCloseTo(0.4, 12); // midpoint of 0 and 0.8 (0.85 ties, the lower wins)
    // 2 impostor pairs: no false accept allowed at 1e-2 or 1e-3 → above the top impostor 0.8 → only 0.9
    expect(v.tarAtFar1e2).toBeCloseTo(1 / 3, 12);
    expect(v.tarAtFar1e3).toBeCloseTo(1 / 3, 12);
    expect(v.tarAtFarDetail['1e-2']).toMatchObject({ far: 0, resolved: false, impostor: 2, genuine: 3 });
    expect(v.tarAtFarDetail['1e-2']!.threshold).toBe(nextUp(0.8));

    // Identification: alice a1 a2 a3, bob b1 b2 b3(no face), carol c1 c2 c3(unreadable), dave d1
    const id = r.identification!;
    expect(id).toMatchObject({ identities: 4, images: 10, faces: 8, noFace: 1, unreadable: 1, emptyIdentities: 0 });
    // nearest: a1→a2 ✓, a2→a1 ✓, a3→c1 ✗, b1→b2 ✓, b2→c2 ✗ (.92), b3 no face ✗, c1→c2 ✓ (.87 > a3 .8), c2→b2 ✗
    expect(id.closedSet).toEqual({
      method: 'nearest-neighbour',
      probes: 8,
      correct: 4,
      accuracy: 0.5,
      noFace: 1,
      skippedSingletons: 1,
    });
    expect(id.rank1Accuracy).toBe(0.5);
    expect(id.closedSetCentroid).toMatchObject({ method: 'centroid', probes: 8 });
    // Open set, fraction 0.5 of [alice, bob, carol, dave] → bob and dave held out; gallery alice + carol
    const o = id.openSet;
    expect(o.heldOutIdentities).toEqual(['bob', 'dave']);
    expect(o.heldOutFraction).toBe(0.5);
    expect(o.knownIdentities).toBe(2);
    // a1→a2 .9 ✓, a2→a1 .9 ✓, a3→c1 .8 wrong name, c1→c2 .87 ✓, c2→c1 .87 ✓
    expect(o.known).toMatchObject({
      probes: 5,
      correct: 4,
      misidentified: 1,
      rejected: 0,
      correctIdentificationRate: 0.8,
    });
    // b1 best .5 < .55 unknown ✓; b2→c2 .92 named ✗; b3 no face unknown ✓; d1→a1 .8 named ✗
    expect(o.unknown).toEqual({
      probes: 4,
      falseAccepts: 2,
      correctRejects: 2,
      noFace: 1,
      falseAcceptRate: 0.5,
      correctRejectRate: 0.5,
    });

    // Attributes
    const a = r.attributes!;
    expect(a.genderAccuracy).toBeCloseTo(2 / 3, 12);
    expect(a.genderAccuracyBySex).toEqual({ male: 0, female: 1 });
    expect(a.genderAccuracyByAgeGroup).toEqual({
      '0-2': null,
      '3-9': null,
      '10-19': null,
      '20-29': 0, // b1, from its range 25-32
      '30-39': 1,
      '40-49': null,
      '50-59': null,
      '60-69': 1, // c1: exact age 62 wins over the range
      '70+': null,
    });
    expect(a.ageMae).toBeCloseTo((3 + 7.5 + 5) / 3, 12);
    expect(a.ageBias).toBeCloseTo(-0.5 / 3, 12);
    expect(a.ageRangeHitRate).toBe(0.5); // 33 ∉ 25-32, 69.5 ∈ 60-69
    expect(a.emotionAccuracy).toBe(0.75);
    expect(a.emotionConfusion.neutral.happy).toBe(1);
    expect(a.emotionConfusion.happy.happy).toBe(1);
    expect(a.emotionConfusion.surprise.surprise).toBe(1);
    expect(a.emotionConfusion.sad.sad).toBe(1);
    expect(a.counts).toMatchObject({
      rows: 8,
      invalidRows: 0,
      rowsWithBadValues: 1,
      unlabelled: 1,
      missing: 1,
      unreadable: 1,
      noFace: 1,
      evaluated: 4,
      gender: 3,
      genderBySex: { male: 1, female: 2 },
      age: 3,
      ageRange: 2,
      emotion: 4,
    });
    expect(a.counts.emotionByLabel).toMatchObject({ happy: 1, sad: 1, neutral: 1, surprise: 1, fear: 0 });
  });

  it('has the documented JSON shape and survives a JSON round trip unchanged', async () => {
    const r = await evaluateDataset(dir, new FakeAnalyser(dir, ANALYSES), { threshold: 0.55 });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // no NaN, Infinity or undefined anywhere
    expect(Object.keys(r.verification!)).toEqual(
      expect.arrayContaining([
        'pairs',
        'accuracyAtDefault',
        'bestAccuracy',
        'bestThreshold',
        'auc',
        'tarAtFar1e2',
        'tarAtFar1e3',
        'noFace',
      ]),
    );
    expect(Object.keys(r.attributes!)).toEqual(
      expect.arrayContaining([
        'genderAccuracy',
        'genderAccuracyBySex',
        'genderAccuracyByAgeGroup',
        'ageMae',
        'ageRangeHitRate',
        'emotionAccuracy',
        'counts',
        'emotionConfusion',
      ]),
    );
    // default held-out fraction 0.25 of 4 identities → the 4th, dave
    expect(r.heldOutFraction).toBe(0.25);
    expect(r.identification!.openSet.heldOutIdentities).toEqual(['dave']);
  });

  it('gives the same result with concurrent analysis', async () => {
    const serial = await evaluateDataset(dir, new FakeAnalyser(dir, ANALYSES), { threshold: 0.55 });
    const analyser = new FakeAnalyser(dir, ANALYSES, 2);
    const done: number[] = [];
    const parallel = await evaluateDataset(dir, analyser, {
      threshold: 0.55,
      concurrency: 4,
      onProgress: (d) => done.push(d),
    });
    expect(parallel).toEqual(serial);
    expect([...analyser.calls.values()].every((n) => n === 1)).toBe(true);
    expect(done).toEqual([...Array(13).keys()]);
  });

  it('counts an analyser answer that is not usable as unreadable', async () => {
    const bad: Record<string, Entry> = { ...ANALYSES, 'identities/alice/a2.jpg': { embedding: [NaN, 0, 0] } };
    const r = await evaluateDataset(dir, new FakeAnalyser(dir, bad), { threshold: 0.55 });
    expect(r.problems.unreadable.map((u) => u.file)).toContain(path.join('identities', 'alice', 'a2.jpg'));
    expect(r.problems.unreadable[0].error).toMatch(/non-finite embedding/);
    expect(r.verification!.unreadablePairs).toBe(2);
  });

  it('lists the files to analyse once each, pairs first', async () => {
    const files = filesToAnalyse(await readDataset(dir));
    expect(files).toHaveLength(12);
    expect(new Set(files).size).toBe(12);
    expect(files[0]).toBe(path.join(dir, 'identities', 'alice', 'a1.jpg'));
  });

  it('rejects bad options', async () => {
    const a = new FakeAnalyser(dir, ANALYSES);
    await expect(evaluateDataset(dir, a, { threshold: NaN })).rejects.toThrow(/threshold/);
    await expect(evaluateDataset(dir, a, { threshold: 0.5, heldOutFraction: 1 })).rejects.toThrow(/heldOutFraction/);
    await expect(evaluateDataset(path.join(dir, 'nope'), a, { threshold: 0.5 })).rejects.toThrow(/not found/);
  });
});

describe('evaluateDataset on partial datasets', () => {
  it('leaves absent sections null and warns on an empty folder', async () => {
    const { dir, cleanup } = makeTempDataset({});
    try {
      const r = await evaluateDataset(dir, new FakeAnalyser(dir, {}), { threshold: 0.5 });
      expect(r.verification).toBeNull();
      expect(r.identification).toBeNull();
      expect(r.attributes).toBeNull();
      expect(r.files.analysed).toBe(0);
      expect(r.warnings[0]).toMatch(/nothing to evaluate/);
    } finally {
      cleanup();
    }
  });

  it('reports an unusable CSV as a warning, and metrics without data as null', async () => {
    const { dir, cleanup } = makeTempDataset({
      'pairs.csv': 'left,right\nx,y\n',
      'attributes.csv': 'file,age\nmissing.jpg,30\n',
    });
    try {
      const r = await evaluateDataset(dir, new FakeAnalyser(dir, {}), { threshold: 0.5 });
      expect(r.verification).toBeNull();
      expect(r.warnings[0]).toMatch(/pairs\.csv lacks column/);
      const a = r.attributes!;
      expect(a.counts).toMatchObject({ rows: 1, missing: 1, evaluated: 0 });
      expect(a.genderAccuracy).toBeNull();
      expect(a.ageMae).toBeNull();
      expect(a.ageRangeHitRate).toBeNull();
      expect(a.emotionAccuracy).toBeNull();
      expect(r.problems.missing).toEqual(['missing.jpg']);
    } finally {
      cleanup();
    }
  });

  it('scores a pairs-only dataset where every pair lacks a face', async () => {
    const { dir, cleanup } = makeTempDataset({
      'pairs.csv': 'file_a,file_b,same\na.jpg,b.jpg,1\na.jpg,c.jpg,0\n',
      'a.jpg': 'x',
      'b.jpg': 'x',
      'c.jpg': 'x',
    });
    try {
      const r = await evaluateDataset(dir, new FakeAnalyser(dir, { 'a.jpg': null, 'b.jpg': null, 'c.jpg': null }), {
        threshold: 0.5,
      });
      expect(r.verification).toMatchObject({
        pairs: 2,
        noFace: 2,
        accuracyAtDefault: 0.5, // the impostor pair is rightly "different", the genuine one a miss
        bestAccuracy: 0.5,
        bestThreshold: null,
        auc: 0.5,
        tarAtFar1e2: 0,
      });
    } finally {
      cleanup();
    }
  });
});
