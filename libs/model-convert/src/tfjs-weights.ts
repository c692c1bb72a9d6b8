/**
 * TF.js weights: a weights manifest (groups of shard paths and weight specs) and its binary shards, decoded into
 * named float32 tensors exactly as TF.js's `tf.io.decodeWeights` does (quantised values dequantised in double
 * precision, then stored as float32).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from './onnx-graph';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

export type WeightMap = Map<string, Tensor>;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Decodes one group's concatenated shard bytes into tensors, in manifest order. */
export function decodeWeights(buffer: Buffer, specs: WeightSpec[]): WeightMap {
  const out: WeightMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const width = BYTES[q ? q.dtype : spec.dtype];
    if (!width) throw new Error(`weight ${spec.name}: unsupported dtype ${q ? q.dtype : spec.dtype}`);
    const bytes = size * width;
    if (offset + bytes > buffer.length) throw new Error(`weight ${spec.name}: shards end before its ${bytes} bytes`);
    const view = new DataView(buffer.buffer, buffer.byteOffset + offset, bytes);
    const data = new Float32Array(size);
    if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < size; i++) {
        const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
        data[i] = v * scale + min;
      }
    } else if (q?.dtype === 'float16') {
      for (let i = 0; i < size; i++) data[i] = halfToFloat(view.getUint16(i * 2, true));
    } else if (spec.dtype === 'float32') {
      for (let i = 0; i < size; i++) data[i] = view.getFloat32(i * 4, true);
    } else if (spec.dtype === 'int32') {
      for (let i = 0; i < size; i++) data[i] = view.getInt32(i * 4, true);
    } else {
      for (let i = 0; i < size; i++) data[i] = view.getUint8(i);
    }
    out.set(spec.name, { shape: spec.shape, data });
    offset += bytes;
  }
  if (offset !== buffer.length) throw new Error(`shards hold ${buffer.length} bytes, the manifest describes ${offset}`);
  return out;
}

/** Reads a weights manifest file and its shards (paths relative to the manifest's folder). */
export function readWeightsManifest(manifestFile: string): WeightMap {
  const groups = JSON.parse(readFileSync(manifestFile, 'utf8')) as WeightsManifestGroup[];
  return readWeightGroups(groups, path.dirname(manifestFile));
}

export function readWeightGroups(groups: WeightsManifestGroup[], dir: string): WeightMap {
  const out: WeightMap = new Map();
  for (const g of groups) {
    const buffer = Buffer.concat(g.paths.map((p) => readFileSync(path.join(dir, p))));
    for (const [k, v] of decodeWeights(buffer, g.weights)) out.set(k, v);
  }
  return out;
}

/** The named weight, or an error naming what the weights hold. */
export function weight(map: WeightMap, name: string): Tensor {
  const t = map.get(name);
  if (!t) throw new Error(`weights have no '${name}' (they hold ${map.size} tensors, e.g. ${[...map.keys()].slice(0, 3).join(', ')})`);
  return t;
}
