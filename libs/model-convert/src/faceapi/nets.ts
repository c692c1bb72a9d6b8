/**
 * face-api's networks as ONNX graphs. The package ships only weights; the networks are defined by its TypeScript
 * source (`src/xception/TinyXception.ts` + `src/ageGenderNet/AgeGenderNet.ts`,
 * `src/faceFeatureExtractor/FaceFeatureExtractor.ts` + `src/faceExpressionNet/FaceExpressionNet.ts`,
 * `src/faceRecognitionNet/FaceRecognitionNet.ts`), which these functions follow op for op.
 *
 * Every graph takes `input` [N, H, W, 3] float32 NHWC RGB 0-255 and applies face-api's own normalisation inside:
 * (x - [122.782, 117.001, 104.298]) / 255.
 */
import { OnnxGraph, type ModelMeta, type Tensor } from '../onnx-graph';
import {
  avgPool,
  channelConstant,
  conv2d,
  dense,
  maxPool,
  nhwcToNchw,
  scalar,
  separableConv2d,
} from '../tf-ops';
import { weight, type WeightMap } from '../tfjs-weights';

export type FaceApiNet = 'ageGender' | 'expression' | 'faceRecognition';

const MEAN_RGB = [122.782, 117.001, 104.298];

function normalisedInput(g: OnnxGraph, size: number): string {
  const x = nhwcToNchw(g, g.input({ name: 'input', shape: ['N', size, size, 3] }));
  const centred = g.node('Sub', [x, g.constant(channelConstant(MEAN_RGB))]);
  return g.node('Div', [centred, g.constant(scalar(255))]);
}

function sepConv(g: OnnxGraph, w: WeightMap, x: string, prefix: string, strides: [number, number]): string {
  return separableConv2d(
    g,
    x,
    weight(w, `${prefix}/depthwise_filter`),
    weight(w, `${prefix}/pointwise_filter`),
    weight(w, `${prefix}/bias`),
    strides,
    'same',
  );
}

function plainConv(g: OnnxGraph, w: WeightMap, x: string, prefix: string, strides: [number, number]): string {
  return conv2d(g, x, weight(w, `${prefix}/filters`), weight(w, `${prefix}/bias`), strides, 'same');
}

// TinyXception (AgeGenderNet's feature extractor, 2 main blocks)
function reductionBlock(g: OnnxGraph, w: WeightMap, x: string, prefix: string, activateInput: boolean): string {
  let out = activateInput ? g.node('Relu', [x]) : x;
  out = sepConv(g, w, out, `${prefix}/separable_conv0`, [1, 1]);
  out = sepConv(g, w, g.node('Relu', [out]), `${prefix}/separable_conv1`, [1, 1]);
  out = maxPool(g, out, [3, 3], [2, 2], 'same');
  return g.node('Add', [out, plainConv(g, w, x, `${prefix}/expansion_conv`, [2, 2])]);
}

function mainBlock(g: OnnxGraph, w: WeightMap, x: string, prefix: string): string {
  let out = sepConv(g, w, g.node('Relu', [x]), `${prefix}/separable_conv0`, [1, 1]);
  out = sepConv(g, w, g.node('Relu', [out]), `${prefix}/separable_conv1`, [1, 1]);
  out = sepConv(g, w, g.node('Relu', [out]), `${prefix}/separable_conv2`, [1, 1]);
  return g.node('Add', [out, x]);
}

function tinyXception(g: OnnxGraph, w: WeightMap, x: string, mainBlocks: number): string {
  let out = g.node('Relu', [plainConv(g, w, x, 'entry_flow/conv_in', [2, 2])]);
  out = reductionBlock(g, w, out, 'entry_flow/reduction_block_0', false);
  out = reductionBlock(g, w, out, 'entry_flow/reduction_block_1', true);
  for (let i = 0; i < mainBlocks; i++) out = mainBlock(g, w, out, `middle_flow/main_block_${i}`);
  out = reductionBlock(g, w, out, 'exit_flow/reduction_block', true);
  return g.node('Relu', [sepConv(g, w, out, 'exit_flow/separable_conv', [1, 1])]);
}

