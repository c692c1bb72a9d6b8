/** Test helpers: run converted bytes through ONNX Runtime (via @storelens/inference) and build tiny TF.js graphs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TfjsGraphModel, TfNode, WeightSpec } from '@storelens/model-convert';
import { OnnxSession, type TensorOutputs } from '../../onnx/session';

const dir = mkdtempSync(path.join(tmpdir(), 'model-convert-'));
let n = 0;

export async function runOnnx(
  bytes: Uint8Array,
  inputs: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<TensorOutputs> {
  const file = path.join(dir, `m${++n}.onnx`);
  writeFileSync(file, bytes);
  const session = await OnnxSession.open(file, { threads: 1 });
  return session.run(inputs);
}

export interface ConstSpec {
  name: string;
  shape: number[];
  values: ArrayLike<number>;
  dtype?: 'float32' | 'int32';
}

/** A TF.js graph model holding `nodes`, with `consts` as Const nodes whose values live in one float32/int32 shard. */
export function tinyGraph(nodes: TfNode[], consts: ConstSpec[]): { model: TfjsGraphModel; shards: Buffer[][] } {
  const weights: WeightSpec[] = [];
  const parts: Buffer[] = [];
  for (const c of consts) {
    const dtype = c.dtype ?? 'float32';
    weights.push({ name: c.name, shape: c.shape, dtype });
    const arr = dtype === 'int32' ? Int32Array.from(c.values) : Float32Array.from(c.values);
    parts.push(Buffer.from(arr.buffer));
  }
  const constNodes: TfNode[] = consts.map((c) => ({
    name: c.name,
    op: 'Const',
    attr: { dtype: { type: c.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } },
  }));
  return {
    model: { modelTopology: { node: [...constNodes, ...nodes] }, weightsManifest: [{ paths: ['w.bin'], weights }] },
    shards: [[Buffer.concat(parts)]],
  };
}

/** Attribute helpers in TF.js's JSON form. */
export const attr = {
  s: (v: string) => ({ s: Buffer.from(v).toString('base64') }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strs: (v: string[]) => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } }),
  b: (v: boolean) => ({ b: v }),
  f: (v: number) => ({ f: v }),
  i: (v: number) => ({ i: String(v) }),
  shape: (dims: number[]) => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

/** Deterministic pseudo-random values in [-1, 1) (a fixed seed keeps failures reproducible). */
export function random(size: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
