import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EMOTIONS, type Emotion, type Gender } from '@storelens/contracts';
import { isImageFile } from '@storelens/vision';
import { readCsvTable, type CsvTable } from './csv';

/**
 * Reading an evaluation dataset folder:
 *
 *   DIR/pairs.csv            file_a,file_b,same          (verification)
 *   DIR/identities/<name>/*  one folder per person       (identification)
 *   DIR/attributes.csv       file,gender,age,emotion[,age_min,age_max]   (demographics; labels.csv is read
 *                            instead when there is no attributes.csv, as in fixtures/demographics)
 *
 * Each part is optional. Nothing here throws for a bad dataset: missing files are flagged (`exists: false`),
 * bad rows are listed in `issues`, and an unreadable CSV or folder gives `error` instead of rows.
 */

export { EMOTIONS, isImageFile, type Emotion, type Gender };

/** A file named by the dataset: `rel` as written, `path` absolute, `exists` = a regular file is there now. */
export interface FileRef {
  rel: string;
  path: string;
  exists: boolean;
}

export interface RowIssue {
  /** 1-based line in the CSV (0 for problems with the file as a whole). */
  line: number;
  message: string;
}

export interface PairRecord {
  line: number;
  a: FileRef;
  b: FileRef;
  same: boolean;
}

export interface PairsData {
  csv: string;
  /** Data rows in the CSV (blank lines not counted). */
  rows: number;
  pairs: PairRecord[];
  /** Rows that could not be used (and were left out of `pairs`), and warnings about the file. */
  issues: RowIssue[];
  /** Set when the CSV could not be read or lacks a required column; `pairs` is then empty. */
  error?: string;
}

export interface IdentityRecord {
  name: string;
  /** Image files directly inside identities/<name>/, sorted by name. */
  files: FileRef[];
}

export interface IdentitiesData {
  root: string;
  /** Identities that hold at least one image, sorted by name (code-unit order, so the same on every machine). */
  identities: IdentityRecord[];
  /** Identity folders with no image file in them. */
  empty: string[];
  /** Non-image files inside identity folders, and files lying directly in identities/. */
  ignoredFiles: string[];
  error?: string;
}

/** Age range in whole years, inclusive: [25, 32] covers anyone aged 25 to 32. `max` may be Infinity ("70+"). */
export type AgeRange = readonly [number, number];

export interface AttributeRecord {
  line: number;
  file: FileRef;
  gender: Gender | null;
  age: number | null;
  ageRange: AgeRange | null;
  emotion: Emotion | null;
}

export interface AttributesData {
  csv: string;
  /** Data rows in the CSV (blank lines not counted). Rows with an empty `file` are not in `records`. */
  rows: number;
  records: AttributeRecord[];
  /** Rows kept in `records` although a label was unusable (that label is null). */
  rowsWithBadValues: number;
  issues: RowIssue[];
  error?: string;
}

export interface ReadOptions {
  /** Memo for file-existence checks shared between readers (keyed by absolute path). */
  existsCache?: Map<string, Promise<boolean>>;
}

async function isRegularFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function fileRef(dir: string, rel: string, opts: ReadOptions): Promise<FileRef> {
  const cache = opts.existsCache ?? new Map<string, Promise<boolean>>();
  const check = (p: string): Promise<boolean> => {
    let hit = cache.get(p);
    if (!hit) {
      hit = isRegularFile(p);
      cache.set(p, hit);
    }
    return hit;
  };
  const abs = path.resolve(dir, rel);
  if (await check(abs)) return { rel, path: abs, exists: true };
  // Lists written on Windows use backslashes; try them as separators before calling the file missing.
  if (rel.includes('\\') && path.sep === '/') {
    const alt = path.resolve(dir, rel.replace(/\\/g, '/'));
    if (await check(alt)) return { rel, path: alt, exists: true };
  }
  return { rel, path: abs, exists: false };
}

async function loadTable(
  csvPath: string,
  required: readonly string[],
): Promise<{ table: CsvTable; issues: RowIssue[] } | { error: string } | null> {
  let text: string;
  try {
    const st = await fs.stat(csvPath);
    if (!st.isFile()) return { error: `${csvPath} is not a file` };
    text = await fs.readFile(csvPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { error: `cannot read ${csvPath}: ${(err as Error).message}` };
  }
  const table = readCsvTable(text);
  const missing = required.filter((c) => !table.header.includes(c));
  if (table.header.length === 0) return { error: `${csvPath} is empty` };
  if (missing.length > 0) {
    return {
      error: `${csvPath} lacks column(s) ${missing.join(', ')} (header: ${table.header.join(',') || 'none'})`,
    };
  }
  const issues: RowIssue[] = [];
  if (table.unterminatedQuote)
    issues.push({ line: 0, message: 'unterminated quote: the rest of the file was read as one field' });
  for (const line of table.raggedLines) issues.push({ line, message: 'field count differs from the header' });
  return { table, issues };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 'same']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'different']);