// FaceFeatureExtractor (FaceExpressionNet's feature extractor): four dense blocks
function denseBlock4(g: OnnxGraph, w: WeightMap, x: string, prefix: string, isFirstLayer: boolean): string {
  const out1 = g.node('Relu', [
    isFirstLayer ? plainConv(g, w, x, `${prefix}/conv0`, [2, 2]) : sepConv(g, w, x, `${prefix}/conv0`, [2, 2]),
  ]);
  const out2 = sepConv(g, w, out1, `${prefix}/conv1`, [1, 1]);
  const in3 = g.node('Relu', [g.node('Add', [out1, out2])]);
  const out3 = sepConv(g, w, in3, `${prefix}/conv2`, [1, 1]);
  const in4 = g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, out3])])]);
  const out4 = sepConv(g, w, in4, `${prefix}/conv3`, [1, 1]);
  return g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, g.node('Add', [out3, out4])])])]);
}

function pooledFeatures(g: OnnxGraph, x: string): string {
  return g.node('Flatten', [avgPool(g, x, [7, 7], [2, 2], 'valid')], { axis: 1 });
}

/** AgeGenderNet: `age` [N,1] years, `gender` [N,2] softmax [p(male), p(female)]. */
export function buildAgeGender(g: OnnxGraph, w: WeightMap): void {
  const pooled = pooledFeatures(g, tinyXception(g, w, normalisedInput(g, 112), 2));
  const age = dense(g, pooled, weight(w, 'fc/age/weights'), weight(w, 'fc/age/bias'));
  g.node('Flatten', [age], { axis: 1 }, 'age');
  const gender = dense(g, pooled, weight(w, 'fc/gender/weights'), weight(w, 'fc/gender/bias'));
  g.node('Softmax', [gender], { axis: 1 }, 'gender');
  g.output({ name: 'age', shape: ['N', 1] });
  g.output({ name: 'gender', shape: ['N', 2] });
}

/** FaceExpressionNet: `expressions` [N,7] softmax [neutral, happy, sad, angry, fearful, disgusted, surprised]. */
export function buildExpression(g: OnnxGraph, w: WeightMap): void {
  let out = normalisedInput(g, 112);
  out = denseBlock4(g, w, out, 'dense0', true);
  out = denseBlock4(g, w, out, 'dense1', false);
  out = denseBlock4(g, w, out, 'dense2', false);
  out = denseBlock4(g, w, out, 'dense3', false);
  const logits = dense(g, pooledFeatures(g, out), weight(w, 'fc/weights'), weight(w, 'fc/bias'));
  g.node('Softmax', [logits], { axis: 1 }, 'expressions');
  g.output({ name: 'expressions', shape: ['N', 7] });
}

// FaceRecognitionNet (dlib's ResNet-34-like metric network)
/**
 * conv + bias followed by face-api's scale layer (x * weights + biases), folded into the conv: (w*s, b*s + beta).
 * Folding changes results only by float rounding (~1e-7 relative) and saves two ops per conv.
 */
function convScale(
  g: OnnxGraph,
  w: WeightMap,
  x: string,
  prefix: string,
  strides: [number, number],
  padding: 'same' | 'valid',
  relu: boolean,
): string {
  const filters = weight(w, `${prefix}/conv/filters`);
  const bias = weight(w, `${prefix}/conv/bias`);
  const s = weight(w, `${prefix}/scale/weights`).data;
  const beta = weight(w, `${prefix}/scale/biases`).data;
  const co = filters.shape[3];
  const f = new Float32Array(filters.data.length);
  for (let i = 0; i < f.length; i++) f[i] = filters.data[i] * s[i % co];
  const b = new Float32Array(co);
  for (let o = 0; o < co; o++) b[o] = bias.data[o] * s[o] + beta[o];
  const out = conv2d(g, x, { shape: filters.shape, data: f }, { shape: [co], data: b }, strides, padding);
  return relu ? g.node('Relu', [out]) : out;
}

