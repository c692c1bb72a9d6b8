/**
 * Each TF op the converter handles, as a one-op TF.js graph on random inputs: ONNX Runtime running the converted graph
 * must give what TF.js (4.22, CPU backend) gives for the same op.
 */
import * as tf from '@tensorflow/tfjs';
import { convertTfjsGraph, SUPPORTED_TF_OPS, type TfNode } from '@storelens/model-convert';
import { OnnxSession } from '../onnx/session';
import { attr, maxAbsDiff, random, runOnnx, tinyGraph, type ConstSpec } from './testing/run-onnx';

const META = { graphName: 'op', producerName: 'storelens-test', irVersion: 7, opset: 13, metadata: [] };

interface OpCase {
  name: string;
  input: number[];
  nodes: TfNode[];
  consts?: ConstSpec[];
  expected: (x: tf.Tensor, c: Record<string, tf.Tensor>) => tf.Tensor;
  /** positive inputs only (Sqrt, Rsqrt) */
  positive?: boolean;
}

const w = (name: string, shape: number[], seed: number): ConstSpec => ({
  name,
  shape,
  values: random(shape.reduce((a, b) => a * b, 1), seed),
});
const ints = (name: string, values: number[]): ConstSpec => ({ name, shape: [values.length], values, dtype: 'int32' });
const node = (op: string, input: string[], a: TfNode['attr'] = {}): TfNode => ({ name: 'y', op, input, attr: a });
const conv = (padding: string, s: number) => ({ strides: attr.ints([1, s, s, 1]), padding: attr.s(padding) });

