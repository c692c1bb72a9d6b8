/**
 * A recognition dataset assembled from the shared fixtures, for `eval`: the named people of `faces/` give the
 * identities and every genuine pair; the 428 different strangers of `demographics/` add impostor pairs by the
 * thousand, so TAR at FAR 1e-3 can be resolved and the impostor scores are of varied ages, sexes and origins.
 * Files are symlinked, never copied.
 */
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Copies of another fixture photo (letterboxed or re-saved) and deliberate partial crops: not independent photos. */
const DERIVED = /^(obama-\d+p\.jpg|32bit\.png|.*partial.*)$/;

export interface RecognitionSetSummary {
  people: number;
  photos: number;
  strangers: number;
  genuinePairs: number;
  impostorPairs: number;
}

export function writeRecognitionSet(fixturesDir: string, outDir: string): RecognitionSetSummary {
  const facesDir = path.join(fixturesDir, 'faces');
  const people = readdirSync(facesDir).sort();
  const photos: { person: string; rel: string }[] = [];
  for (const person of people) {
    mkdirSync(path.join(outDir, 'identities', person), { recursive: true });
    for (const f of readdirSync(path.join(facesDir, person)).sort()) {
      if (DERIVED.test(f)) continue;
      symlinkSync(path.join(facesDir, person, f), path.join(outDir, 'identities', person, f));
      photos.push({ person, rel: `identities/${person}/${f}` });
    }
  }
  const demoDir = path.join(fixturesDir, 'demographics');
  mkdirSync(path.join(outDir, 'strangers'), { recursive: true });
  const strangers = readdirSync(demoDir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  for (const f of strangers) symlinkSync(path.join(demoDir, f), path.join(outDir, 'strangers', f));

  const rows = ['file_a,file_b,same'];
  let genuine = 0;
  let impostor = 0;
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const same = photos[i].person === photos[j].person;
      rows.push(`${photos[i].rel},${photos[j].rel},${same ? 1 : 0}`);
      if (same) genuine++;
      else impostor++;
    }
    for (const s of strangers) {
      rows.push(`${photos[i].rel},strangers/${s},0`);
      impostor++;
    }
  }
  for (let i = 0; i < strangers.length; i++) {
    for (let j = i + 1; j < strangers.length; j++) {
      rows.push(`strangers/${strangers[i]},strangers/${strangers[j]},0`);
      impostor++;
    }
  }
  writeFileSync(path.join(outDir, 'pairs.csv'), `${rows.join('\n')}\n`);
  return { people: people.length, photos: photos.length, strangers: strangers.length, genuinePairs: genuine, impostorPairs: impostor };
}
