import { config } from '@storelens/config';
import { modelOptions, openModel, type ModelRole, type OnnxSession, type TensorInput } from '@storelens/inference';

/** One model call's inputs, by input name. */
export type Feed = Record<string, TensorInput>;

/** Every model call made for one image, in call order per model. */
export type ModelFeeds = Record<ModelRole, Feed[]>;

export const MODEL_ROLES: readonly ModelRole[] = ['detector', 'embedder', 'ageGender', 'emotion'];

export const emptyFeeds = (): ModelFeeds => ({ detector: [], embedder: [], ageGender: [], emotion: [] });

export interface ModelSessions {
  sessions: Record<ModelRole, OnnxSession>;
  modelIds: Record<ModelRole, string>;
}

/** The process-wide sessions the pipeline uses (OnnxSession memoises one per model file and thread count). */
export async function pipelineSessions(threads?: number): Promise<ModelSessions> {
  const models = modelOptions(config());
  const opened = await Promise.all(
    MODEL_ROLES.map((role) => openModel(role, { ...models, threads: threads ?? models.threads })),
  );
  const sessions = {} as Record<ModelRole, OnnxSession>;
  const modelIds = {} as Record<ModelRole, string>;
  MODEL_ROLES.forEach((role, i) => {
    sessions[role] = opened[i].session;
    modelIds[role] = opened[i].entry.id;
  });
  return { sessions, modelIds };
}

/**
 * Runs `fn` while recording every input the given sessions receive. The raw-model floor then replays exactly the
 * tensors the pipeline built (letterbox sizes, detail scale, per-face crops, batches) without copying the
 * pipeline's preprocessing constants here, where they would drift.
 */
export async function recordFeeds<T>(
  sessions: Record<ModelRole, OnnxSession>,
  fn: () => Promise<T>,
): Promise<{ result: T; feeds: ModelFeeds }> {
  const feeds = emptyFeeds();
  const restore: (() => void)[] = [];
  for (const role of MODEL_ROLES) {
    const session = sessions[role];
    const run = session.run;
    const hadOwn = Object.prototype.hasOwnProperty.call(session, 'run');
    session.run = (inputs: Feed) => {
      feeds[role].push(inputs);
      return run.call(session, inputs);
    };
    restore.push(() => {
      if (hadOwn) session.run = run;
      else delete (session as { run?: unknown }).run; // back to the prototype's method
    });
  }
  try {
    return { result: await fn(), feeds };
  } finally {
    for (const r of restore) r();
  }
}

/** The first face of a batched NHWC/NCHW feed as a batch-1 feed (for per-face reference timings). */
export function firstOfBatch(feed: Feed): Feed {
  const out: Feed = {};
  for (const [name, t] of Object.entries(feed)) {
    const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
    out[name] = { data: t.data.subarray(0, per), dims: [1, ...t.dims.slice(1)] };
  }
  return out;
}

/** Batch size of a feed: faces in it for the per-face models. */
export function batchOf(feed: Feed): number {
  return Object.values(feed)[0]?.dims[0] ?? 0;
}

export function describeDims(feed: Feed): string {
  return Object.values(feed)
    .map((t) => t.dims.join('x'))
    .join(',');
}
