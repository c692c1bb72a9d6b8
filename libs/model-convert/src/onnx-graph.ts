/**
 * A small ONNX graph writer: nodes, float32 constants, typed inputs and outputs, serialised with `onnx-proto`.
 * It only writes bytes; running a model is `@storelens/inference`'s job.
 *
 * Names are `<op>_<n>` and `c_<n>` from one counter, nodes carry no name, and attributes are sorted by name, so the
 * same graph always serialises to the same bytes (the resolver checks built models by sha256).
 */
import { onnx } from 'onnx-proto';
import { Writer } from 'protobufjs/minimal';

export type Attr = number | number[] | string;
export type Dim = number | string;

export interface ValueSpec {
  name: string;
  /** a number is a fixed size, a string a named dynamic dimension (e.g. 'N'); absent: not declared */
  shape?: Dim[];
}

export interface ModelMeta {
  graphName: string;
  producerName: string;
  opset: number;
  irVersion: number;
  /** written as the model's metadata_props, in this order */
  metadata: [string, string][];
}

/** A float32 tensor in row-major order. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

function attribute(name: string, value: Attr): onnx.AttributeProto {
  const a = new onnx.AttributeProto({ name });
  if (typeof value === 'string') {
    a.s = Buffer.from(value, 'utf8');
    a.type = onnx.AttributeProto.AttributeType.STRING;
  } else if (Array.isArray(value)) {
    a.ints = value;
    a.type = onnx.AttributeProto.AttributeType.INTS;
  } else if (Number.isInteger(value)) {
    a.i = value;
    a.type = onnx.AttributeProto.AttributeType.INT;
  } else {
    a.f = value;
    a.type = onnx.AttributeProto.AttributeType.FLOAT;
  }
  return a;
}

function valueInfo(spec: ValueSpec): onnx.ValueInfoProto {
  const dim = (spec.shape ?? []).map((d) =>
    typeof d === 'string' ? new onnx.TensorShapeProto.Dimension({ dimParam: d }) : new onnx.TensorShapeProto.Dimension({ dimValue: d }),
  );
  return new onnx.ValueInfoProto({
    name: spec.name,
    type: new onnx.TypeProto({
      tensorType: new onnx.TypeProto.Tensor({
        elemType: onnx.TensorProto.DataType.FLOAT,
        ...(spec.shape ? { shape: new onnx.TensorShapeProto({ dim }) } : {}),
      }),
    }),
  });
}

export class OnnxGraph {
  private counter = 0;
  private readonly nodes: onnx.NodeProto[] = [];
  private readonly initializers: onnx.TensorProto[] = [];
  private readonly inputs: onnx.ValueInfoProto[] = [];
  private readonly outputs: onnx.ValueInfoProto[] = [];

  /** Declares a graph input; returns its name. */
  input(spec: ValueSpec): string {
    this.inputs.push(valueInfo(spec));
    return spec.name;
  }

  /** A float32 constant (initializer); returns its name. */
  constant(t: Tensor): string {
    const name = `c_${++this.counter}`;
    const data = t.data;
    this.initializers.push(
      new onnx.TensorProto({
        dims: t.shape,
        dataType: onnx.TensorProto.DataType.FLOAT,
        name,
        rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
      }),
    );
    return name;
  }

  /** An int64 constant (shapes, pads, axes for ops that take them as inputs); returns its name. */
  int64Constant(values: number[]): string {
    const name = `c_${++this.counter}`;
    this.initializers.push(
      new onnx.TensorProto({
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        name,
        int64Data: values,
      }),
    );
    return name;
  }

  /**
   * Adds a node. Its output is `<op lowercase>_<n>`, or `outputName` when this node produces a graph output (which
   * does not consume a number).
   */
  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputName?: string): string {
    const output = outputName ?? `${opType.toLowerCase()}_${++this.counter}`;
    const attribute_ = Object.keys(attrs)
      .sort()
      .map((k) => attribute(k, attrs[k]));
    this.nodes.push(new onnx.NodeProto({ input: inputs, output: [output], opType, attribute: attribute_ }));
    return output;
  }

  /** Declares a graph output (the value must already be produced under this name). */
  output(spec: ValueSpec): void {
    this.outputs.push(valueInfo(spec));
  }

  serialize(meta: ModelMeta): Uint8Array {
    const model = new onnx.ModelProto({
      irVersion: meta.irVersion,
      producerName: meta.producerName,
      graph: new onnx.GraphProto({
        node: this.nodes,
        name: meta.graphName,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
      opsetImport: [new onnx.OperatorSetIdProto({ domain: '', version: meta.opset })],
      metadataProps: meta.metadata.map(([key, value]) => new onnx.StringStringEntryProto({ key, value })),
    });
    return encodeModel(model);
  }
}

/*
 * onnx.proto is proto2, where repeated integers are not packed; onnx-proto's generated encoder packs them (proto3
 * style). ONNX Runtime reads both, but the ONNX tools write them unpacked, so ModelProto, GraphProto, NodeProto,
 * AttributeProto and TensorProto are written here field by field, in field-number order, with unpacked repeated
 * integers: the bytes are then the same as the ONNX tools', and stable.
 */
/** The field was set on this message (not a prototype default) and holds a value. */
function has<T extends object, K extends keyof T>(o: T, k: K): o is T & { [P in K]-?: NonNullable<T[P]> } {
  return Object.prototype.hasOwnProperty.call(o, k) && o[k] != null;
}

function encodeAttribute(a: onnx.IAttributeProto, w: Writer): Writer {
  if (has(a, 'name')) w.uint32((1 << 3) | 2).string(a.name);
  if (has(a, 'f')) w.uint32((2 << 3) | 5).float(a.f);
  if (has(a, 'i')) w.uint32((3 << 3) | 0).int64(a.i as number);
  if (has(a, 's')) w.uint32((4 << 3) | 2).bytes(a.s);
  for (const v of a.ints ?? []) w.uint32((8 << 3) | 0).int64(v as number);
  if (has(a, 'type')) w.uint32((20 << 3) | 0).int32(a.type);
  return w;
}

function encodeTensor(t: onnx.ITensorProto, w: Writer): Writer {
  for (const d of t.dims ?? []) w.uint32((1 << 3) | 0).int64(d as number);
  if (has(t, 'dataType')) w.uint32((2 << 3) | 0).int32(t.dataType);
  for (const v of t.int64Data ?? []) w.uint32((7 << 3) | 0).int64(v as number);
  if (has(t, 'name')) w.uint32((8 << 3) | 2).string(t.name);
  if (has(t, 'rawData')) w.uint32((9 << 3) | 2).bytes(t.rawData);
  return w;
}

function encodeNode(n: onnx.INodeProto, w: Writer): Writer {
  for (const v of n.input ?? []) w.uint32((1 << 3) | 2).string(v);
  for (const v of n.output ?? []) w.uint32((2 << 3) | 2).string(v);
  if (has(n, 'name') && n.name) w.uint32((3 << 3) | 2).string(n.name);
  if (has(n, 'opType')) w.uint32((4 << 3) | 2).string(n.opType);
  for (const a of n.attribute ?? []) encodeAttribute(a, w.uint32((5 << 3) | 2).fork()).ldelim();
  return w;
}

function encodeGraph(g: onnx.IGraphProto, w: Writer): Writer {
  for (const n of g.node ?? []) encodeNode(n, w.uint32((1 << 3) | 2).fork()).ldelim();
  if (has(g, 'name')) w.uint32((2 << 3) | 2).string(g.name);
  for (const t of g.initializer ?? []) encodeTensor(t, w.uint32((5 << 3) | 2).fork()).ldelim();
  for (const v of g.input ?? []) onnx.ValueInfoProto.encode(v, w.uint32((11 << 3) | 2).fork()).ldelim();
  for (const v of g.output ?? []) onnx.ValueInfoProto.encode(v, w.uint32((12 << 3) | 2).fork()).ldelim();
  return w;
}

function encodeModel(m: onnx.IModelProto): Uint8Array {
  const w = Writer.create();
  if (has(m, 'irVersion')) w.uint32((1 << 3) | 0).int64(m.irVersion as number);
  if (has(m, 'producerName')) w.uint32((2 << 3) | 2).string(m.producerName);
  if (has(m, 'graph')) encodeGraph(m.graph, w.uint32((7 << 3) | 2).fork()).ldelim();
  for (const o of m.opsetImport ?? []) onnx.OperatorSetIdProto.encode(o, w.uint32((8 << 3) | 2).fork()).ldelim();
  for (const p of m.metadataProps ?? []) onnx.StringStringEntryProto.encode(p, w.uint32((14 << 3) | 2).fork()).ldelim();
  return w.finish();
}
