// Graph IR + weights -> an ONNX model (opset 13) with PyTorch's eval-mode semantics, op by op.
// Every op maps to ONNX ops that onnxruntime-web's WebGPU EP has kernels for: LRN and LogSoftmax are
// spelled out with primitives, and pooling never uses ceil_mode (explicit end padding reproduces PyTorch's sizes).
import type { Analysis, ArgValue, GraphNode, Shape } from '../model/ir';
import { numel } from '../ops/common';
import { getOp } from '../ops/registry';
import type { LowerCall, OnnxEmitter, OnnxTarget, OpDef } from '../ops/types';
import { type Attribute, ONNX_FLOAT, type OnnxNode, type OnnxTensor, type OnnxValueInfo, encodeModel } from './model-proto';

export const ONNX_OPSET = 13;
/**
 * The opset of graphs built for onnxruntime's CPU EP (ONNX 1.11: IR version 8): 16 adds ScatterElements' reduction;
 * every other op used here means what it means at 13.
 */
export const CPU_OPSET = 16;
const CPU_IR_VERSION = 8;
export const ONNX_IR_VERSION = 7;
export const PRODUCER_NAME = 'alexnet-explorer';
/** Bumped whenever the ONNX written for the same IR and weights changes. */
export const BUILDER_VERSION = '3';

/** A float32 tensor and its shape, as the builder takes weights. */
export interface FloatTensor {
  shape: readonly number[];
  data: Float32Array;
  /** The same values as float16 bits, when the checkpoint stored them so (the float32 data is their exact widening). */
  half?: Uint16Array;
}

export interface BuildOnnxOptions {
  /** Batch size of the input: a number, or 'N' for any (default 1). */
  batch?: number | 'N';
  /** Also expose every layer's output as a graph output (activation maps), named as activationOutputs() says. */
  activations?: boolean;
  /**
   * Weights the checkpoint stored as float16 stay float16 initializers, widened by a Cast that onnxruntime folds
   * when the session is made: the same float32 values at half the bytes to write, cache and fetch (the webview
   * fetches the classifier's ONNX). Default false.
   */
  halfWeights?: boolean;
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
  checkExportable(analysis);
  const b = new GraphBuilder(analysis, tensors, { mode: 'eval', batch, halfWeights: options.halfWeights ?? false });
  b.build(options.activations ?? false);
  return b.encode();
}

/** Checks the analysis can be built at all; the eval export and the training step share it. */
export function checkExportable(analysis: Analysis): void {
  if (!analysis.entry || analysis.graph.nodes.length === 0) throw new OnnxExportError('No PyTorch model found: nothing to export.');
  if (analysis.error) {
    throw new OnnxExportError(`The model does not run (line ${analysis.error.line}): ${analysis.error.message}`, analysis.error.line);
  }
}

// ------------------------------------------------------------------ the builder

export interface BuilderConfig {
  mode: 'eval' | 'train';
  /** Batch size of the input: a number, or 'N' for any (eval only). */
  batch: number | 'N';
  /** Train mode: dropout layers draw their masks from graph inputs (else they are the identity). */
  dropout?: boolean;
  /** Eval mode: float16 weights stay float16 initializers with a Cast (BuildOnnxOptions.halfWeights). */
  halfWeights?: boolean;
  /** The runtime the graph is for (OnnxEmitter.target); 'webgpu' by default. */
  target?: OnnxTarget;
}

/** One lowered call: its IR node, its op, the call as lowered, and whether its output depends on what is trained. */
export interface LoweredCall {
  node: GraphNode;
  def: OpDef;
  call: LowerCall;
  /** Its output depends on a trained parameter or on an input that needs a gradient. */
  requiresGrad: boolean;
}

/** A piece of state the graph reads (train mode): parameters and buffers by state_dict key. */
export interface StateInput {
  key: string;
  shape: number[];
  type: 'float32' | 'int64';
  kind: 'param' | 'buffer';
}

/**
 * Builds one ONNX graph from the IR, op by op. Eval mode: the exported model (buildOnnxModel). Train mode: the
 * forward of a training step (src/core/training/step.ts adds the loss, the backward and the optimizer).
 */
