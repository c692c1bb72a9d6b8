/**
 * The only module that touches ONNX Runtime. One session per model file per process, created once and shared.
 *
 * The sessions live on a thread of their own (one per process, started on first use), not on the main thread: a model
 * run holds its thread for as long as it runs, and on the main thread that was everything else the process had to do
 * meanwhile (cutting the next face's crops, decoding the next image's pixels into a tensor, a worker's queue lock
 * renewal and its S3 and Postgres replies). Inputs in a SharedArrayBuffer (`TensorPool`'s) reach it without a copy
 * and are copied there into memory it keeps; others are copied on the way. Outputs are handed over without a copy.
 */
import { Worker } from 'node:worker_threads';

export interface TensorInput {
  data: Float32Array;
  dims: number[];
}

export type TensorOutputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

export interface SessionOptions {
  /** intra-op threads; 1 is nearly as fast as 2 here, and leaves the other core to a second worker */
  threads: number;
}

interface Request {
  op: 'open' | 'run' | 'release';
  key: string;
  file: string;
  threads: number;
  feeds?: Record<string, TensorInput>;
}

type Reply =
  | { id: number; error: string }
  | { id: number; inputNames: string[]; outputNames: string[] }
  | { id: number; outputs: TensorOutputs; ms: number }
  | { id: number; released: true };

/** Input buffers the model thread keeps for reuse (the largest inputs seen, as TensorPool keeps on the other side). */
const KEPT_BUFFERS = 2;

/**
 * The model thread's program, plain CommonJS so that it runs the same under every way this code is run (ts-node,
 * tsx, jest, the built images): it opens sessions by key on first use and answers each request by its id.
 */
const MODEL_THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
const sessions = new Map();
function session(m) {
  let s = sessions.get(m.key);
  if (!s) {
    s = ort.InferenceSession.create(m.file, {
      intraOpNumThreads: m.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    sessions.set(m.key, s);
    s.catch(() => sessions.delete(m.key));
  }
  return s;
}
// ONNX Runtime takes no tensor over shared memory: an input there is copied into memory of this thread's, kept for
// the next runs (a new buffer pays a page fault per 4 KB on first write), the smallest that fits, while a run holds it
const kept = [];
function take(length) {
  let best = -1;
  for (let i = 0; i < kept.length; i++)
    if (kept[i].length >= length && (best < 0 || kept[i].length < kept[best].length)) best = i;
  return best < 0 ? new Float32Array(length) : kept.splice(best, 1)[0];
}
function give(buffers) {
  kept.push(...buffers);
  kept.sort((a, b) => b.length - a.length).splice(${KEPT_BUFFERS});
}
async function answer(m) {
  if (m.op === 'release') {
    const s = sessions.get(m.key);
    sessions.delete(m.key);
    if (s) await (await s.catch(() => undefined))?.release();
    return [{ id: m.id, released: true }, []];
  }
  const s = await session(m);
  if (m.op === 'open') return [{ id: m.id, inputNames: s.inputNames, outputNames: s.outputNames }, []];
  const feeds = {};
  const held = [];
  for (const [name, t] of Object.entries(m.feeds)) {
    let data = t.data;
    if (data.buffer instanceof SharedArrayBuffer) {
      const own = take(data.length);
      held.push(own);
      data = own.subarray(0, data.length);
      data.set(t.data);
    }
    feeds[name] = new ort.Tensor('float32', data, t.dims);
  }
  let out;
  let ms;
  try {
    const start = performance.now();
    out = await s.run(feeds);
    ms = performance.now() - start;
  } finally {
    give(held);
  }
  const outputs = {};
  const buffers = new Set();
  for (const [name, t] of Object.entries(out)) {
    outputs[name] = { data: t.data, dims: t.dims };
    buffers.add(t.data.buffer);
  }
  return [{ id: m.id, outputs, ms }, [...buffers]];
}
parentPort.on('message', (m) => {
  answer(m).then(
    ([reply, transfer]) => {
      try {
        parentPort.postMessage(reply, transfer);
      } catch {
        parentPort.postMessage(reply); // memory that cannot be handed over is copied
      }
    },
    (err) => parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
`;

/** The process's model thread: requests in, replies matched by id; it keeps the process alive only while it owes one. */
class ModelThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  request(req: Request): Promise<Reply> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  private start(): Worker {
    const worker = new Worker(MODEL_THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      p.resolve(reply);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting) p.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ONNX Runtime thread exited (code ${code})`)));
    return worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

const thread = new ModelThread();

export class OnnxSession {
  private constructor(
    private readonly key: string,
    readonly file: string,
    private readonly threads: number,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  private static readonly sessions = new Map<string, Promise<OnnxSession>>();

  /** The process-wide session for this file (memoised: creating one per call leaks memory). */
  static open(file: string, opts: SessionOptions): Promise<OnnxSession> {
    const key = `${file}#${opts.threads}`;
    let s = OnnxSession.sessions.get(key);
    if (!s) {
      s = thread.request({ op: 'open', key, file, threads: opts.threads }).then((reply) => {
        if ('error' in reply) throw new Error(reply.error);
        if (!('inputNames' in reply)) throw new Error(`${file}: unexpected reply to open`);
        return new OnnxSession(key, file, opts.threads, reply.inputNames, reply.outputNames);
      });
      OnnxSession.sessions.set(key, s);
      s.catch(() => OnnxSession.sessions.delete(key));
    }
    return s;
  }

  /** Runs the model; every input is checked by name first so a wrong call names what was expected. */
  async run(inputs: Record<string, TensorInput>): Promise<TensorOutputs> {
    return (await this.runTimed(inputs)).outputs;
  }

  /**
   * `run`, with the model's own time: ONNX Runtime's run on the model thread, without the way there and back (what
   * the bench's raw-model floor counts).
   */
  async runTimed(inputs: Record<string, TensorInput>): Promise<{ outputs: TensorOutputs; ms: number }> {
    const feeds: Record<string, TensorInput> = {};
    for (const name of this.inputNames) {
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
      feeds[name] = { data: t.data, dims: t.dims };
    }
    // the same session again if the thread was restarted meanwhile: it opens sessions on first use
    const reply = await thread.request({ op: 'run', key: this.key, file: this.file, threads: this.threads, feeds });
    if ('error' in reply) throw new Error(`${this.file}: ${reply.error}`);
    if (!('outputs' in reply)) throw new Error(`${this.file}: unexpected reply to run`);
    return { outputs: reply.outputs, ms: reply.ms };
  }

  static async closeAll(): Promise<void> {
    const all = [...OnnxSession.sessions.values()];
    OnnxSession.sessions.clear();
    for (const s of await Promise.all(all.map((p) => p.catch(() => undefined)))) {
      if (s)
        await thread.request({ op: 'release', key: s.key, file: s.file, threads: s.threads }).catch(() => undefined);
    }
    await thread.stop();
  }
}
