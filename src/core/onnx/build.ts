// Graph IR + weights -> an ONNX model (opset 13) with PyTorch's eval-mode semantics, op by op.
// Every op maps to ONNX ops that onnxruntime-web's WebGPU EP has kernels for: LRN and LogSoftmax are
// spelled out with primitives, and pooling never uses ceil_mode (explicit end padding reproduces PyTorch's sizes).
import type { Analysis, ArgValue, GraphNode, Shape } from '../model/ir';
import { type Attribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo, encodeModel } from './model-proto';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const PRODUCER_NAME = 'alexnet-explorer';
/** Bumped whenever the ONNX written for the same IR and weights changes. */
export const BUILDER_VERSION = '2';

/** A float32 tensor and its shape, as the builder takes weights. */
export interface FloatTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface BuildOnnxOptions {
  /** Batch size of the input: a number, or 'N' for any (default 1). */
  batch?: number | 'N';
  /** Also expose every layer's output as a graph output (activation maps), named as activationOutputs() says. */
  activations?: boolean;
}

export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
  constructor(
    message: string,
    /** The source line of the layer, when the error is about one. */
    readonly line: number | null = null,
    /** The layer: its module path, or the op and node id of a functional call. */
    readonly layer: string | null = null,
  ) {
    super(message);
  }
}

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';

/** One graph output per layer when `activations` is set. */
export interface ActivationOutput {
  nodeId: string;
  path: string | null;
  op: string;
  /** The ONNX output's name: the module path when that module runs once, else the node id. */
  name: string;
}

/** The names the layers' outputs get in the ONNX graph (and as graph outputs with `activations`). */
export function activationOutputs(analysis: Analysis): ActivationOutput[] {
  const layers = analysis.graph.nodes.filter((n) => n.kind !== 'input' && n.kind !== 'output');
  const calls = new Map<string, number>();
  for (const n of layers) if (n.path !== null && n.path !== '') calls.set(n.path, (calls.get(n.path) ?? 0) + 1);
  const taken = new Set<string>([INPUT_NAME, OUTPUT_NAME, ...layers.map((n) => n.id)]);
  return layers.map((n) => {
    let name = n.id;
    if (n.path && calls.get(n.path) === 1 && !taken.has(n.path)) {
      name = n.path;
      taken.add(name);
    }
    return { nodeId: n.id, path: n.path, op: n.op, name };
  });
}

/** Builds the ONNX model's bytes. `tensors` holds the state_dict by key (as bindStateDict binds it), as float32. */
export function buildOnnxModel(analysis: Analysis, tensors: ReadonlyMap<string, FloatTensor>, options: BuildOnnxOptions = {}): Uint8Array {
  const batch = options.batch ?? 1;
  if (batch !== 'N' && !(Number.isInteger(batch) && batch >= 1)) throw new OnnxExportError(`batch must be a positive integer or 'N', got ${String(batch)}`);
  if (!analysis.entry || analysis.graph.nodes.length === 0) throw new OnnxExportError('No PyTorch model found: nothing to export.');
  if (analysis.error) {
    throw new OnnxExportError(`The model does not run (line ${analysis.error.line}): ${analysis.error.message}`, analysis.error.line);
  }
  const b = new GraphBuilder(analysis, tensors, batch);
  b.build(options.activations ?? false);
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: PRODUCER_NAME,
    producerVersion: BUILDER_VERSION,
    graph: {
      name: analysis.entry,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: b.inputs,
      outputs: b.outputs,
      valueInfo: b.valueInfo,
    },
    metadata: { input_shape: JSON.stringify(analysis.input.slice(1)), entry: analysis.entry },
  });
}

// ------------------------------------------------------------------ argument helpers

const ai = (value: number): Attribute => ({ type: 'int', value });
const af = (value: number): Attribute => ({ type: 'float', value });
const ais = (value: number[]): Attribute => ({ type: 'ints', value });

function truthy(v: ArgValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  return v;
}

function numel(s: readonly number[]): number {
  return s.reduce((a, d) => a * d, 1);
}

function wrapDim(dim: number, rank: number): number {
  const n = Math.max(rank, 1);
  return dim < 0 ? dim + n : dim;
}

/** The shape PyTorch reports for a `dim=None` softmax: 0 for 0-, 1- and 3-D inputs, else 1. */
function softmaxDim(dim: ArgValue | undefined, rank: number): number {
  const d = typeof dim === 'number' ? dim : rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
  return wrapDim(d, rank);
}