const cases: OpCase[] = [
  {
    name: '_FusedConv2D (BiasAdd + Relu, SAME, stride 2)',
    input: [2, 9, 11, 3],
    consts: [w('f', [3, 3, 3, 5], 2), w('b', [5], 3)],
    nodes: [node('_FusedConv2D', ['x', 'f', 'b'], { ...conv('SAME', 2), fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: attr.i(1) })],
    expected: (x, c) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: c.f as tf.Tensor4D, strides: 2, pad: 'same', bias: c.b, activation: 'relu' }),
  },
  {
    name: 'Conv2D (VALID, stride 1, 5x5)',
    input: [1, 12, 10, 4],
    consts: [w('f', [5, 5, 4, 6], 4)],
    nodes: [node('Conv2D', ['x', 'f'], conv('VALID', 1))],
    expected: (x, c) => tf.conv2d(x as tf.Tensor4D, c.f as tf.Tensor4D, 1, 'valid'),
  },
  {
    name: '_FusedConv2D (BiasAdd + Relu6, 1x1)',
    input: [1, 6, 6, 8],
    consts: [w('f', [1, 1, 8, 4], 5), w('b', [4], 6)],
    nodes: [node('_FusedConv2D', ['x', 'f', 'b'], { ...conv('SAME', 1), fused_ops: attr.strs(['BiasAdd', 'Relu6']), num_args: attr.i(1) })],
    expected: (x, c) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: c.f as tf.Tensor4D, strides: 1, pad: 'same', bias: c.b, activation: 'relu6' }),
  },
  {
    name: 'DepthwiseConv2dNative (SAME, stride 2, multiplier 2)',
    input: [1, 10, 9, 3],
    consts: [w('f', [3, 3, 3, 2], 7)],
    nodes: [node('DepthwiseConv2dNative', ['x', 'f'], conv('SAME', 2))],
    expected: (x, c) => tf.depthwiseConv2d(x as tf.Tensor4D, c.f as tf.Tensor4D, 2, 'same'),
  },
  {
    name: 'FusedDepthwiseConv2dNative (BiasAdd + Relu)',
    input: [1, 8, 8, 4],
    consts: [w('f', [3, 3, 4, 1], 8), w('b', [4], 9)],
    nodes: [
      node('FusedDepthwiseConv2dNative', ['x', 'f', 'b'], { ...conv('SAME', 1), fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: attr.i(1) }),
    ],
    expected: (x, c) => tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter: c.f as tf.Tensor4D, strides: 1, pad: 'same', bias: c.b, activation: 'relu' }),
  },
  {
    name: '_FusedMatMul (BiasAdd + Relu, transpose_b)',
    input: [3, 16],
    consts: [w('m', [10, 16], 10), w('b', [10], 11)],
    nodes: [node('_FusedMatMul', ['x', 'm', 'b'], { transpose_b: attr.b(true), fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: attr.i(1) })],
    expected: (x, c) => tf.fused.matMul({ a: x as tf.Tensor2D, b: c.m as tf.Tensor2D, transposeB: true, bias: c.b, activation: 'relu' }),
  },
  {
    name: 'MatMul',
    input: [4, 7],
    consts: [w('m', [7, 5], 12)],
    nodes: [node('MatMul', ['x', 'm'])],
    expected: (x, c) => tf.matMul(x as tf.Tensor2D, c.m as tf.Tensor2D),
  },
  {
    name: 'MaxPool (SAME, 3x3, stride 2)',
    input: [1, 9, 8, 3],
    nodes: [node('MaxPool', ['x'], { ksize: attr.ints([1, 3, 3, 1]), ...conv('SAME', 2) })],
    expected: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'),
  },
  {
    name: 'AvgPool (SAME: padding not counted)',
    input: [1, 7, 7, 2],
    nodes: [node('AvgPool', ['x'], { ksize: attr.ints([1, 3, 3, 1]), ...conv('SAME', 2) })],
    expected: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'),
  },
  {
    name: 'AvgPool (VALID, 2x2)',
    input: [1, 6, 6, 2],
    nodes: [node('AvgPool', ['x'], { ksize: attr.ints([1, 2, 2, 1]), ...conv('VALID', 2) })],
    expected: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'),
  },
  {
    name: 'Mean (over H and W)',
    input: [2, 5, 4, 3],
    consts: [ints('a', [1, 2])],
    nodes: [node('Mean', ['x', 'a'], { keep_dims: attr.b(false) })],
    expected: (x) => tf.mean(x, [1, 2]),
  },
  {
    name: 'Mean (keep_dims)',
    input: [2, 5, 4, 3],
    consts: [ints('a', [-1])],
    nodes: [node('Mean', ['x', 'a'], { keep_dims: attr.b(true) })],
    expected: (x) => tf.mean(x, -1, true),
  },
  { name: 'Softmax', input: [3, 7], nodes: [node('Softmax', ['x'])], expected: (x) => tf.softmax(x) },
  { name: 'Sigmoid', input: [2, 9], nodes: [node('Sigmoid', ['x'])], expected: (x) => tf.sigmoid(x) },
  { name: 'Relu', input: [2, 9], nodes: [node('Relu', ['x'])], expected: (x) => tf.relu(x) },
  {
    name: 'Relu6',
    input: [2, 9],
    consts: [{ name: 'k', shape: [], values: [8] }],
    nodes: [{ name: 'm', op: 'Mul', input: ['x', 'k'] }, node('Relu6', ['m'])],
    expected: (x, c) => tf.relu6(tf.mul(x, c.k)),
  },
  { name: 'Tanh', input: [2, 9], nodes: [node('Tanh', ['x'])], expected: (x) => tf.tanh(x) },
  { name: 'Elu', input: [2, 9], nodes: [node('Elu', ['x'])], expected: (x) => tf.elu(x) },
  {
    name: 'LeakyRelu',
    input: [2, 9],
    nodes: [node('LeakyRelu', ['x'], { alpha: attr.f(0.1) })],
    expected: (x) => tf.leakyRelu(x, 0.1),
  },
  {
    name: 'Prelu',
    input: [1, 3, 3, 4],
    consts: [w('p', [4], 13)],
    nodes: [node('Prelu', ['x', 'p'])],
    expected: (x, c) => tf.prelu(x, c.p),
  },
  {
    name: 'Add / AddV2 / BiasAdd (broadcast over channels)',
    input: [1, 3, 3, 4],
    consts: [w('c', [4], 14)],
    nodes: [
      { name: 'a', op: 'Add', input: ['x', 'c'] },
      { name: 'b', op: 'AddV2', input: ['a', 'c'] },
      node('BiasAdd', ['b', 'c']),
    ],
    expected: (x, c) => tf.add(tf.add(tf.add(x, c.c), c.c), c.c),
  },
  {
    name: 'Mul / Sub / RealDiv',
    input: [2, 6],
    consts: [w('c', [6], 15), { name: 'd', shape: [], values: [2.5] }],
    nodes: [
      { name: 'a', op: 'Mul', input: ['x', 'c'] },
      { name: 'b', op: 'Sub', input: ['a', 'x'] },
      node('RealDiv', ['b', 'd']),
    ],
    expected: (x, c) => tf.div(tf.sub(tf.mul(x, c.c), x), c.d),
  },
  {
    name: 'Maximum / Minimum / Neg / Abs / Exp / Square',
    input: [2, 6],
    consts: [w('c', [6], 16)],
    nodes: [
      { name: 'a', op: 'Maximum', input: ['x', 'c'] },
      { name: 'b', op: 'Minimum', input: ['a', 'x'] },
      { name: 'n', op: 'Neg', input: ['b'] },
      { name: 'abs', op: 'Abs', input: ['n'] },
      { name: 'e', op: 'Exp', input: ['abs'] },
      node('Square', ['e']),
    ],
    expected: (x, c) => tf.square(tf.exp(tf.abs(tf.neg(tf.minimum(tf.maximum(x, c.c), x))))),
  },
  {
    name: 'Sqrt / Rsqrt',
    input: [3, 5],
    positive: true,
    nodes: [{ name: 's', op: 'Sqrt', input: ['x'] }, node('Rsqrt', ['s'])],
    expected: (x) => tf.rsqrt(tf.sqrt(x)),
  },
  {
    name: 'FusedBatchNormV3',
    input: [1, 4, 4, 3],
    consts: [w('g', [3], 17), w('be', [3], 18), w('m', [3], 19), { name: 'v', shape: [3], values: [0.5, 1.5, 2] }],
    nodes: [node('FusedBatchNormV3', ['x', 'g', 'be', 'm', 'v'], { epsilon: attr.f(0.001) })],
    expected: (x, c) => tf.batchNorm(x, c.m, c.v, c.be, c.g, 0.001),
  },
  {
    name: 'Pad / PadV2 / MirrorPad',
    input: [1, 4, 5, 2],
    consts: [
      ints('p', [0, 0, 1, 2, 2, 1, 0, 0]),
      { name: 'k', shape: [], values: [0.75] },
    ],
    nodes: [
      { name: 'a', op: 'Pad', input: ['x', 'p'] },
      { name: 'b', op: 'PadV2', input: ['a', 'p', 'k'] },
      node('MirrorPad', ['b', 'p'], { mode: attr.s('REFLECT') }),
    ],
    expected: (x) => {
      const p: [number, number][] = [[0, 0], [1, 2], [2, 1], [0, 0]];
      return tf.mirrorPad(tf.pad(tf.pad(x, p), p, 0.75), p, 'reflect');
    },
  },
  {
    name: 'Reshape / ExpandDims / Squeeze',
    input: [2, 3, 4],
    consts: [ints('s', [2, -1]), ints('e', [1])],
    nodes: [
      { name: 'r', op: 'Reshape', input: ['x', 's'] },
      { name: 'u', op: 'ExpandDims', input: ['r', 'e'] },
      node('Squeeze', ['u'], { squeeze_dims: attr.ints([1]) }),
    ],
    expected: (x) => tf.squeeze(tf.expandDims(tf.reshape(x, [2, -1]), 1), [1]),
  },
  {
    name: 'ConcatV2 / Transpose',
    input: [2, 3, 4],
    consts: [w('c', [2, 3, 2], 20), ints('axis', [2]), ints('perm', [2, 0, 1])],
    nodes: [{ name: 'cat', op: 'ConcatV2', input: ['x', 'c', 'axis'] }, node('Transpose', ['cat', 'perm'])],
    expected: (x, c) => tf.transpose(tf.concat([x, c.c], 2), [2, 0, 1]),
  },
];

