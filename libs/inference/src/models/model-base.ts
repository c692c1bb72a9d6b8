import type { StoreLensConfig } from '@storelens/config';
import { modelManifest, type ModelEntry, type ModelKey, type ModelRole } from '../manifest';
import { OnnxSession } from '../onnx/session';
import { ModelResolver } from '../resolver';

/** Where model files come from and how many threads each session gets: given by whoever loads a model. */
export interface ModelOptions {
  resolver: ModelResolver;
  threads: number;
  /** which identity model the embedder role runs (`STORELENS_EMBEDDER`); default MobileFaceNet */
  embedder?: keyof typeof EMBEDDER_KEYS;
}

/** The model options of a configuration: its model cache, assets, download policy and threads. */
export function modelOptions(cfg: Pick<StoreLensConfig, 'models' | 'assetsDir'>): ModelOptions {
  return { resolver: ModelResolver.forConfig(cfg), threads: cfg.models.threads, embedder: cfg.models.embedder };
}

/** The manifest entry of each identity model `STORELENS_EMBEDDER` can name. */
export const EMBEDDER_KEYS = { mobilefacenet: 'embedder', facerecnet: 'faceRecNet' } as const satisfies Record<
  string,
  ModelKey
>;

/** The manifest entry a pipeline role runs: the embedder role follows `STORELENS_EMBEDDER`. */
export function modelKeyFor(role: ModelRole, embedder: keyof typeof EMBEDDER_KEYS = 'mobilefacenet'): ModelKey {
  return role === 'embedder' ? EMBEDDER_KEYS[embedder] : role;
}

/** Resolves the manifest entry for a role (or a manifest key) and opens (or reuses) its session. */
export async function openModel(
  role: ModelRole,
  opts: ModelOptions,
  key: ModelKey = modelKeyFor(role, opts.embedder),
): Promise<{ entry: ModelEntry; session: OnnxSession }> {
  const entry = modelManifest()[key];
  const file = await opts.resolver.resolve(entry);
  const session = await OnnxSession.open(file, { threads: opts.threads });
  return { entry, session };
}
