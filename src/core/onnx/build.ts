// Graph IR + weights -> an ONNX model (opset 13) with PyTorch's eval-mode semantics, op by op.
// Every op maps to ONNX ops that onnxruntime-web's WebGPU EP has kernels for: LRN and LogSoftmax are
// spelled out with primitives, and pooling never uses ceil_mode (explicit end padding reproduces PyTorch's sizes).
import type { Analysis, ArgValue, GraphNode, Shape } from '../model/ir';
import { numel } from '../ops/common';
import { getOp } from '../ops/registry';
import type { OnnxEmitter } from '../ops/types';
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

// ------------------------------------------------------------------ the builder

class GraphBuilder implements OnnxEmitter {
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

  fail(why: string): never {
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
  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, out?: string): string {
    const output = out ?? this.fresh(opType);
    const node = this.current;
    const name = `${node ? (node.path ?? node.id) : 'graph'}/${opType}_${this.nodes.length}`;
    const line = node ? this.describe(node).line : null;
    this.nodes.push({ opType, inputs, outputs: [output], name, attributes, ...(line ? { docString: `line ${line}` } : {}) });
    return output;
  }

  floatConst(values: number[] | Float32Array, dims: number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const key = data.length <= 16 ? `f:${dims.join('x')}:${Array.from(data).join(',')}` : null;
    if (key && this.constants.has(key)) return this.constants.get(key)!;
    const name = this.freshConst(key && data.length === 1 ? `const_${Array.from(data)[0]}` : 'const');
    this.initializers.push({ name, dims, data });
    if (key) this.constants.set(key, name);
    return name;
  }

  scalar(v: number): string {
    return this.floatConst([v], []);
  }

  intConst(values: number[]): string {
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
  param(name: string, shape: number[]): string {
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

  int(name: string, v: ArgValue | undefined): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${name} must be an int, got ${JSON.stringify(v)}`);
    return v;
  }

  num(name: string, v: ArgValue | undefined): number {
    if (typeof v === 'boolean') return Number(v);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${name} must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An int or a 1- or 2-tuple as [h, w]. */
  pair(name: string, v: ArgValue | undefined): [number, number] {
    if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
    if (Array.isArray(v) && (v.length === 1 || v.length === 2) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
      const xs = v as number[];
      return [xs[0], xs.length === 1 ? xs[0] : xs[1]];
    }
    return this.fail(`${name} must be an int or a pair of ints, got ${JSON.stringify(v)}`);
  }

  rank4(shape: Shape, what: string): void {
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
    const def = getOp(node.key);
    if (!def?.lower) return this.fail(`${node.op} has no ONNX mapping`);
    const cost = node.cost!;
    const batched = node.inputs.some((e) => this.batched.has(this.edgeFrom.get(e) ?? ''));
    def.lower(this, { spelling: node.op, args: node.args, inputs, inShapes: cost.inputShapes, outShape: cost.outputShape, out, batched, batch: this.batch });
  }
}
