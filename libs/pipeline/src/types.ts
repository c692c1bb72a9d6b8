import type { Emotion, Gender } from '@storelens/inference';
import type { Box, Point } from '@storelens/vision';

export interface IdentityMatch {
  name: string;
  similarity: number;
}

/** Everything StoreLens knows about one face in one image. */
export interface FaceResult {
  box: Box;
  score: number;
  landmarks: Point[];
  embedding: Float32Array;
  age: number;
  gender: { label: Gender; confidence: number };
  emotion: { label: Emotion; scores: Record<Emotion, number> };
  identity: IdentityMatch | null;
  /** the model that made each part of the result */
  models: { detector: string; embedder: string; ageGender: string; emotion: string };
}

export interface StageTimings {
  decodeMs: number;
  detectMs: number;
  alignEmbedMs: number;
  attributesMs: number;
  matchMs: number;
}
