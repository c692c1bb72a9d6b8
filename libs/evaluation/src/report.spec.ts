import path from 'node:path';
import { evaluateDataset, type FaceAnalyser } from './evaluate';
import { renderReport, pct, num } from './report';
import { makeTempDataset } from './test-utils';

describe('renderReport', () => {
  it('formats numbers and nulls', () => {
    expect(pct(0.123456)).toBe('12.35%');
    expect(pct(null)).toBe('n/a');
    expect(num(0.5)).toBe('0.5000');
    expect(num(undefined)).toBe('n/a');
  });

  it('renders every section as plain text tables', async () => {
    const { dir, cleanup } = makeTempDataset({
      'pairs.csv':
        'file_a,file_b,same\nidentities/a/1.jpg,identities/a/2.jpg,1\nidentities/a/1.jpg,identities/b/1.jpg,0\ngone.jpg,identities/a/1.jpg,1\n',
      'identities/a/1.jpg': 'x',
      'identities/a/2.jpg': 'x',
      'identities/b/1.jpg': 'x',
      'identities/b/2.jpg': 'x',
      'attributes.csv': 'file,gender,age,emotion\nidentities/a/1.jpg,female,31,happy\nidentities/b/1.jpg,male,50,sad\n',
    });
    const embeddings: Record<string, number[]> = { 'a/1': [1, 0], 'a/2': [0.9, 0.1], 'b/1': [0, 1], 'b/2': [0.1, 0.9] };
    const analyser: FaceAnalyser = {
      analyzeLargestFace: async (file) => {
        const key = path.relative(path.join(dir, 'identities'), file).split(path.sep).join('/').replace('.jpg', '');
        return {
          embedding: embeddings[key],
          age: 35,
          gender: { label: 'female', confidence: 0.8 },
          emotion: { label: 'happy' },
        };
      },
    };
    try {
      const text = renderReport(
        await evaluateDataset(dir, analyser, { threshold: 0.5, analyser: { ageGender: 'demo@1' } }),
      );
      expect(text.includes('\u001b[')).toBe(false); // no colour codes
      expect(text).toContain('Verification (pairs.csv)');
      expect(text).toMatch(/Accuracy @ 0\.5\s*│ 100\.00%/);
      expect(text).toContain('ROC AUC');
      expect(text).toMatch(/Closed set rank-1, leave-one-out, nearest neighbour\s*│ 100\.00% \(4\/4\)/);
      expect(text).toContain('Gender accuracy');
      expect(text).toMatch(/male\s*│ 0\.00% \(0\/1\)/);
      expect(text).toContain('Analyser: ageGender demo@1');
      // adults per sex, balanced accuracy, gap; per age group × sex, with the age range hit rate
      expect(text).toMatch(/female\s*│ 100\.00% \(1\/1\)\s*│ 100\.00% \(1\/1\)/);
      expect(text).toMatch(/balanced \(mean of the two\)\s*│\s*│ 50\.00%/);
      expect(text).toMatch(/gap \(male − female\)\s*│\s*│ -100\.0 points/);
      expect(text).toMatch(/30-39\s*│ 100\.00% \(1\/1\)\s*│ n\/a\s*│ 100\.00% \(1\/1\)/);
      expect(text).toContain('Emotion confusion matrix (rows: true label, columns: predicted)');
      expect(text).toMatch(/│ sad\s*│ 0\s*│ 0\s*│ 0\s*│ 1\s*│/); // sad predicted happy
      expect(text).toContain('Missing files (1):\n  gone.jpg');
    } finally {
      cleanup();
    }
  });

  it('says which sections were not evaluated', async () => {
    const { dir, cleanup } = makeTempDataset({});
    try {
      const text = renderReport(
        await evaluateDataset(dir, { analyzeLargestFace: async () => null }, { threshold: 0.5 }),
      );
      expect(text).toContain('not evaluated (no usable pairs.csv)');
      expect(text).toContain('not evaluated (no identities/ folder with images)');
      expect(text).toContain('not evaluated (no usable attributes.csv)');
      expect(text).toContain('Warnings (1):');
    } finally {
      cleanup();
    }
  });
});
