/** The seven emotion labels StoreLens reports, in the FER2013 order the prototype used. */
export const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** face-api's expression model outputs neutral, happy, sad, angry, fearful, disgusted, surprised: not FER order. */
const FACEAPI_EXPRESSION_ORDER: Emotion[] = ['neutral', 'happy', 'sad', 'angry', 'fear', 'disgust', 'surprise'];

export interface EmotionResult {
  label: Emotion;
  scores: Record<Emotion, number>;
}

export function decodeFaceApiExpression(probs: ArrayLike<number>): EmotionResult {
  const scores = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  FACEAPI_EXPRESSION_ORDER.forEach((label, i) => (scores[label] = probs[i]));
  let label: Emotion = 'neutral';
  for (const e of EMOTIONS) if (scores[e] > scores[label]) label = e;
  return { label, scores };
}

export type Gender = 'male' | 'female';

export interface GenderResult {
  label: Gender;
  /** probability of the label given, after the decision rule */
  confidence: number;
}

/**
 * Gender from p(male): male when p(male) >= maleThreshold. The threshold is a fairness decision (see
 * docs in the README): 0.5 reads adult women worse than adult men on faces unlike the training data.
 */
export function decodeGender(pMale: number, maleThreshold = 0.5): GenderResult {
  return pMale >= maleThreshold ? { label: 'male', confidence: pMale } : { label: 'female', confidence: 1 - pMale };
}

/** Age regression output in years; the model can go slightly below zero for babies. */
export function decodeAge(raw: number): number {
  return Math.max(0, raw);
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const n = Math.sqrt(sum) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/** Cosine similarity of two L2-normalised vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
