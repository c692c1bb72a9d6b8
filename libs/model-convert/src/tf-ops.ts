/**
 * TensorFlow ops written as ONNX nodes. Activations are kept NCHW inside the graph (ONNX Conv's layout); TF weights
 * (HWIO filters, [H,W,C,multiplier] depthwise filters) are rearranged here, once, at conversion time.
 * TF 'same' padding is ONNX `SAME_UPPER` (the extra pixel goes at the end), and TF's average pooling ignores padding,
 * as ONNX's does by default (count_include_pad = 0).
 */
import type { OnnxGraph, Tensor } from './onnx-graph';

export type Padding = 'same' | 'valid';

/** [kh, kw, in, out] (TF HWIO) -> [out, in, kh, kw] (ONNX OIHW). */
export function hwioToOihw(f: Tensor): Tensor {
  const [kh, kw, ci, co] = f.shape;
  const out = new Float32Array(f.data.length);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let h = 0; h < kh; h++)
        for (let w = 0; w < kw; w++) out[((o * ci + i) * kh + h) * kw + w] = f.data[((h * kw + w) * ci + i) * co + o];
  return { shape: [co, ci, kh, kw], data: out };
}

/** [kh, kw, C, m] (TF depthwise) -> [C*m, 1, kh, kw] (ONNX grouped Conv, group = C). */
export function depthwiseToOihw(f: Tensor): Tensor {
  const [kh, kw, c, m] = f.shape;
  const out = new Float32Array(f.data.length);
  for (let ch = 0; ch < c; ch++)
    for (let j = 0; j < m; j++)
      for (let h = 0; h < kh; h++)
        for (let w = 0; w < kw; w++) out[((ch * m + j) * kh + h) * kw + w] = f.data[((h * kw + w) * c + ch) * m + j];
  return { shape: [c * m, 1, kh, kw], data: out };
}

function padAttrs(padding: Padding): Record<string, string> {
  return padding === 'same' ? { auto_pad: 'SAME_UPPER' } : {};
}

const is1x1 = (f: Tensor) => f.shape[0] === 1 && f.shape[1] === 1;

/**
 * tf.conv2d (+ bias). A stride-1 1x1 conv carries no attributes (padding cannot matter), matching the shipped
 * face-api files byte for byte.
 */
export function conv2d(
  g: OnnxGraph,
  x: string,
  filter: Tensor,
  bias: Tensor | undefined,
  strides: [number, number],
  padding: Padding,
  dilations: [number, number] = [1, 1],
): string {
  const w = g.constant(hwioToOihw(filter));
  const inputs = bias ? [x, w, g.constant(bias)] : [x, w];
  const plain = is1x1(filter) && strides[0] === 1 && strides[1] === 1;
  const attrs: Record<string, number[] | string> = plain ? {} : { ...padAttrs(padding), strides };
  if (dilations[0] !== 1 || dilations[1] !== 1) attrs['dilations'] = dilations;
  return g.node('Conv', inputs, attrs);
}

/** tf.depthwiseConv2d (+ bias), as a grouped Conv. */
export function depthwiseConv2d(
  g: OnnxGraph,
  x: string,
  filter: Tensor,
  bias: Tensor | undefined,
  strides: [number, number],
  padding: Padding,
  dilations: [number, number] = [1, 1],
): string {
  const w = g.constant(depthwiseToOihw(filter));
  const inputs = bias ? [x, w, g.constant(bias)] : [x, w];
  const attrs: Record<string, number | number[] | string> = { ...padAttrs(padding), group: filter.shape[2], strides };
  if (dilations[0] !== 1 || dilations[1] !== 1) attrs['dilations'] = dilations;
  return g.node('Conv', inputs, attrs);
}

/** tf.separableConv2d + bias: depthwise then pointwise; the bias goes on the pointwise conv. */
export function separableConv2d(
  g: OnnxGraph,
  x: string,
  depthwise: Tensor,
  pointwise: Tensor,
  bias: Tensor | undefined,
  strides: [number, number],
  padding: Padding,
): string {
  const dw = depthwiseConv2d(g, x, depthwise, undefined, strides, padding);
  return conv2d(g, dw, pointwise, bias, [1, 1], 'valid');
}

export function maxPool(g: OnnxGraph, x: string, size: [number, number], strides: [number, number], padding: Padding) {
  return g.node('MaxPool', [x], { ...padAttrs(padding), kernel_shape: size, strides });
}

export function avgPool(g: OnnxGraph, x: string, size: [number, number], strides: [number, number], padding: Padding) {
  return g.node('AveragePool', [x], { ...padAttrs(padding), kernel_shape: size, strides });
}

/** NHWC input -> NCHW, the layout every op here works in. */
export function nhwcToNchw(g: OnnxGraph, x: string): string {
  return g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
}

export function nchwToNhwc(g: OnnxGraph, x: string): string {
  return g.node('Transpose', [x], { perm: [0, 2, 3, 1] });
}

/** A per-channel constant shaped to broadcast over NCHW: [1, C, 1, 1]. */
export function channelConstant(values: Float32Array | number[]): Tensor {
  const data = Float32Array.from(values);
  return { shape: [1, data.length, 1, 1], data };
}

export function scalar(v: number): Tensor {
  return { shape: [], data: Float32Array.of(v) };
}

/** tf.matMul(x, w) + bias for a [N, K] input and a [K, M] weight. */
export function dense(g: OnnxGraph, x: string, weights: Tensor, bias: Tensor | undefined, outputName?: string): string {
  const mm = g.node('MatMul', [x, g.constant(weights)], {}, bias ? undefined : outputName);
  return bias ? g.node('Add', [mm, g.constant(bias)], {}, outputName) : mm;
}
