import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  isImageFile,
  normaliseEmotion,
  parseGender,
  parseSame,
  readAttributes,
  readDataset,
  readIdentities,
  readPairs,
} from './dataset';
import { makeTempDataset } from './test-utils';

describe('small parsers', () => {
  it('recognises image extensions case-insensitively', () => {
    for (const f of ['a.jpg', 'b.JPEG', 'c.png', 'd.webp', 'e.gif', 'f.bmp', 'g.tif', 'h.TIFF']) {
      expect(isImageFile(f)).toBe(true);
    }
    for (const f of ['notes.txt', 'jpg', 'x.heic', 'y.jpg.bak']) expect(isImageFile(f)).toBe(false);
  });

  it('reads same, gender and emotion values', () => {
    expect(['1', '0', 'true', 'FALSE', '1.0', ' yes '].map(parseSame)).toEqual([true, false, true, false, true, true]);
    expect(['2', '', 'maybe'].map(parseSame)).toEqual([null, null, null]);
    expect(['Male', 'f', 'FEMALE', 'other'].map(parseGender)).toEqual(['male', 'female', 'female', null]);
    expect(['Happy', 'surprised', 'anger', 'contempt'].map(normaliseEmotion)).toEqual([
      'happy',
      'surprise',
      'angry',
      null,
    ]);
  });
});

describe('readPairs', () => {
  it('resolves paths against the folder, flags missing files and reports bad rows', async () => {
    const { dir, cleanup } = makeTempDataset({
      'pairs.csv': [
        'file_a,file_b,same',
        'a.jpg,sub/b.jpg,1',
        '"with, comma.jpg",a.jpg,0',
        'a.jpg,nope.jpg,0',
        'a.jpg,sub/b.jpg,maybe',
        ',a.jpg,1',
        '',
        'sub\\b.jpg,a.jpg,true',
      ].join('\n'),
      'a.jpg': 'x',
      'sub/b.jpg': 'x',
      'with, comma.jpg': 'x',
    });
    try {
      const r = (await readPairs(dir))!;
      expect(r.error).toBeUndefined();
      expect(r.rows).toBe(6);
      expect(r.pairs.map((p) => [p.line, p.a.rel, p.a.exists, p.b.rel, p.b.exists, p.same])).toEqual([
        [2, 'a.jpg', true, 'sub/b.jpg', true, true],
        [3, 'with, comma.jpg', true, 'a.jpg', true, false],
        [4, 'a.jpg', true, 'nope.jpg', false, false],
        [8, 'sub\\b.jpg', true, 'a.jpg', true, true], // Windows separators tried as '/'
      ]);
      expect(r.pairs[0].b.path).toBe(path.join(dir, 'sub', 'b.jpg'));
      expect(r.pairs[2].b.path).toBe(path.join(dir, 'nope.jpg'));
      expect(r.issues).toEqual([
        { line: 5, message: 'same must be 1 or 0, got "maybe"' },
        { line: 6, message: 'file_a is empty' },
      ]);
    } finally {
      cleanup();
    }
  });

  it('is null without pairs.csv and reports a missing column without throwing', async () => {
    const none = makeTempDataset({ 'x.txt': '' });
    const bad = makeTempDataset({ 'pairs.csv': 'a,b,label\nx,y,1\n' });
    try {
      expect(await readPairs(none.dir)).toBeNull();
      const r = (await readPairs(bad.dir))!;
      expect(r.pairs).toEqual([]);
      expect(r.error).toMatch(/lacks column\(s\) file_a, file_b, same/);
    } finally {
      none.cleanup();
      bad.cleanup();
    }
  });

  it('reports a pairs.csv that is a folder', async () => {
    const { dir, cleanup } = makeTempDataset({});
    mkdirSync(path.join(dir, 'pairs.csv'));
    try {
      expect((await readPairs(dir))!.error).toMatch(/not a file/);
    } finally {
      cleanup();
    }
  });
});

