/**
 * The only module that touches ONNX Runtime. One session per model file per process, created once and shared.
 */
import * as ort from 'onnxruntime-node';

export interface TensorInput {
  data: Float32Array;
  dims: number[];
}

export type TensorOutputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

export interface SessionOptions {
  /** intra-op threads; 1 is nearly as fast as 2 here, and leaves the other core to a second worker */
  threads: number;
}

export class OnnxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
  ) {}

  private static readonly sessions = new Map<string, Promise<OnnxSession>>();

  /** The process-wide session for this file (memoised: creating one per call leaks memory). */
  static open(file: string, opts: SessionOptions): Promise<OnnxSession> {
    const key = `${file}#${opts.threads}`;
    let s = OnnxSession.sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(file, {
        intraOpNumThreads: opts.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      }).then((session) => new OnnxSession(session, file));
      OnnxSession.sessions.set(key, s);
      s.catch(() => OnnxSession.sessions.delete(key));
    }
    return s;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the model; every input is checked by name first so a wrong call names what was expected. */
  async run(inputs: Record<string, TensorInput>): Promise<TensorOutputs> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const t = inputs[name];
      if (!t) {
        const given = Object.entries(inputs).map(([k, v]) => `${k} float32[${v.dims.join(',')}]`);
        throw new Error(`${this.file}: missing input '${name}'; given ${given.join(', ') || 'nothing'}`);
      }
      const expected = t.dims.reduce((a, b) => a * b, 1);
      if (t.data.length !== expected) {
        throw new Error(
          `${this.file}: input '${name}' has ${t.data.length} values, dims [${t.dims.join(',')}] need ${expected}`,
        );
      }
      feeds[name] = new ort.Tensor('float32', t.data, t.dims);
    }
    const out = await this.session.run(feeds);
    const result: TensorOutputs = {};
    for (const [name, tensor] of Object.entries(out)) {
      result[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
    }
    return result;
  }

  static async closeAll(): Promise<void> {
    const all = [...OnnxSession.sessions.values()];
    OnnxSession.sessions.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.session.release()));
  }
}