export function parseSame(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  // "1.0" / "0.0" from spreadsheets
  const n = Number(v);
  if (v !== '' && (n === 1 || n === 0)) return n === 1;
  return null;
}

/** Read DIR/pairs.csv. Resolves to null when the file does not exist. */
export async function readPairs(dir: string, opts: ReadOptions = {}): Promise<PairsData | null> {
  const csv = path.join(dir, 'pairs.csv');
  const loaded = await loadTable(csv, ['file_a', 'file_b', 'same']);
  if (loaded === null) return null;
  if ('error' in loaded) return { csv, rows: 0, pairs: [], issues: [], error: loaded.error };
  const { table, issues } = loaded;
  const pending: Promise<PairRecord | null>[] = table.rows.map(async ({ line, values }) => {
    const relA = values.file_a;
    const relB = values.file_b;
    const same = parseSame(values.same);
    const problems: string[] = [];
    if (!relA) problems.push('file_a is empty');
    if (!relB) problems.push('file_b is empty');
    if (same === null) problems.push(`same must be 1 or 0, got ${JSON.stringify(values.same)}`);
    if (problems.length > 0 || same === null) {
      issues.push({ line, message: problems.join('; ') });
      return null;
    }
    const [a, b] = await Promise.all([fileRef(dir, relA, opts), fileRef(dir, relB, opts)]);
    return { line, a, b, same };
  });
  const pairs = (await Promise.all(pending)).filter((p): p is PairRecord => p !== null);
  issues.sort((x, y) => x.line - y.line);
  return { csv, rows: table.rows.length, pairs, issues };
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Read DIR/identities/<name>/*. Resolves to null when DIR/identities does not exist. */
export async function readIdentities(dir: string): Promise<IdentitiesData | null> {
  const root = path.join(dir, 'identities');
  let entries: string[];
  try {
    const st = await fs.stat(root);
    if (!st.isDirectory())
      return { root, identities: [], empty: [], ignoredFiles: [], error: `${root} is not a folder` };
    entries = await fs.readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return {
      root,
      identities: [],
      empty: [],
      ignoredFiles: [],
      error: `cannot read ${root}: ${(err as Error).message}`,
    };
  }
  const identities: IdentityRecord[] = [];
  const empty: string[] = [];
  const ignoredFiles: string[] = [];
  const errors: string[] = [];
  for (const name of entries.filter((e) => !e.startsWith('.')).sort(byCodeUnit)) {
    const idDir = path.join(root, name);
    if (!(await isDirectory(idDir))) {
      ignoredFiles.push(path.join('identities', name));
      continue;
    }
    let names: string[];
    try {
      names = (await fs.readdir(idDir)).filter((e) => !e.startsWith('.')).sort(byCodeUnit);
    } catch (err) {
      errors.push(`cannot read ${idDir}: ${(err as Error).message}`);
      continue;
    }
    const files: FileRef[] = [];
    for (const f of names) {
      const abs = path.join(idDir, f);
      const rel = path.join('identities', name, f);
      if (isImageFile(f) && (await isRegularFile(abs))) files.push({ rel, path: abs, exists: true });
      else ignoredFiles.push(rel);
    }
    if (files.length > 0) identities.push({ name, files });
    else empty.push(name);
  }
  const out: IdentitiesData = { root, identities, empty, ignoredFiles };
  if (errors.length > 0) out.error = errors.join('; ');
  return out;
}

const GENDER_WORDS: Record<string, Gender> = {
  male: 'male',
  m: 'male',
  man: 'male',
  female: 'female',
  f: 'female',
  woman: 'female',
};

export function parseGender(value: string): Gender | null {
  return GENDER_WORDS[value.trim().toLowerCase()] ?? null;
}

const EMOTION_ALIASES: Record<string, Emotion> = {
  anger: 'angry',
  disgusted: 'disgust',
  fearful: 'fear',
  scared: 'fear',
  happiness: 'happy',
  sadness: 'sad',
  surprised: 'surprise',
  calm: 'neutral',
};

/** The canonical emotion for a label (case-insensitive, a few common synonyms), or null if it is not one of EMOTIONS. */
export function normaliseEmotion(value: string): Emotion | null {
  const v = value.trim().toLowerCase();
  if ((EMOTIONS as readonly string[]).includes(v)) return v as Emotion;
  return EMOTION_ALIASES[v] ?? null;
}

function parseAge(value: string): number | null | 'bad' {
  if (value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n < 150 ? n : 'bad';
}

/**
 * Read DIR/attributes.csv (or another CSV of the same columns, e.g. fixtures/demographics/labels.csv). Resolves to
 * null when the file does not exist.
 */
export async function readAttributes(
  dir: string,
  opts: ReadOptions = {},
  csvName = 'attributes.csv',
): Promise<AttributesData | null> {
  const csv = path.join(dir, csvName);
  const loaded = await loadTable(csv, ['file']);
  if (loaded === null) return null;
  if ('error' in loaded) return { csv, rows: 0, records: [], issues: [], rowsWithBadValues: 0, error: loaded.error };
  const { table, issues } = loaded;
  const known = ['gender', 'age', 'emotion', 'age_min', 'age_max'];
  if (!known.some((c) => table.header.includes(c))) {
    issues.push({ line: 0, message: `no label columns (expected some of ${known.join(', ')})` });
  }
  let rowsWithBadValues = 0;
  const pending = table.rows.map(async ({ line, values }): Promise<AttributeRecord | null> => {
    const rel = values.file;
    if (!rel) {
      issues.push({ line, message: 'file is empty' });
      return null;
    }
    const problems: string[] = [];
    let gender: Gender | null = null;
    if (values.gender) {
      gender = parseGender(values.gender);
      if (gender === null) problems.push(`gender must be male or female, got ${JSON.stringify(values.gender)}`);
    }
    let emotion: Emotion | null = null;
    if (values.emotion) {
      emotion = normaliseEmotion(values.emotion);
      if (emotion === null) problems.push(`unknown emotion ${JSON.stringify(values.emotion)}`);
    }
    let age: number | null = null;
    const a = parseAge(values.age ?? '');
    if (a === 'bad') problems.push(`age must be a number of years, got ${JSON.stringify(values.age)}`);
    else age = a;
    let ageRange: AgeRange | null = null;
    const lo = parseAge(values.age_min ?? '');
    const hi = parseAge(values.age_max ?? '');
    if (lo === 'bad') problems.push(`age_min must be a number of years, got ${JSON.stringify(values.age_min)}`);
    if (hi === 'bad') problems.push(`age_max must be a number of years, got ${JSON.stringify(values.age_max)}`);
    if (lo !== 'bad' && hi !== 'bad' && (lo !== null || hi !== null)) {
      const min = lo ?? 0;
      const max = hi ?? Infinity;
      if (min > max) problems.push(`age_min ${min} is above age_max ${max}`);
      else ageRange = [min, max];
    }
    // A bad value blanks that label only; the rest of the row is still used.
    if (problems.length > 0) {
      issues.push({ line, message: problems.join('; ') });
      rowsWithBadValues++;
    }
    const file = await fileRef(dir, rel, opts);
    return { line, file, gender, age, ageRange, emotion };
  });
  const records = (await Promise.all(pending)).filter((r): r is AttributeRecord => r !== null);
  issues.sort((x, y) => x.line - y.line);
  return { csv, rows: table.rows.length, records, issues, rowsWithBadValues };
}

export interface Dataset {
  dir: string;
  pairs: PairsData | null;
  identities: IdentitiesData | null;
  attributes: AttributesData | null;
  /** DIR/strangers/*: photos of people seen once each (re-identification counts them as one-photo people). */
  strangers: FileRef[] | null;
}

/** Read DIR/strangers/* (images only). Null when the folder does not exist. */
export async function readStrangers(dir: string): Promise<FileRef[] | null> {
  const root = path.join(dir, 'strangers');
  if (!(await isDirectory(root))) return null;
  const out: FileRef[] = [];
  for (const f of (await fs.readdir(root)).filter((e) => !e.startsWith('.')).sort(byCodeUnit)) {
    const abs = path.join(root, f);
    if (isImageFile(f) && (await isRegularFile(abs)))
      out.push({ rel: path.join('strangers', f), path: abs, exists: true });
  }
  return out;
}

/** Read every part of a dataset folder. Throws only when `dir` itself is not a readable folder. */
export async function readDataset(dir: string): Promise<Dataset> {
  const abs = path.resolve(dir);
  if (!(await isDirectory(abs))) throw new Error(`dataset folder not found: ${abs}`);
  const opts: ReadOptions = { existsCache: new Map() };
  const [pairs, identities, attributes, strangers] = await Promise.all([
    readPairs(abs, opts),
    readIdentities(abs),
    // fixtures/demographics names its attributes file labels.csv (same columns)
    readAttributes(abs, opts).then((a) => a ?? readAttributes(abs, opts, 'labels.csv')),
    readStrangers(abs),
  ]);
  return { dir: abs, pairs, identities, attributes, strangers };
}