describe('readIdentities', () => {
  it('lists image files per identity, sorted, and sets the rest aside', async () => {
    const { dir, cleanup } = makeTempDataset({
      'identities/bob/x.webp': 'x',
      'identities/alice/2.PNG': 'x',
      'identities/alice/1.jpg': 'x',
      'identities/alice/notes.txt': 'x',
      'identities/alice/.DS_Store': 'x',
      'identities/empty/readme.md': 'x',
      'identities/Zed/z.jpg': 'x',
      'identities/stray.jpg': 'x',
    });
    try {
      const r = (await readIdentities(dir))!;
      expect(r.error).toBeUndefined();
      expect(r.identities.map((i) => [i.name, i.files.map((f) => f.rel)])).toEqual([
        ['Zed', [path.join('identities', 'Zed', 'z.jpg')]],
        ['alice', [path.join('identities', 'alice', '1.jpg'), path.join('identities', 'alice', '2.PNG')]],
        ['bob', [path.join('identities', 'bob', 'x.webp')]],
      ]);
      expect(r.identities[1].files[0]).toEqual({
        rel: path.join('identities', 'alice', '1.jpg'),
        path: path.join(dir, 'identities', 'alice', '1.jpg'),
        exists: true,
      });
      expect(r.empty).toEqual(['empty']);
      expect(r.ignoredFiles.sort()).toEqual(
        [
          path.join('identities', 'alice', 'notes.txt'),
          path.join('identities', 'empty', 'readme.md'),
          path.join('identities', 'stray.jpg'),
        ].sort(),
      );
    } finally {
      cleanup();
    }
  });

  it('is null without identities/', async () => {
    const { dir, cleanup } = makeTempDataset({ 'pairs.csv': 'file_a,file_b,same\n' });
    try {
      expect(await readIdentities(dir)).toBeNull();
    } finally {
      cleanup();
    }
  });
});

describe('readAttributes', () => {
  it('reads each label independently and blanks only the bad ones', async () => {
    const { dir, cleanup } = makeTempDataset({
      'attributes.csv': [
        'file,gender,age,emotion,age_min,age_max',
        'a.jpg,female,30,happy,,',
        'b.jpg,M,,Surprised,25,32',
        'c.jpg,,,,70,',
        'a.jpg,unknown,-4,contempt,,',
        'd.jpg,male,40,,50,45',
        ',male,20,,,',
        'e.jpg,,,,,',
      ].join('\n'),
      'a.jpg': 'x',
      'b.jpg': 'x',
    });
    try {
      const r = (await readAttributes(dir))!;
      expect(r.rows).toBe(7);
      expect(r.rowsWithBadValues).toBe(2);
      expect(r.records.map((x) => [x.line, x.file.rel, x.file.exists, x.gender, x.age, x.ageRange, x.emotion])).toEqual(
        [
          [2, 'a.jpg', true, 'female', 30, null, 'happy'],
          [3, 'b.jpg', true, 'male', null, [25, 32], 'surprise'],
          [4, 'c.jpg', false, null, null, [70, Infinity], null],
          [5, 'a.jpg', true, null, null, null, null],
          [6, 'd.jpg', false, 'male', 40, null, null],
          [8, 'e.jpg', false, null, null, null, null],
        ],
      );
      expect(r.issues.map((i) => i.line)).toEqual([5, 6, 7]);
      expect(r.issues[0].message).toMatch(/gender must be male or female.*unknown emotion "contempt".*age must be/);
      expect(r.issues[1].message).toMatch(/age_min 50 is above age_max 45/);
      expect(r.issues[2].message).toBe('file is empty');
    } finally {
      cleanup();
    }
  });

  it('accepts a file with only some label columns, and semicolons', async () => {
    const { dir, cleanup } = makeTempDataset({ 'attributes.csv': 'File;Gender\na.jpg;female\n', 'a.jpg': 'x' });
    try {
      const r = (await readAttributes(dir))!;
      expect(r.records).toHaveLength(1);
      expect(r.records[0]).toMatchObject({ gender: 'female', age: null, ageRange: null, emotion: null });
      expect(r.issues).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

describe('readDataset', () => {
  it('throws only for a dataset folder that does not exist', async () => {
    await expect(readDataset('/nonexistent/storelens-dataset')).rejects.toThrow(/dataset folder not found/);
    const { dir, cleanup } = makeTempDataset({});
    try {
      expect(await readDataset(dir)).toEqual({ dir, pairs: null, identities: null, attributes: null, strangers: null });
    } finally {
      cleanup();
    }
  });
});
