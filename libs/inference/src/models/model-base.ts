import { config } from '@storelens/config';
import { modelManifest, type ModelEntry, type ModelKey, type ModelRole } from '../manifest';
import { OnnxSession } from '../onnx/session';
import { ModelResolver } from '../resolver';

export interface ModelOptions {
  resolver?: ModelResolver;
  threads?: number;
}

let defaultResolver: ModelResolver | undefined;

/** The manifest entry of each identity model `STORELENS_EMBEDDER` can name. */
export const EMBEDDER_KEYS = { mobilefacenet: 'embedder', facerecnet: 'faceRecNet' } as const satisfies Record<
  string,
  ModelKey
>;

/** The manifest entry a pipeline role runs: the embedder role follows `STORELENS_EMBEDDER`. */
export function modelKeyFor(role: ModelRole): ModelKey {
  return role === 'embedder' ? EMBEDDER_KEYS[config().models.embedder] : role;
}

/** Resolves the manifest entry for a role (or a manifest key) and opens (or reuses) its session. */
export async function openModel(
  role: ModelRole,
  opts: ModelOptions = {},
  key: ModelKey = modelKeyFor(role),
): Promise<{ entry: ModelEntry; session: OnnxSession }> {
  const entry = modelManifest()[key];
  const resolver = opts.resolver ?? (defaultResolver ??= new ModelResolver());
  const file = await resolver.resolve(entry);
  const session = await OnnxSession.open(file, { threads: opts.threads ?? config().models.threads });
  return { entry, session };
}
