/** The seven emotion labels StoreLens reports, in the FER2013 order the prototype used. */
import { EMOTIONS, type Emotion } from '@storelens/contracts';

export { EMOTIONS, type Emotion };

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
  /** probability of the label given, once the decision rule's threshold is taken into account (always >= 0.5) */
  confidence: number;
}

/** Probabilities are kept this far from 0 and 1 so that a saturated float32 softmax still has a finite logit. */
const P_EPSILON = 1e-7;

/** log(p / (1 - p)), with p clamped to [1e-7, 1 - 1e-7]. */
export function logit(p: number): number {
  const q = Math.min(1 - P_EPSILON, Math.max(P_EPSILON, p));
  return Math.log(q / (1 - q));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * p(male) of a face from the model's outputs on its crop and on the mirror image of that crop: the mean of the two
 * logits. The mirror image is an equally valid view of the face, so averaging removes noise rather than adding
 * a bias; on fixtures/demographics it reads adults' sex better out of fold (docs/evaluation.md).
 */
export function fuseMirrored(pMale: number, pMaleMirrored: number): number {
  return sigmoid((logit(pMale) + logit(pMaleMirrored)) / 2);
}

/**
 * Gender from p(male): male when p(male) >= maleThreshold. The threshold is a fairness decision (see
 * docs/evaluation.md): at 0.5 the face-api model reads adult women far worse than adult men on faces unlike its
 * training data. Moving the threshold is the same as shifting the model's logit by logit(maleThreshold), so the
 * confidence is the probability after that shift: 0.5 exactly at the threshold, towards 1 away from it.
 */
export function decodeGender(pMale: number, maleThreshold: number): GenderResult {
  const shifted = sigmoid(logit(pMale) - logit(maleThreshold));
  return pMale >= maleThreshold
    ? { label: 'male', confidence: Math.max(0.5, shifted) }
    : { label: 'female', confidence: Math.max(0.5, 1 - shifted) };
}

/**
 * The gender decision rule: male when p(male) >= the threshold for the face's estimated age. Faces estimated under
 * `youngBelowAge` get their own threshold: the adult one, applied to children, calls most boys girls.
 */
export interface GenderRule {
  maleThreshold: number;
  youngMaleThreshold: number;
  youngBelowAge: number;
}

export function maleThresholdFor(rule: GenderRule, age: number): number {
  return age < rule.youngBelowAge ? rule.youngMaleThreshold : rule.maleThreshold;
}

/** Age regression output in years; the model can go slightly below zero for babies. */
export function decodeAge(raw: number): number {
  return Math.max(0, raw);
}

/** Expected value of a softmax over ages 0, 1, 2, … years (HSE FaceRes's age head covers 0–99). */
export function expectedAge(probs: ArrayLike<number>): number {
  let sum = 0;
  let mass = 0;
  for (let i = 0; i < probs.length; i++) {
    sum += i * probs[i];
    mass += probs[i];
  }
  return mass > 0 ? sum / mass : 0;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const n = Math.sqrt(sum) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

