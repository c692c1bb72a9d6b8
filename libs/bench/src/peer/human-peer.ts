/**
 * Benchmark peer: @vladmandic/human (3.3.x) with its own models on the tfjs WASM backend, offline.
 *
 * What a TypeScript user would pick instead of StoreLens for face detection + description (embedding) + age +
 * gender + emotion. Set up the way /work/shared/INFRA.md measured it:
 * - the package `exports` map is broken for the WASM build, so the dist file is required by path;
 * - its model loader cannot read `file://` in that build, so `models/` is served over a loopback HTTP server;
 * - `wasmPath` is a filesystem folder (Emscripten reads the .wasm with fs in Node);
 * - images are decoded with sharp and fed as an int32 tensor4d [1, h, w, 3].
 *
 * Human is tuned for video; its frame cache and "skip N frames" reuse are disabled here so every call really runs
 * every model on the image it was given.
 */
import { existsSync, readFile } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { format } from 'node:util';
import sharp from 'sharp';
import type { Config, FaceResult, Human, Result } from '@vladmandic/human';
import { config } from '@storelens/config';

export interface PeerImageResult {
  file: string;
  faces: number;
  ms: number;
  genders: string[];
  ages: number[];
  emotions: string[];
}

export interface PeerRun {
  name: string /* '@vladmandic/human' */;
  version: string;
  backend: string;
  warmupMs: number;
  results: PeerImageResult[];
}

export interface HumanPeerOptions {
  /** Most faces reported per image (human's own default is 1). Default 20. */
  maxFaces?: number;
  /** Image for the one warm-up detection. Default: human's own `assets/samples.jpg` (a sheet of faces). */
  warmupFile?: string;
}

export interface HumanPeer {
  name: string;
  version: string;
  /** The tfjs backend actually in use: 'wasm'. */
  backend: string;
  /** tfjs version and the WASM features the backend found (multithread is false in Node: no worker threads). */
  details: { tfjs: string; simd: boolean; multithread: boolean };
  /** Model download from the loopback server + graph build, in ms. */
  loadMs: number;
  /** The one warm-up `analyze` call, in ms (first-run kernel set-up, not counted in results). */
  warmupMs: number;
  /** Decodes `file` and runs human.detect on it; `ms` is the whole call (decode + detect). Calls are serialised. */
  analyze(file: string): Promise<PeerImageResult>;
  /** tfjs engine memory: `numTensors` must stay flat across analyze calls. */
  memory(): { numTensors: number; numBytes: number };
  /** Stops the model server. Idempotent. Human/tfjs hold no handles, so the process can exit afterwards. */
  close(): Promise<void>;
}

/** The parts of tfjs (human.tf, typed `any` upstream) that this file uses. */
interface Tfjs {
  version: { tfjs?: string; 'tfjs-core'?: string };
  getBackend(): string;
  memory(): { numTensors: number; numBytes: number };
  tensor4d(values: Int32Array, shape: [number, number, number, number], dtype: 'int32'): { dispose(): void };
}

type HumanModule = typeof import('@vladmandic/human');

const PEER_NAME = '@vladmandic/human';
/** Models the face pipeline needs: detector, mesh, description (age/gender/embedding), emotion. */
const REQUIRED_MODELS = ['blazeface', 'facemesh', 'faceres', 'emotion'];

