import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@storelens/config';
import type { NpmTfjsSource } from '@storelens/model-convert';

/** The pipeline's stages; `embedder` is whichever identity model `STORELENS_EMBEDDER` selects. */
export type ModelRole = 'detector' | 'embedder' | 'ageGender' | 'emotion';
/** Entries of `models` in the manifest: the roles' default files and the alternative identity model. */
export type ModelKey = ModelRole | 'faceRecNet';

export interface ModelEntry {
  file: string;
  /** `file stem @ first 8 hex of sha256`: stamped on every result the model makes */
  id: string;
  sha256: string;
  bytes: number;
  origin: string;
  url: string | null;
  licence: string;
  input: string;
  preprocess: string;
  /** How to build the file when it is found nowhere else: TF.js weights in an npm package, converted to ONNX. */
  source?: NpmTfjsSource;
}

export type ModelManifest = Record<ModelKey, ModelEntry>;

let manifest: ModelManifest | undefined;
/** The model manifest, `models/manifest.json`. */
export function modelManifest(): ModelManifest {
  if (!manifest) {
    const raw = JSON.parse(readFileSync(path.join(repoRoot(), 'models', 'manifest.json'), 'utf8'));
    manifest = raw.models as ModelManifest;
  }
  return manifest;
}
