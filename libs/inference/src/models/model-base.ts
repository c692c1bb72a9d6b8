import { config } from '@storelens/config';
import { modelManifest, type ModelEntry, type ModelRole } from '../manifest';
import { OnnxSession } from '../onnx/session';
import { ModelResolver } from '../resolver';

export interface ModelOptions {
  resolver?: ModelResolver;
  threads?: number;
}

let defaultResolver: ModelResolver | undefined;

/** Resolves the manifest entry for a role and opens (or reuses) its session. */
export async function openModel(
  role: ModelRole,
  opts: ModelOptions = {},
): Promise<{ entry: ModelEntry; session: OnnxSession }> {
  const entry = modelManifest()[role];
  const resolver = opts.resolver ?? (defaultResolver ??= new ModelResolver());
  const file = await resolver.resolve(entry);
  const session = await OnnxSession.open(file, { threads: opts.threads ?? config().models.threads });
  return { entry, session };
}