/** Strip the spelling (module class, F., torch., method) down to the operation. */
function opKey(node: GraphNode): string {
  if (node.kind === 'module') return node.op;
  const op = node.op;
  if (op.startsWith('torch.nn.functional.')) return op.slice('torch.nn.functional.'.length);
  if (op.startsWith('torch.')) return op.slice('torch.'.length);
  if (op.startsWith('.')) return op.slice(1);
  return op;
}

// ------------------------------------------------------------------ the builder

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  readonly valueInfo: OnnxValueInfo[] = [];

  private readonly names = new Set<string>();
  private readonly initialized = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly valueOf = new Map<string, string>();
  /** Node ids whose output carries the batch dimension first. */
  private readonly batched = new Set<string>();
  private readonly byId = new Map<string, GraphNode>();
  private readonly edgeFrom = new Map<string, string>();
  private current: GraphNode | null = null;
  private counter = 0;

  constructor(
    private readonly analysis: Analysis,
    private readonly tensors: ReadonlyMap<string, FloatTensor>,
    private readonly batch: number | 'N',
  ) {
    for (const n of analysis.graph.nodes) this.byId.set(n.id, n);
    for (const e of analysis.graph.edges) this.edgeFrom.set(e.id, e.from);
  }

  build(activations: boolean): void {
    const names = new Map(activationOutputs(this.analysis).map((a) => [a.nodeId, a.name]));
    for (const n of names.values()) this.names.add(n);
    this.names.add(INPUT_NAME);
    this.names.add(OUTPUT_NAME);
    for (const node of this.analysis.graph.nodes) {
      this.current = node;
      if (node.kind === 'input') {
        this.valueOf.set(node.id, INPUT_NAME);
        this.batched.add(node.id);
        this.inputs.push({ name: INPUT_NAME, dims: this.dims(node.cost!.outputShape, true) });
        continue;
      }
      if (node.kind === 'output') {
        this.lowerOutput(node);
        continue;
      }
      if (node.error || !node.cost) {
        this.fail(node.error ? `its shape is unknown (${node.error})` : 'its shape is unknown');
      }
      const out = names.get(node.id)!;
      const inputs = node.inputs.map((e) => this.valueOf.get(this.edgeFrom.get(e) ?? '') ?? this.fail(`its input ${e} comes from a layer that was not exported`));
      if (node.inputs.some((e) => this.batched.has(this.edgeFrom.get(e) ?? ''))) this.batched.add(node.id);
      this.lower(node, inputs, out);
      this.valueOf.set(node.id, out);
      if (activations) this.outputs.push({ name: out, dims: this.dims(node.cost.outputShape, this.batched.has(node.id)) });
    }
    this.current = null;
  }

  // ---------------------------------------------------------------- plumbing

  private describe(node: GraphNode): { text: string; line: number | null; layer: string } {
    const line = (node.kind === 'module' ? node.defRange?.line : undefined) ?? node.callRange?.line ?? null;
    const layer = node.path ? node.path : `${node.op} (${node.id})`;
    const text = node.path ? `layer '${node.path}' (${node.op}${line ? `, line ${line}` : ''})` : `${node.op}${line ? ` at line ${line}` : ''}`;
    return { text, line, layer };
  }

  private fail(why: string): never {
    const node = this.current;
    if (!node) throw new OnnxExportError(`Cannot export the model: ${why}`);
    const d = this.describe(node);
    throw new OnnxExportError(`Cannot export ${d.text} to ONNX: ${why}.`, d.line, d.layer);
  }

  private dims(shape: Shape, batched: boolean): (number | string)[] {
    if (!batched || shape.length === 0) return [...shape];
    return [this.batch === 'N' ? 'N' : this.batch, ...shape.slice(1)];
  }

  private fresh(hint: string): string {
    const base = `${this.current ? (this.current.path ?? this.current.id) : 'graph'}/${hint}`;
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Adds an ONNX node; its (single) output is `out` or a fresh name. */
  private op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, out?: string): string {
    const output = out ?? this.fresh(opType);
    const node = this.current;
    const name = `${node ? (node.path ?? node.id) : 'graph'}/${opType}_${this.nodes.length}`;
    const line = node ? this.describe(node).line : null;
    this.nodes.push({ opType, inputs, outputs: [output], name, attributes, ...(line ? { docString: `line ${line}` } : {}) });
    return output;
  }

  private floatConst(values: number[] | Float32Array, dims: number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const key = data.length <= 16 ? `f:${dims.join('x')}:${Array.from(data).join(',')}` : null;
    if (key && this.constants.has(key)) return this.constants.get(key)!;
    const name = this.freshConst(key && data.length === 1 ? `const_${Array.from(data)[0]}` : 'const');
    this.initializers.push({ name, dims, data });
    if (key) this.constants.set(key, name);
    return name;
  }

  private scalar(v: number): string {
    return this.floatConst([v], []);
  }

  private intConst(values: number[]): string {
    const key = `i:${values.join(',')}`;
    if (this.constants.has(key)) return this.constants.get(key)!;
    const name = this.freshConst(`ints_${values.join('_').replace(/-/g, 'm')}`);
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    this.constants.set(key, name);
    return name;
  }

  private freshConst(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** A state_dict entry of the current module as an initializer named by its key, shape checked. */
  private param(name: string, shape: number[]): string {
    const node = this.current!;
    const key = `${node.path}.${name}`;
    if (this.initialized.has(key)) return key;
    const t = this.tensors.get(key);
    if (!t) this.fail(`the weights have no '${key}'`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      this.fail(`'${key}' has shape [${t.shape.join(', ')}] in the weights, the layer needs [${shape.join(', ')}]`);
    }
    if (t.data.length !== numel(shape)) this.fail(`'${key}' holds ${t.data.length} values, not ${numel(shape)}`);
    this.names.add(key);
    this.initialized.add(key);
    this.initializers.push({ name: key, dims: [...shape], data: t.data });
    return key;
  }

  private int(name: string, v: ArgValue | undefined): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${name} must be an int, got ${JSON.stringify(v)}`);
    return v;
  }

  private num(name: string, v: ArgValue | undefined): number {
    if (typeof v === 'boolean') return Number(v);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${name} must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An int or a 1- or 2-tuple as [h, w]. */
  private pair(name: string, v: ArgValue | undefined): [number, number] {
    if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
    if (Array.isArray(v) && (v.length === 1 || v.length === 2) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
      const xs = v as number[];
      return [xs[0], xs.length === 1 ? xs[0] : xs[1]];
    }
    return this.fail(`${name} must be an int or a pair of ints, got ${JSON.stringify(v)}`);
  }

  private rank4(shape: Shape, what: string): void {
    if (shape.length !== 4) this.fail(`${what} is exported for 4-D (N, C, H, W) inputs only, got [${shape.join(', ')}]`);
  }

  // ---------------------------------------------------------------- the output node

  private lowerOutput(node: GraphNode): void {
    if (node.inputs.length === 0) this.fail('the model returns no tensor');
    node.inputs.forEach((e, i) => {
      const from = this.edgeFrom.get(e)!;
      const value = this.valueOf.get(from);
      if (!value) this.fail('the returned tensor comes from a layer that was not exported');
      const name = i === 0 ? OUTPUT_NAME : `output_${i}`;
      this.names.add(name);
      this.op('Identity', [value], {}, name);
      const shape = this.byId.get(from)?.cost?.outputShape ?? null;
      this.outputs.push({ name, dims: shape ? this.dims(shape, this.batched.has(from)) : null });
    });
    // logits first among the outputs
    const i = this.outputs.findIndex((o) => o.name === OUTPUT_NAME);
    if (i > 0) this.outputs.unshift(...this.outputs.splice(i, 1));
  }

  // ---------------------------------------------------------------- ops

  private lower(node: GraphNode, inputs: string[], out: string): void {
    const a = node.args;
    const cost = node.cost!;
    const inShape = cost.inputShapes[0];
    const outShape = cost.outputShape;
    const x = inputs[0];
    const key = opKey(node);
    switch (key) {
      case 'Conv2d':
        return this.conv2d(a, x, inShape, out);
      case 'Linear':
        return this.linear(a, x, inShape, out);
      case 'BatchNorm2d':
        return this.batchNorm(a, x, inShape, out);
      case 'MaxPool2d':
      case 'max_pool2d':
        return this.maxPool(a, x, inShape, outShape, out);
      case 'AvgPool2d':
      case 'avg_pool2d':
        return this.avgPool(a, x, inShape, outShape, out);
      case 'AdaptiveAvgPool2d':
      case 'adaptive_avg_pool2d':
        return this.adaptiveAvgPool(x, inShape, outShape, out);
      case 'LocalResponseNorm':
      case 'local_response_norm':
        return this.lrn(a, x, inShape, out);
      case 'ReLU':
      case 'relu':
        this.op('Relu', [x], {}, out);
        return;
      case 'ReLU6':
      case 'relu6':
        this.op('Clip', [x, this.scalar(0), this.scalar(6)], {}, out);
        return;
      case 'LeakyReLU':
      case 'leaky_relu':
        this.op('LeakyRelu', [x], { alpha: af(this.num('negative_slope', a.negative_slope)) }, out);
        return;
      case 'Tanh':
      case 'tanh':
        this.op('Tanh', [x], {}, out);
        return;
      case 'Sigmoid':
      case 'sigmoid':
        this.op('Sigmoid', [x], {}, out);
        return;
      case 'GELU':
      case 'gelu':
        return this.gelu(a, x, out);
      case 'SiLU':
      case 'silu':
        this.op('Mul', [x, this.op('Sigmoid', [x])], {}, out);
        return;
      case 'Dropout':
      case 'Dropout2d':
      case 'dropout':
      case 'dropout2d':
      case 'Identity':
        // eval mode: dropout passes its input through
        this.op('Identity', [x], {}, out);
        return;
      case 'Flatten':
      case 'flatten':
      case 'view':
      case 'reshape':
        return this.reshape(node, x, inShape, outShape, out);
      case 'Softmax':
      case 'softmax':
        this.op('Softmax', [x], { axis: ai(softmaxDim(a.dim, inShape.length)) }, out);
        return;
      case 'LogSoftmax':
      case 'log_softmax':
        return this.logSoftmax(x, softmaxDim(a.dim, inShape.length), out);
      case 'cat':
        this.op('Concat', inputs, { axis: ai(wrapDim(this.int('dim', a.dim), outShape.length)) }, out);
        return;
      case 'add':
      case 'iadd':
      case 'sub':
      case 'mul':
      case 'div':
        return this.binary(key, node, inputs, out);
      case 'neg':
        this.op('Neg', [x], {}, out);
        return;
      case 'zeros':
      case 'ones':
      case 'empty':
      case 'Tensor':
      case 'FloatTensor': {
        // torch.empty's values are unspecified; zeros are as good as any
        const fill = key === 'ones' ? 1 : 0;
        this.op('Identity', [this.floatConst(new Float32Array(numel(outShape)).fill(fill), [...outShape])], {}, out);
        return;
      }
      case 'randn':
      case 'rand':
        return this.fail('random tensors differ from run to run and cannot be exported');
      default:
        return this.fail(`${node.op} has no ONNX mapping`);
    }
  }

  private conv2d(a: Record<string, ArgValue>, x: string, inShape: Shape, out: string): void {
    this.rank4(inShape, 'Conv2d');
    const inC = this.int('in_channels', a.in_channels);
    const outC = this.int('out_channels', a.out_channels);
    const groups = this.int('groups', a.groups);
    const kernel = this.pair('kernel_size', a.kernel_size);
    const stride = this.pair('stride', a.stride);
    const dilation = this.pair('dilation', a.dilation);
    // [begin, end] padding of H and W
    let lr: [number, number][];
    if (a.padding === 'valid') lr = [[0, 0], [0, 0]];
    else if (a.padding === 'same') {
      lr = [0, 1].map((i) => {
        const total = dilation[i] * (kernel[i] - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
      });
    } else {
      const p = this.pair('padding', a.padding);
      lr = [[p[0], p[0]], [p[1], p[1]]];
    }
    const weight = this.param('weight', [outC, inC / groups, kernel[0], kernel[1]]);
    const bias = truthy(a.bias) ? [this.param('bias', [outC])] : [];
    let input = x;
    let pads = [lr[0][0], lr[1][0], lr[0][1], lr[1][1]];
    const mode = a.padding_mode ?? 'zeros';
    if (mode !== 'zeros' && pads.some((p) => p > 0)) {
      input = this.padSpatial(x, inShape, lr, String(mode));
      pads = [0, 0, 0, 0];
    }
    const attrs: Record<string, Attribute> = {
      dilations: ais(dilation),
      group: ai(groups),
      kernel_shape: ais(kernel),
      pads: ais(pads),
      strides: ais(stride),
    };
    this.op('Conv', [input, weight, ...bias], attrs, out);
  }

  /** F.pad of H and W with a non-zero padding mode. */
  private padSpatial(x: string, shape: Shape, lr: [number, number][], mode: string): string {
    if (mode === 'reflect' || mode === 'replicate') {
      const pads = this.intConst([0, 0, lr[0][0], lr[1][0], 0, 0, lr[0][1], lr[1][1]]);
      return this.op('Pad', [x, pads], { mode: { type: 'string', value: mode === 'reflect' ? 'reflect' : 'edge' } });
    }
    if (mode === 'circular') {
      // wrap around: the last `begin` rows in front, the first `end` rows behind (W first, then H, as F.pad does)
      let v = x;
      for (const axis of [3, 2]) {
        const [begin, end] = lr[axis - 2];
        const size = shape[axis];
        const parts: string[] = [];
        if (begin > 0) parts.push(this.op('Slice', [v, this.intConst([size - begin]), this.intConst([size]), this.intConst([axis])]));
        parts.push(v);
        if (end > 0) parts.push(this.op('Slice', [v, this.intConst([0]), this.intConst([end]), this.intConst([axis])]));
        if (parts.length > 1) v = this.op('Concat', parts, { axis: ai(axis) });
      }
      return v;
    }
    return this.fail(`padding_mode='${mode}' has no ONNX mapping`);
  }

  private linear(a: Record<string, ArgValue>, x: string, inShape: Shape, out: string): void {
    const inF = this.int('in_features', a.in_features);
    const outF = this.int('out_features', a.out_features);
    const weight = this.param('weight', [outF, inF]);
    const bias = truthy(a.bias) ? this.param('bias', [outF]) : null;
    if (inShape.length === 2) {
      this.op('Gemm', bias ? [x, weight, bias] : [x, weight], { transB: ai(1) }, out);
      return;
    }
    const wt = this.op('Transpose', [weight], { perm: ais([1, 0]) });
    if (!bias) {
      this.op('MatMul', [x, wt], {}, out);
      return;
    }
    this.op('Add', [this.op('MatMul', [x, wt]), bias], {}, out);
  }

  private batchNorm(a: Record<string, ArgValue>, x: string, inShape: Shape, out: string): void {
    this.rank4(inShape, 'BatchNorm2d');
    const c = this.int('num_features', a.num_features);
    const affine = truthy(a.affine);
    const eps = this.num('eps', a.eps);
    const weight = affine ? this.param('weight', [c]) : this.floatConst(new Float32Array(c).fill(1), [c]);
    const bias = affine ? this.param('bias', [c]) : this.floatConst(new Float32Array(c), [c]);
    if (truthy(a.track_running_stats)) {
      const mean = this.param('running_mean', [c]);
      const variance = this.param('running_var', [c]);
      this.op('BatchNormalization', [x, weight, bias, mean, variance], { epsilon: af(eps) }, out);
      return;
    }
    // without running stats PyTorch normalizes with the batch's own statistics, in eval mode too
    const axes = { axes: ais([0, 2, 3]), keepdims: ai(1) };
    const centered = this.op('Sub', [x, this.op('ReduceMean', [x], axes)]);
    const variance = this.op('ReduceMean', [this.op('Mul', [centered, centered])], axes);
    const normalized = this.op('Div', [centered, this.op('Sqrt', [this.op('Add', [variance, this.scalar(eps)])])]);
    const perChannel = [1, c, 1, 1];
    const scaled = affine ? this.op('Mul', [normalized, this.op('Reshape', [weight, this.intConst(perChannel)])]) : normalized;
    if (affine) this.op('Add', [scaled, this.op('Reshape', [bias, this.intConst(perChannel)])], {}, out);
    else this.op('Identity', [scaled], {}, out);
  }

  /** Pooling geometry shared by max and average pooling: kernel, stride, [begin, end] pads reproducing PyTorch's sizes. */
  private poolGeometry(a: Record<string, ArgValue>, inShape: Shape, outShape: Shape, dilation: [number, number]) {
    this.rank4(inShape, 'pooling');
    const kernel = this.pair('kernel_size', a.kernel_size);
    const stride = a.stride === null || a.stride === undefined || (Array.isArray(a.stride) && a.stride.length === 0) ? kernel : this.pair('stride', a.stride);
    const padding = this.pair('padding', a.padding);
    // ceil_mode as explicit end padding: floor((in + begin + end - effective) / stride) + 1 == PyTorch's size
    const end = [0, 1].map((i) => {
      const effective = dilation[i] * (kernel[i] - 1) + 1;
      const needed = (outShape[2 + i] - 1) * stride[i] + effective - inShape[2 + i] - padding[i];
      return Math.max(padding[i], needed);
    }) as [number, number];
    return { kernel, stride, padding, end };
  }

  private maxPool(a: Record<string, ArgValue>, x: string, inShape: Shape, outShape: Shape, out: string): void {
    if (truthy(a.return_indices)) this.fail('return_indices=True has no ONNX mapping here');
    const dilation = this.pair('dilation', a.dilation);
    const g = this.poolGeometry(a, inShape, outShape, dilation);
    let input = x;
    let pads = [g.padding[0], g.padding[1], g.end[0], g.end[1]];
    if (pads.some((p, i) => p >= g.kernel[i % 2])) {
      // onnxruntime wants pads smaller than the kernel: pad with -inf explicitly (a max never picks it)
      const padValues = this.intConst([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]);
      input = this.op('Pad', [x, padValues, this.scalar(-Infinity)], { mode: { type: 'string', value: 'constant' } });
      pads = [0, 0, 0, 0];
    }
    this.op('MaxPool', [input], { dilations: ais(dilation), kernel_shape: ais(g.kernel), pads: ais(pads), strides: ais(g.stride) }, out);
  }

  private avgPool(a: Record<string, ArgValue>, x: string, inShape: Shape, outShape: Shape, out: string): void {
    if (a.divisor_override !== null && a.divisor_override !== undefined) {
      this.fail(`divisor_override=${String(a.divisor_override)} has no ONNX equivalent (AveragePool always divides by the window size)`);
    }
    const g = this.poolGeometry(a, inShape, outShape, [1, 1]);
    const attrs = (pads: number[]) => ({ count_include_pad: ai(0), kernel_shape: ais(g.kernel), pads: ais(pads), strides: ais(g.stride) });
    const [ph, pw] = g.padding;
    const [eh, ew] = g.end;
    if (truthy(a.count_include_pad) && (ph > 0 || pw > 0)) {
      // PyTorch counts the zero padding but not the ceil_mode overhang: pad with zeros, then average the valid part
      const padded = this.op('Pad', [x, this.intConst([0, 0, ph, pw, 0, 0, ph, pw])], { mode: { type: 'string', value: 'constant' } });
      this.op('AveragePool', [padded], attrs([0, 0, eh - ph, ew - pw]), out);
      return;
    }
    this.op('AveragePool', [x], attrs([ph, pw, eh, ew]), out);
  }

  private adaptiveAvgPool(x: string, inShape: Shape, outShape: Shape, out: string): void {
    const r = inShape.length;
    const [h, w] = [inShape[r - 2], inShape[r - 1]];
    const [oh, ow] = [outShape[r - 2], outShape[r - 1]];
    if (oh === 1 && ow === 1) {
      if (r === 4) this.op('GlobalAveragePool', [x], {}, out);
      else this.op('ReduceMean', [x], { axes: ais([r - 2, r - 1]), keepdims: ai(1) }, out);
      return;
    }
    if (r === 4 && h % oh === 0 && w % ow === 0) {
      const kernel = [h / oh, w / ow];
      this.op('AveragePool', [x], { kernel_shape: ais(kernel), strides: ais(kernel) }, out);
      return;
    }
    // PyTorch's bins: [floor(i*in/out), ceil((i+1)*in/out)); as averaging matrices, rows then columns
    const rows = this.floatConst(binMatrix(h, oh), [oh, h]);
    const cols = this.floatConst(transpose(binMatrix(w, ow), ow, w), [w, ow]);
    this.op('MatMul', [rows, this.op('MatMul', [x, cols])], {}, out);
  }

  private lrn(a: Record<string, ArgValue>, x: string, inShape: Shape, out: string): void {
    // F.local_response_norm: div = avg over a window of `size` channels of x^2 (zero padded), * alpha + k, ^beta
    const size = this.int('size', a.size);
    const alpha = this.num('alpha', a.alpha);
    const beta = this.num('beta', a.beta);
    const k = this.num('k', a.k);
    if (inShape.length < 3) this.fail(`LocalResponseNorm needs a 3-D or higher input, got [${inShape.join(', ')}]`);
    const c = inShape[1];
    const squared = this.op('Mul', [x, x]);
    const planes = this.op('Reshape', [squared, this.intConst([0, 1, c, -1])]);
    const padded = this.op('Pad', [planes, this.intConst([0, 0, Math.floor(size / 2), 0, 0, 0, Math.floor((size - 1) / 2), 0])], {
      mode: { type: 'string', value: 'constant' },
    });
    const averaged = this.op('AveragePool', [padded], { kernel_shape: ais([size, 1]), strides: ais([1, 1]) });
    const back = this.op('Reshape', [averaged, this.intConst([0, ...inShape.slice(1)])]);
    const div = this.op('Pow', [this.op('Add', [this.op('Mul', [back, this.scalar(alpha)]), this.scalar(k)]), this.scalar(beta)]);
    this.op('Div', [x, div], {}, out);
  }

  private gelu(a: Record<string, ArgValue>, x: string, out: string): void {
    const half = this.op('Mul', [x, this.scalar(0.5)]);
    if (a.approximate === 'tanh') {
      // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
      const cube = this.op('Mul', [this.op('Mul', [x, x]), x]);
      const inner = this.op('Mul', [this.op('Add', [x, this.op('Mul', [cube, this.scalar(0.044715)])]), this.scalar(Math.sqrt(2 / Math.PI))]);
      this.op('Mul', [half, this.op('Add', [this.op('Tanh', [inner]), this.scalar(1)])], {}, out);
      return;
    }
    if (a.approximate !== 'none' && a.approximate !== undefined) this.fail(`approximate='${String(a.approximate)}' is not 'none' or 'tanh'`);
    // 0.5 * x * (1 + erf(x / sqrt(2))); opset 13 has no Gelu
    const erf = this.op('Erf', [this.op('Mul', [x, this.scalar(Math.SQRT1_2)])]);
    this.op('Mul', [half, this.op('Add', [erf, this.scalar(1)])], {}, out);
  }

  private logSoftmax(x: string, axis: number, out: string): void {
    // x - max - log(sum(exp(x - max))), as PyTorch computes it; WebGPU has no LogSoftmax kernel
    const shifted = this.op('Sub', [x, this.op('ReduceMax', [x], { axes: ais([axis]), keepdims: ai(1) })]);
    const sum = this.op('ReduceSum', [this.op('Exp', [shifted]), this.intConst([axis])], { keepdims: ai(1) });
    this.op('Sub', [shifted, this.op('Log', [sum])], {}, out);
  }

  private reshape(node: GraphNode, x: string, inShape: Shape, outShape: Shape, out: string): void {
    const fromBatch = node.inputs.some((e) => this.batched.has(this.edgeFrom.get(e) ?? ''));
    let target: number[];
    if (fromBatch && inShape.length > 0 && outShape.length > 0 && inShape[0] === outShape[0] && numel(inShape.slice(1)) === numel(outShape.slice(1)) && !outShape.slice(1).includes(0)) {
      // the batch dimension stays first: 0 copies it, so any batch size works
      target = [0, ...outShape.slice(1)];
    } else if (!fromBatch || this.batch === 1) {
      target = [...outShape];
    } else {
      return this.fail(`it reshapes [${inShape.join(', ')}] to [${outShape.join(', ')}], mixing the batch dimension with the others; export with batch 1`);
    }
    this.op('Reshape', [x, this.intConst(target)], {}, out);
  }

  private binary(key: string, node: GraphNode, inputs: string[], out: string): void {
    const onnxOp = key === 'sub' ? 'Sub' : key === 'mul' ? 'Mul' : key === 'div' ? 'Div' : 'Add';
    const a = node.args;
    if (inputs.length === 2) {
      let other = inputs[1];
      if (a.alpha !== undefined && a.alpha !== 1) other = this.op('Mul', [other, this.scalar(this.num('alpha', a.alpha))]);
      this.op(onnxOp, [inputs[0], other], {}, out);
      return;
    }
    if (inputs.length !== 1 || a.other === undefined) return this.fail(`${node.op} with a Python number: the number is not known to the exporter`);
    const scalar = this.scalar(this.num('other', a.other));
    this.op(onnxOp, a.reversed ? [scalar, inputs[0]] : [inputs[0], scalar], {}, out);
  }
}

/** out x in matrix averaging each of PyTorch's adaptive pooling bins. */
function binMatrix(size: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * size);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * size) / outSize);
    const end = Math.ceil(((i + 1) * size) / outSize);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return m;
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}
