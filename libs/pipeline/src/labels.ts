import type { FaceLabel } from '@storelens/vision';
import type { FaceResult } from './types';

/** The prototype's label: "name or Unknown, gender, age, emotion". */
export function faceLabel(f: Pick<FaceResult, 'box' | 'landmarks' | 'identity' | 'gender' | 'age' | 'emotion'>): FaceLabel {
  const who = f.identity?.name ?? 'Unknown';
  return {
    box: f.box,
    landmarks: f.landmarks,
    text: `${who}, ${f.gender.label}, ${Math.round(f.age)}, ${f.emotion.label}`,
    known: f.identity !== null,
  };
}
