/**
 * Building a model from TF.js weights published in an npm package: find the installed package, check its version
 * and every file's sha256, decode the weights and write the ONNX graph. Pure (no ONNX Runtime), deterministic bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildFaceApiNet, type FaceApiNet } from './faceapi/nets';
import type { ModelMeta } from './onnx-graph';
import { readWeightsManifest } from './tfjs-weights';

export interface SourceFile {
  /** path inside the package */
  path: string;
  sha256: string;
}

/** A manifest entry's `source`: how to build the ONNX file when it is found nowhere else. */
export interface NpmTfjsSource {
  kind: 'npm-tfjs-weights';
  package: string;
  version: string;
  /** which network definition turns the weights into a graph */
  net: FaceApiNet;
  /** the weights manifest first, then its shards */
  files: SourceFile[];
  /** the ONNX graph's name */
  graphName: string;
  /** written into the model's metadata: what the input is, what the outputs mean, the licence */
  describe: { input: string; outputs: string; licence: string };
}

export class ModelSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSourceError';
  }
}

/** The installed package's folder, searched from `searchFrom` the way Node resolves modules. */
export function packageDir(pkg: string, searchFrom: string): string {
  const paths: string[] = [];
  for (let dir = path.resolve(searchFrom); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', pkg);
    paths.push(candidate);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new ModelSourceError(`npm package ${pkg} is not installed (looked in ${paths.slice(0, 3).join(', ')}, …)`);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Builds the ONNX bytes described by `source`; every source file must match its sha256. */
export function buildFromNpmSource(source: NpmTfjsSource, searchFrom: string): Uint8Array {
  const dir = packageDir(source.package, searchFrom);
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== source.version) {
    throw new ModelSourceError(`npm package ${source.package} is ${version}, the model needs ${source.version}`);
  }
  for (const f of source.files) {
    const file = path.join(dir, f.path);
    if (!existsSync(file)) throw new ModelSourceError(`${source.package}@${version} has no ${f.path}`);
    const digest = sha256(readFileSync(file));
    if (digest !== f.sha256) {
      throw new ModelSourceError(
        `${source.package}@${version} ${f.path}: sha256 ${digest.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…`,
      );
    }
  }
  const weights = readWeightsManifest(path.join(dir, source.files[0].path));
  const meta: ModelMeta = {
    graphName: source.graphName,
    // The producer name the reference files in the assets folder carry, kept so built bytes equal theirs.
    producerName: 'faceapi2onnx-scratch',
    irVersion: 7,
    opset: 13,
    metadata: [
      [
        'source',
        `npm ${source.package}@${source.version} package/${source.files[0].path}, ${source.files
          .slice(1)
          .map((f) => path.basename(f.path))
          .join(', ')}`,
      ],
      ['source_sha256', source.files.map((f) => `${path.basename(f.path)}=${f.sha256}`).join(', ')],
      ['input', source.describe.input],
      ['outputs', source.describe.outputs],
      ['licence', source.describe.licence],
    ],
  };
  return buildFaceApiNet(source.net, weights, meta);
}
