import type { FaceResult } from '@storelens/pipeline';
import { roundBox } from '@storelens/vision';

const r = (v: number, digits: number) => Number(v.toFixed(digits));

/** The JSON form of a face, as `analyze --json` prints it. */
export function faceJson(f: FaceResult) {
  return {
    box: roundBox(f.box),
    score: r(f.score, 4),
    landmarks: f.landmarks.map(([x, y]) => [r(x, 1), r(y, 1)]),
    identity: f.identity ? { name: f.identity.name, similarity: r(f.identity.similarity, 4) } : null,
    age: r(f.age, 1),
    gender: { label: f.gender.label, confidence: r(f.gender.confidence, 4) },
    emotion: {
      label: f.emotion.label,
      scores: Object.fromEntries(Object.entries(f.emotion.scores).map(([k, v]) => [k, r(v, 4)])),
    },
  };
}

export function embeddingJson(v: Float32Array): number[] {
  return Array.from(v, (x) => r(x, 6));
}

/** One line of JSON on stdout; nothing else is ever written there in JSON mode. */
export function printJson(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'file not found';
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return 'is a directory';
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return 'permission denied';
    return err.message;
  }
  return String(err);
}