describe('TF.js graph ops converted to ONNX match TF.js', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true); // no 'install tfjs-node' banner
    await tf.setBackend('cpu');
  });
  afterAll(() => OnnxSession.closeAll());

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const size = c.input.reduce((a, b) => a * b, 1);
    const data = random(size, 99).map((v) => (c.positive ? Math.abs(v) + 0.1 : v * 3));
    const placeholder: TfNode = { name: 'x', op: 'Placeholder', attr: { shape: attr.shape(c.input) } };
    const { model, shards } = tinyGraph([placeholder, ...c.nodes], c.consts ?? []);
    const bytes = convertTfjsGraph(model, shards, META, ['y']);
    const out = await runOnnx(bytes, { x: { data: Float32Array.from(data), dims: c.input } });

    const consts = Object.fromEntries(
      (c.consts ?? []).map((k) => [k.name, k.dtype === 'int32' ? tf.tensor(Array.from(k.values), k.shape, 'int32') : tf.tensor(Array.from(k.values), k.shape)]),
    );
    const expected = c.expected(tf.tensor(Array.from(data), c.input), consts);
    expect(Array.from(out['y'].dims)).toEqual(expected.shape);
    expect(maxAbsDiff(out['y'].data, expected.dataSync())).toBeLessThan(1e-4);
  });

  it('covers every op it claims, and names the op it cannot convert', () => {
    const tested = new Set(cases.flatMap((c) => c.nodes.map((n) => n.op)));
    const structural = ['Placeholder', 'Const', 'Identity', 'StopGradient', 'NoOp', 'Cast', 'Sum', 'Max', 'FusedBatchNorm'];
    expect(SUPPORTED_TF_OPS.filter((op) => !tested.has(op) && !structural.includes(op))).toEqual([]);
    const { model, shards } = tinyGraph(
      [{ name: 'x', op: 'Placeholder', attr: { shape: attr.shape([1, 4]) } }, node('Erfinv', ['x'])],
      [],
    );
    expect(() => convertTfjsGraph(model, shards, META)).toThrow('TF op Erfinv (node y) has no ONNX conversion');
  });
});