function paths() {
  const nm = path.join(config().root, 'node_modules');
  const humanDir = path.join(nm, '@vladmandic', 'human');
  return {
    humanDir,
    humanDist: path.join(humanDir, 'dist', 'human.node-wasm.js'),
    modelsDir: path.join(humanDir, 'models'),
    wasmDir: path.join(nm, '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep,
    defaultWarmup: path.join(humanDir, 'assets', 'samples.jpg'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Human logs through console.log (stdout) even with debug off (model load errors, backend warnings, input errors).
// The bench prints JSON on stdout, so while a peer call runs, console.log/info/debug calls that come from human's
// bundle are written to stderr instead. Other callers' console output is untouched.

let quietDepth = 0;
let saved: Pick<Console, 'log' | 'info' | 'debug'> | undefined;

async function stdoutToStderr<T>(humanDist: string, fn: () => Promise<T>): Promise<T> {
  if (quietDepth++ === 0) {
    saved = { log: console.log, info: console.info, debug: console.debug };
    const original = saved;
    const route =
      (orig: (...args: unknown[]) => void) =>
      (...args: unknown[]): void => {
        if (new Error().stack?.includes(humanDist)) process.stderr.write(format(...args) + '\n');
        else orig.apply(console, args);
      };
    console.log = route(original.log);
    console.info = route(original.info);
    console.debug = route(original.debug);
  }
  try {
    return await fn();
  } finally {
    if (--quietDepth === 0 && saved) {
      console.log = saved.log;
      console.info = saved.info;
      console.debug = saved.debug;
      saved = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Serves `dir` read-only on 127.0.0.1 at an ephemeral port. */
async function serveFolder(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(root, '.' + path.posix.normalize(rel));
    if (req.method !== 'GET' || !file.startsWith(root + path.sep)) {
      res.writeHead(req.method !== 'GET' ? 405 : 403).end();
      return;
    }
    readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        'content-length': data.length,
      });
      res.end(data);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // node's fetch keeps sockets alive; don't wait for them
      })),
  };
}

function humanConfig(modelBasePath: string, wasmPath: string, maxFaces: number): Partial<Config> {
  const noSkip = { skipFrames: 0, skipTime: 0 };
  return {
    backend: 'wasm',
    modelBasePath,
    wasmPath,
    wasmPlatformFetch: false,
    debug: false,
    async: true,
    warmup: 'none', // its Node warm-up needs tfjs-node to decode its sample; we warm up with a real analyze()
    cacheSensitivity: 0, // no "input barely changed, reuse last result"
    skipAllowed: false,
    validateModels: false,
    filter: { enabled: true, return: false }, // default input normalisation, no canvas returned
    face: {
      enabled: true,
      detector: { maxDetected: maxFaces, rotation: false, return: false, ...noSkip },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      description: { enabled: true, ...noSkip }, // faceres: age, gender, 1024-d embedding
      emotion: { enabled: true, ...noSkip },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

function topEmotion(face: FaceResult): string {
  const list = face.emotion ?? [];
  if (list.length === 0) return 'unknown';
  return list.reduce((a, b) => (b.score > a.score ? b : a)).emotion;
}

/** Loads human's face models once, warms up with one detection, and returns the peer. */
export async function createHumanPeer(options: HumanPeerOptions = {}): Promise<HumanPeer> {
  const p = paths();
  for (const [what, where] of [
    ['@vladmandic/human WASM build', p.humanDist],
    ['@vladmandic/human models', p.modelsDir],
    ['@tensorflow/tfjs-backend-wasm binaries', path.join(p.wasmDir, 'tfjs-backend-wasm-simd.wasm')],
  ] as const) {
    if (!existsSync(where)) throw new Error(`human peer: ${what} not found at ${where}`);
  }
  // A model that fails to load makes human throw from an un-awaited promise, and the WASM backend's Emscripten glue
  // rethrows unhandled rejections: the whole process dies. So check the files before human sees them.
  const absent = REQUIRED_MODELS.flatMap((m) => [`${m}.json`, `${m}.bin`]).filter(
    (f) => !existsSync(path.join(p.modelsDir, f)),
  );
  if (absent.length > 0) throw new Error(`human peer: model files missing in ${p.modelsDir}: ${absent.join(', ')}`);
  const warmupFile = options.warmupFile ?? p.defaultWarmup;
  const maxFaces = options.maxFaces ?? 20;

  const quiet = <T>(fn: () => Promise<T>) => stdoutToStderr(p.humanDist, fn);
  const server = await serveFolder(p.modelsDir);
  try {
    const mod = await quiet(async () => {
      // By path: the package's exports map has no valid entry for the WASM build.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(p.humanDist) as HumanModule;
    });
    const human: Human = new mod.Human(humanConfig(server.url, p.wasmDir, maxFaces));
    const tf = human.tf as Tfjs;

    const t0 = performance.now();
    await quiet(() => human.load()).catch((err: unknown) => {
      throw new Error(`human peer: model load from ${server.url} failed: ${String(err)}`);
    });
    const loadMs = performance.now() - t0;
    const backend = tf.getBackend();
    if (backend !== 'wasm') throw new Error(`human peer: backend is '${backend}', expected 'wasm'`);
    const loaded = human.models.loaded();
    const missing = REQUIRED_MODELS.filter((m) => !loaded.includes(m));
    if (missing.length > 0)
      throw new Error(`human peer: models failed to load: ${missing.join(', ')} (from ${server.url})`);

    let queue: Promise<unknown> = Promise.resolve();
    let closed = false;

    const detectFile = async (file: string): Promise<PeerImageResult> => {
      const t = performance.now();
      const { data, info } = await sharp(file)
        .rotate()
        .removeAlpha()
        .toColourspace('srgb') // greyscale/CMYK inputs still give 3 channels
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`human peer: ${file} decoded to ${info.channels} channels`);
      const input = tf.tensor4d(new Int32Array(data), [1, info.height, info.width, 3], 'int32');
      let result: Result;
      try {
        result = await quiet(() => human.detect(input as unknown as Parameters<Human['detect']>[0]));
      } finally {
        input.dispose();
      }
      for (const f of result.face) f.tensor?.dispose(); // none with detector.return=false; belt and braces
      const ms = performance.now() - t;
      if (result.error) throw new Error(`human peer: ${file}: ${result.error}`);
      const faces = [...result.face].sort((a, b) => a.box[0] - b.box[0]); // left to right, like the fixtures
      return {
        file,
        faces: faces.length,
        ms: Math.round(ms * 10) / 10,
        genders: faces.map((f) => f.gender ?? 'unknown'),
        ages: faces.map((f) => (typeof f.age === 'number' ? Math.round(f.age * 10) / 10 : NaN)),
        emotions: faces.map(topEmotion),
      };
    };

    const analyze = (file: string): Promise<PeerImageResult> => {
      if (closed) return Promise.reject(new Error('human peer: closed'));
      const run = queue.then(() => detectFile(file)); // human.detect is not re-entrant; time excludes queueing
      queue = run.catch(() => undefined);
      return run;
    };

    const w0 = performance.now();
    await analyze(warmupFile);
    const warmupMs = performance.now() - w0;

    return {
      name: PEER_NAME,
      version: human.version,
      backend,
      details: {
        tfjs: tf.version.tfjs ?? tf.version['tfjs-core'] ?? 'unknown',
        simd: Boolean(human.env.wasm.simd),
        multithread: Boolean(human.env.wasm.multithread),
      },
      loadMs: Math.round(loadMs),
      warmupMs: Math.round(warmupMs),
      analyze,
      memory: () => {
        const m = tf.memory();
        return { numTensors: m.numTensors, numBytes: m.numBytes };
      },
      close: async () => {
        closed = true;
        await queue;
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** Runs the peer over `files` once (after its warm-up) and closes it. */
export async function runHumanPeer(files: readonly string[], options?: HumanPeerOptions): Promise<PeerRun> {
  const peer = await createHumanPeer(options);
  try {
    const results: PeerImageResult[] = [];
    for (const file of files) results.push(await peer.analyze(file));
    return { name: peer.name, version: peer.version, backend: peer.backend, warmupMs: peer.warmupMs, results };
  } finally {
    await peer.close();
  }
}