function residual(g: OnnxGraph, w: WeightMap, x: string, prefix: string): string {
  const out = convScale(g, w, x, `${prefix}/conv1`, [1, 1], 'same', true);
  const out2 = convScale(g, w, out, `${prefix}/conv2`, [1, 1], 'same', false);
  return g.node('Relu', [g.node('Add', [out2, x])]);
}

/**
 * face-api's residualDown: the shortcut is a 2x2 average pool, zero-padded in channels when the block widens; when
 * the strided 'valid' conv comes out one pixel smaller than the pool, it is zero-padded at the bottom and right.
 */
function residualDown(
  g: OnnxGraph,
  w: WeightMap,
  x: string,
  prefix: string,
  inSize: number,
  inChannels: number,
): { out: string; size: number; channels: number } {
  const channels = weight(w, `${prefix}/conv1/conv/filters`).shape[3];
  let out = convScale(g, w, x, `${prefix}/conv1`, [2, 2], 'valid', true);
  out = convScale(g, w, out, `${prefix}/conv2`, [1, 1], 'same', false);
  const convSize = Math.floor((inSize - 3) / 2) + 1;
  const poolSize = Math.floor(inSize / 2);
  if (convSize !== poolSize) {
    const d = poolSize - convSize;
    out = g.node('Pad', [out, g.int64Constant([0, 0, 0, 0, 0, 0, d, d])]);
  }
  let pooled = avgPool(g, x, [2, 2], [2, 2], 'valid');
  if (channels !== inChannels) {
    pooled = g.node('Pad', [pooled, g.int64Constant([0, 0, 0, 0, 0, channels - inChannels, 0, 0])]);
  }
  return { out: g.node('Relu', [g.node('Add', [pooled, out])]), size: poolSize, channels };
}

/** FaceRecognitionNet: `descriptor` [N,128] (not normalised; face-api compares by Euclidean distance). */
export function buildFaceRecognition(g: OnnxGraph, w: WeightMap): void {
  const SIZE = 150;
  let out = convScale(g, w, normalisedInput(g, SIZE), 'conv32_down', [2, 2], 'valid', true);
  let size = Math.floor((SIZE - 7) / 2) + 1;
  out = maxPool(g, out, [3, 3], [2, 2], 'valid');
  size = Math.floor((size - 3) / 2) + 1;
  let channels = 32;
  const stage = (down: string, blocks: string[]) => {
    const r = residualDown(g, w, out, down, size, channels);
    ({ out, size, channels } = r);
    for (const b of blocks) out = residual(g, w, out, b);
  };
  for (const b of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(g, w, out, b);
  stage('conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']);
  stage('conv128_down', ['conv128_1', 'conv128_2']);
  stage('conv256_down', ['conv256_1', 'conv256_2']);
  stage('conv256_down_out', []);
  const mean = g.node('ReduceMean', [out], { axes: [2, 3], keepdims: 0 });
  dense(g, mean, weight(w, 'fc'), undefined, 'descriptor');
  g.output({ name: 'descriptor', shape: ['N', 128] });
}

const BUILDERS: Record<FaceApiNet, (g: OnnxGraph, w: WeightMap) => void> = {
  ageGender: buildAgeGender,
  expression: buildExpression,
  faceRecognition: buildFaceRecognition,
};

/** The ONNX bytes of a face-api network built from its weights. */
export function buildFaceApiNet(net: FaceApiNet, weights: WeightMap, meta: ModelMeta): Uint8Array {
  const g = new OnnxGraph();
  BUILDERS[net](g, weights);
  return g.serialize(meta);
}

export type { Tensor };