export class GraphBuilder implements OnnxEmitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  readonly valueInfo: OnnxValueInfo[] = [];
  readonly mode: 'eval' | 'train';
  readonly target: OnnxTarget;
  /** Train mode: the state read, in first-use order. */
  readonly state: StateInput[] = [];
  /** Train mode: buffer key -> the graph value of its next value. */
  readonly bufferUpdates = new Map<string, string>();
  /** Train mode: the dropout masks fed as inputs. */
  readonly masks: { name: string; shape: number[]; p: number }[] = [];

  private readonly names = new Set<string>();
  private readonly initialized = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly valueOf = new Map<string, string>();
  /** Node ids whose output carries the batch dimension first. */
  private readonly batched = new Set<string>();
  private readonly byId = new Map<string, GraphNode>();
  private readonly edgeFrom = new Map<string, string>();
  private readonly kept = new Map<string, Map<string, string>>();
  private readonly batch: number | 'N';
  private readonly dropout: boolean;
  private readonly halfWeights: boolean;
  private current: GraphNode | null = null;
  private counter = 0;

  constructor(
    private readonly analysis: Analysis,
    private readonly tensors: ReadonlyMap<string, FloatTensor>,
    config: BuilderConfig,
  ) {
    this.mode = config.mode;
    this.target = config.target ?? 'webgpu';
    this.batch = config.batch;
    this.dropout = config.dropout ?? false;
    this.halfWeights = config.halfWeights ?? false;
    if (this.mode === 'train' && typeof this.batch !== 'number') throw new OnnxExportError('a training step needs a fixed batch size');
    for (const n of analysis.graph.nodes) this.byId.set(n.id, n);
    for (const e of analysis.graph.edges) this.edgeFrom.set(e.id, e.from);
  }

  build(activations: boolean): void {
    const outs = activations ? this.outputs : null;
    this.forward(false, outs);
    const output = this.analysis.graph.nodes.find((n) => n.kind === 'output');
    if (output) {
      this.current = output;
      this.lowerOutput(output);
      this.current = null;
    }
  }

  encode(): Uint8Array {
    return encodeModel({
      irVersion: this.target === 'cpu' ? CPU_IR_VERSION : ONNX_IR_VERSION,
      opset: this.target === 'cpu' ? CPU_OPSET : ONNX_OPSET,
      producerName: PRODUCER_NAME,
      producerVersion: BUILDER_VERSION,
      graph: {
        name: this.analysis.entry ?? 'model',
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
        valueInfo: this.valueInfo,
      },
      metadata: { input_shape: JSON.stringify(this.analysis.input.slice(1)), entry: this.analysis.entry ?? '' },
    });
  }

  /**
   * Lowers every layer in execution order (not the output node), the model's input as `input`. `inputNeedsGrad`
   * marks the input as needing a gradient (gradient checks). With `activations`, each layer's output is listed there.
   */
  forward(inputNeedsGrad: boolean, activations: OnnxValueInfo[] | null = null): LoweredCall[] {
    const names = new Map(activationOutputs(this.analysis).map((a) => [a.nodeId, a.name]));
    for (const n of names.values()) this.names.add(n);
    this.names.add(INPUT_NAME);
    this.names.add(OUTPUT_NAME);
    const requires = new Set<string>();
    const calls: LoweredCall[] = [];
    for (const node of this.analysis.graph.nodes) {
      this.current = node;
      if (node.kind === 'input') {
        this.valueOf.set(node.id, INPUT_NAME);
        this.batched.add(node.id);
        if (inputNeedsGrad) requires.add(node.id);
        this.inputs.push({ name: INPUT_NAME, dims: this.dims(node.cost!.outputShape, true) });
        continue;
      }
      if (node.kind === 'output') continue;
      if (node.error || !node.cost) {
        this.fail(node.error ? `its shape is unknown (${node.error})` : 'its shape is unknown');
      }
      const out = names.get(node.id)!;
      const inputs = node.inputs.map((e) => this.valueOf.get(this.edgeFrom.get(e) ?? '') ?? this.fail(`its input ${e} comes from a layer that was not exported`));
      if (node.inputs.some((e) => this.batched.has(this.edgeFrom.get(e) ?? ''))) this.batched.add(node.id);
      const lowered = this.lower(node, inputs, out);
      if (node.parameters.some((p) => !p.buffer) || node.inputs.some((e) => requires.has(this.edgeFrom.get(e) ?? ''))) requires.add(node.id);
      calls.push({ ...lowered, requiresGrad: requires.has(node.id) });
      this.valueOf.set(node.id, out);
      if (activations) activations.push({ name: out, dims: this.dims(node.cost.outputShape, this.batched.has(node.id)) });
    }
    this.current = null;
    return calls;
  }

  /** The node whose output an edge carries. */
  producerOf(edge: string): GraphNode | undefined {
    return this.byId.get(this.edgeFrom.get(edge) ?? '');
  }

  /** The graph value of a lowered node's output. */
  valueOfNode(id: string): string | undefined {
    return this.valueOf.get(id);
  }

  /** Names the nodes that follow after this one (the backward of a layer, the loss: null). */
  at(node: GraphNode | null): void {
    this.current = node;
  }

  /** Adds a graph input or output of its own (labels, lr, gradients). */
  addInput(name: string, dims: number[], type: 'float32' | 'int64' = 'float32'): string {
    this.names.add(name);
    this.inputs.push({ name, dims, ...(type === 'int64' ? { type } : {}) });
    return name;
  }

  addOutput(name: string, value: string, dims: number[], type: 'float32' | 'int64' = 'float32'): void {
    this.names.add(name);
    // a value made under the output's own name needs no copy
    if (value !== name) this.op('Identity', [value], {}, name);
    this.outputs.push({ name, dims, ...(type === 'int64' ? { type } : {}) });
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

  /** A shape as the graph has it: in train mode a batched shape carries the step's batch first. */
  private shapeOf(shape: Shape, batched: boolean): Shape {
    if (this.mode !== 'train' || !batched || shape.length === 0 || shape[0] !== this.analysis.input[0]) return shape;
    return [this.batch as number, ...shape.slice(1)];
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
    return this.opOutputs(opType, inputs, attributes, [out ?? null])[0]!;
  }

  opOutputs(opType: string, inputs: string[], attributes: Record<string, Attribute>, outs: (string | null)[]): string[] {
    const outputs = outs.map((o) => o ?? this.fresh(opType));
    const node = this.current;
    const name = `${node ? (node.path ?? node.id) : 'graph'}/${opType}_${this.nodes.length}`;
    const line = node ? this.describe(node).line : null;
    this.nodes.push({ opType, inputs, outputs, name, attributes, ...(line ? { docString: `line ${line}` } : {}) });
    return outputs;
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

  /** A state_dict entry of the current module: an initializer named by its key (eval), a state input (train). */
  param(name: string, shape: number[], type: 'float32' | 'int64' = 'float32'): string {
    const node = this.current!;
    const key = `${node.path}.${name}`;
    // a module called again reads its buffers as its previous call left them (PyTorch updates them in place)
    if (this.initialized.has(key)) return this.bufferUpdates.get(key) ?? key;
    if (type === 'int64') {
      if (this.mode !== 'train') this.fail(`'${key}' is an integer buffer, read in training only`);
    } else {
      const t = this.tensors.get(key);
      if (!t) this.fail(`the weights have no '${key}'`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        this.fail(`'${key}' has shape [${t.shape.join(', ')}] in the weights, the layer needs [${shape.join(', ')}]`);
      }
      if (t.data.length !== numel(shape)) this.fail(`'${key}' holds ${t.data.length} values, not ${numel(shape)}`);
      if (this.mode === 'eval' && this.halfWeights && t.half) {
        const stored = this.freshConst(`${key}.float16`);
        this.initializers.push({ name: stored, dims: [...shape], data: t.half });
        this.op('Cast', [stored], { to: { type: 'int', value: ONNX_FLOAT } }, key);
      } else if (this.mode === 'eval') {
        this.initializers.push({ name: key, dims: [...shape], data: t.data });
      }
    }
    this.names.add(key);
    this.initialized.add(key);
    if (this.mode === 'train') {
      const buffer = node.parameters.find((p) => p.name === name)?.buffer ?? false;
      this.state.push({ key, shape: [...shape], type, kind: buffer ? 'buffer' : 'param' });
      // the graph carries an integer buffer (num_batches_tracked) as float32: int64 arithmetic has no WebGPU kernel
      this.inputs.push({ name: key, dims: [...shape] });
    }
    return key;
  }

  updateBuffer(name: string, value: string): void {
    const key = `${this.current!.path}.${name}`;
    if (this.mode !== 'train') this.fail(`'${key}' is updated in training only`);
    if (!this.initialized.has(key)) this.fail(`'${key}' is updated before it is read`);
    // a module called twice updates its statistics twice, the second from the first's result (param() reads it)
    this.bufferUpdates.set(key, value);
  }

  mask(shape: number[], p: number): string | null {
    if (this.mode !== 'train' || !this.dropout) return null;
    const node = this.current!;
    const base = `${node.path ?? node.id}.mask`;
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    this.masks.push({ name, shape: [...shape], p });
    this.inputs.push({ name, dims: [...shape] });
    return name;
  }

  save(name: string, value: string): void {
    const id = this.current!.id;
    if (!this.kept.has(id)) this.kept.set(id, new Map());
    this.kept.get(id)!.set(name, value);
  }

  saved(name: string): string | null {
    return this.kept.get(this.current!.id)?.get(name) ?? null;
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

  private lower(node: GraphNode, inputs: string[], out: string): Omit<LoweredCall, 'requiresGrad'> {
    const def = getOp(node.key);
    if (!def?.lower) return this.fail(`${node.op} has no ONNX mapping`);
    const cost = node.cost!;
    const inBatched = node.inputs.map((e) => this.batched.has(this.edgeFrom.get(e) ?? ''));
    const batched = inBatched.some(Boolean);
    const call: LowerCall = {
      spelling: node.op,
      args: node.args,
      inputs,
      inShapes: cost.inputShapes.map((s, i) => this.shapeOf(s, inBatched[i] ?? false)),
      outShape: this.shapeOf(cost.outputShape, batched),
      out,
      batched,
      batch: this.batch,
    };
    def.lower(this, call);
    return { node, def, call };
  }
}
