/** An identity and how similar a face (or a track) is to it. */
export interface IdentitySimilarity {
  identityId: string;
  similarity: number;
}

export type GenderLabel = 'female' | 'male';

/** Confidence-weighted vote of a person's faces; confidence is the share of the vote the winner got. */
export function voteGender(
  faces: readonly { gender: GenderLabel | null; genderConfidence: number | null }[],
): { label: GenderLabel; confidence: number } | null {
  const weight = genderWeights(faces);
  const label = genderOfWeights(weight);
  return label === null ? null : { label, confidence: weight[label] / (weight.female + weight.male) };
}

/** Each gender's summed confidence over faces (a face without a confidence weighs 0.5): what the vote counts. */
export function genderWeights(
  faces: readonly { gender: GenderLabel | null; genderConfidence: number | null }[],
): Record<GenderLabel, number> {
  const weight = { female: 0, male: 0 };
  for (const f of faces) if (f.gender) weight[f.gender] += f.genderConfidence ?? 0.5;
  return weight;
}

/** The vote over summed weights (several visits' weights add up): the heavier gender, male on a tie; null for none. */
export function genderOfWeights(weight: Record<GenderLabel, number>): GenderLabel | null {
  if (weight.female + weight.male === 0) return null;
  return weight.male >= weight.female ? 'male' : 'female';
}

/** A robust age: the mean of the middle half of the estimates (the median for three or fewer). */
export function robustAge(ages: readonly (number | null)[]): number | null {
  const xs = ages.filter((a): a is number => a !== null && Number.isFinite(a)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  if (xs.length <= 3) return xs[Math.floor((xs.length - 1) / 2)]!;
  const cut = Math.floor(xs.length / 4);
  const mid = xs.slice(cut, xs.length - cut);
  return mid.reduce((s, a) => s + a, 0) / mid.length;
}

/** Stretches of one dominant emotion, in time order: what a person felt while in view. */
export interface EmotionSpan {
  emotion: string;
  from: number;
  to: number;
  faces: number;
}

export function emotionTimeline(faces: readonly { at: number; emotion: string | null }[]): EmotionSpan[] {
  const spans: EmotionSpan[] = [];
  for (const f of [...faces].sort((a, b) => a.at - b.at)) {
    if (!f.emotion) continue;
    const last = spans[spans.length - 1];
    if (last && last.emotion === f.emotion) {
      last.to = f.at;
      last.faces++;
    } else spans.push({ emotion: f.emotion, from: f.at, to: f.at, faces: 1 });
  }
  return spans;
}

/** Age bands of the analytics API (the same as the face summary's), by the age rounded; the last is open-ended. */
export const AGE_BANDS = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export function ageBand(age: number | null): AgeBand | 'unknown' {
  if (age === null || !Number.isFinite(age)) return 'unknown';
  return AGE_BANDS[Math.min(6, Math.max(0, Math.floor(Math.round(age) / 10)))]!;
}
