// One training step as one ONNX graph: the forward in train mode (src/core/onnx/build.ts lowers each op in its
// own file), F.cross_entropy, the backward of every op in reverse order (each op's `backward`), and the
// optimizer's update with PyTorch's rules. Only ONNX ops onnxruntime-web's WebGPU EP has kernels for
// (WEBGPU_OPS): no LogSoftmax, no MaxPool Indices, no LRN.
import type { Analysis } from '../model/ir';
import { type FloatTensor, GraphBuilder, INPUT_NAME, type LoweredCall, OnnxExportError, OUTPUT_NAME, checkExportable } from '../onnx/build';
import { ai, ais, reduceSum } from '../ops/common';
import type { OnnxTarget } from '../ops/types';
import type { AdamOptions, MaskSpec, SgdOptions, TensorSpec, TrainStepOptions, TrainingStep } from './types';

/**
 * The ONNX op types a training step may use: those onnxruntime-web 1.30's WebGPU EP runs (measured or listed).
 * Seen placed on WebGPU in Chromium (SwiftShader) with verbose logging: LessOrEqual, GreaterOrEqual, Less, Greater,
 * Equal, And, Where, ArgMax, Cast (int32 -> int64). Seen on the CPU: OneHot, Cast (int64 -> int32), LRN, LogSoftmax.
 */
export const WEBGPU_OPS: ReadonlySet<string> = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Pow', 'Neg', 'Abs', 'Erf', 'Clip', 'LeakyRelu',
  'MatMul', 'Gemm', 'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Reshape', 'Flatten', 'Transpose',
  'Concat', 'Slice', 'Pad', 'Squeeze', 'Unsqueeze', 'Expand', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'Softmax', 'Cast',
  'Equal', 'Where', 'Not', 'And', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'ArgMax', 'Resize', 'Identity', 'Gather', 'GatherElements', 'ScatterElements', 'Tile',
  'Range', 'Shape', 'ConstantOfShape',
]);

/** The suffix of a state output: `features.0.weight` is read from input `features.0.weight`, written to `features.0.weight.next`. */
export const NEXT_SUFFIX = '.next';
export const LABELS_NAME = 'labels';
export const LR_NAME = 'lr';
export const STEP_NAME = 'step';
export const LOSS_NAME = 'loss';

interface Pass {
  b: GraphBuilder;
  calls: LoweredCall[];
  /** The input node, when its gradient is asked for. */
  inputId: string | null;
  /** The model's output: the node that makes it, its value and shape (batch first). */
  output: { nodeId: string; value: string; shape: number[] };
}

function forwardPass(analysis: Analysis, tensors: ReadonlyMap<string, FloatTensor>, batch: number, dropout: boolean, inputNeedsGrad: boolean, target: OnnxTarget): Pass {
  checkExportable(analysis);
  if (!Number.isInteger(batch) || batch < 1) throw new OnnxExportError(`batch must be a positive integer, got ${String(batch)}`);
  const b = new GraphBuilder(analysis, tensors, { mode: 'train', batch, dropout, target });
  const calls = b.forward(inputNeedsGrad);
  const outNode = analysis.graph.nodes.find((n) => n.kind === 'output');
  const edge = outNode?.inputs[0];
  const from = edge ? b.producerOf(edge) : undefined;
  const value = from ? b.valueOfNode(from.id) : undefined;
  if (!from || !value || !from.cost) throw new OnnxExportError('Cannot build a training step: the model returns no tensor.');
  if (outNode!.inputs.length > 1) throw new OnnxExportError('Cannot build a training step: the model returns several tensors; the loss needs one.');
  const call = calls.find((c) => c.node.id === from.id);
  const inputId = inputNeedsGrad ? analysis.graph.nodes.find((n) => n.kind === 'input')?.id ?? null : null;
  const shape = call ? [...call.call.outShape] : [batch, ...from.cost.outputShape.slice(1)];
  return { b, calls, inputId, output: { nodeId: from.id, value, shape } };
}

/**
 * The backward of every call in reverse execution order, from dLoss/dOutput. A value feeding several consumers
 * gets the sum of their gradients; a module called more than once, the sum over its calls. Returns the
 * parameters' gradients by state_dict key and the input's gradient when it was asked for.
 */
function backwardPass(pass: Pass, dOutput: string): { params: Map<string, string>; input: string | null } {
  const { b, calls } = pass;
  const requires = new Map<string, boolean>(calls.map((c) => [c.node.id, c.requiresGrad]));
  if (pass.inputId) requires.set(pass.inputId, true);
  const grads = new Map<string, string>();
  const params = new Map<string, string>();
  if (!requires.get(pass.output.nodeId)) throw new OnnxExportError('Cannot build a training step: the output depends on no trained parameter.');
  grads.set(pass.output.nodeId, dOutput);
  const accumulate = (into: Map<string, string>, key: string, value: string): void => {
    const had = into.get(key);
    into.set(key, had ? b.op('Add', [had, value]) : value);
  };
  let inputId: string | null = null;
  for (let i = calls.length - 1; i >= 0; i--) {
    const { node, def, call, requiresGrad } = calls[i];
    const dOut = grads.get(node.id);
    if (!dOut || !requiresGrad) continue;
    b.at(node);
    const backward = def.backward ?? b.fail(`${node.op} has no backward for training`);
    const producers = node.inputs.map((e) => b.producerOf(e));
    const needsGrad = producers.map((p) => (p ? requires.get(p.id) ?? false : false));
    const result = backward(b, { ...call, dOut, needsGrad });
    result.inputs.forEach((gradient, k) => {
      const p = producers[k];
      if (!gradient || !needsGrad[k] || !p) return;
      if (p.kind === 'input') inputId = p.id;
      accumulate(grads, p.id, gradient);
    });
    for (const [name, gradient] of Object.entries(result.params ?? {})) accumulate(params, `${node.path}.${name}`, gradient);
  }
  b.at(null);
  return { params, input: inputId ? grads.get(inputId) ?? null : null };
}

// ------------------------------------------------------------------ the loss

/**
 * F.cross_entropy(logits, labels, label_smoothing=eps), mean over the batch, and its gradient, spelled with
 * WebGPU primitives: log_softmax = z - max - log(sum(exp(z - max))); loss = -mean_b sum_k q_k log_softmax_k with
 * q = (1 - eps) one_hot + eps / K; dLoss/dz = (softmax - q) / B.
 */
function crossEntropy(b: GraphBuilder, logits: string, batch: number, classes: number, smoothing: number): { loss: string; dLogits: string } {
  const shifted = b.op('Sub', [logits, b.op('ReduceMax', [logits], { axes: ais([1]), keepdims: ai(1) })]);
  const logSum = b.op('Log', [reduceSum(b, b.op('Exp', [shifted]), [1], true)]);
  const logProbs = b.op('Sub', [shifted, logSum]);
  // class indices as float32 (exact below 2^24): int64 arithmetic has no WebGPU kernel and would run on the CPU
  const labels = b.op('Reshape', [b.addInput(LABELS_NAME, [batch]), b.intConst([batch, 1])]);
  const classIds = b.floatConst(Float32Array.from({ length: classes }, (_, k) => k), [1, classes]);
  const oneHot = b.op('Cast', [b.op('Equal', [labels, classIds])], { to: ai(1) });
  const target = smoothing > 0 ? b.op('Add', [b.op('Mul', [oneHot, b.scalar(1 - smoothing)]), b.scalar(smoothing / classes)]) : oneHot;
  const loss = b.op('Div', [b.op('Neg', [reduceSum(b, b.op('Mul', [target, logProbs]), [0, 1], false)]), b.scalar(batch)]);
  const dLogits = b.op('Div', [b.op('Sub', [b.op('Exp', [logProbs]), target]), b.scalar(batch)]);
  return { loss, dLogits };
}

// ------------------------------------------------------------------ optimizers

interface OptimizerState {
  name: string;
  shape: number[];
}

/**
 * torch.optim.SGD (1.13) for one parameter: returns its next value (made as graph value `out`); `state` collects the
 * momentum buffer. The buffers start at zero (TrainingStep's contract), so without dampening the first step's
 * buf * momentum + d is d exactly, PyTorch's buf = clone(d_p): only dampening needs the first step told apart.
 */
function sgdUpdate(b: GraphBuilder, o: SgdOptions, key: string, shape: number[], grad: string, lr: string, first: () => string, state: Map<string, { input: OptimizerState; next: string }>, out: string): string {
  let d = o.weightDecay !== 0 ? b.op('Add', [grad, b.op('Mul', [key, b.scalar(o.weightDecay)])]) : grad;
  if (o.momentum !== 0) {
    const name = `${key}.momentum_buffer`;
    b.addInput(name, shape);
    const next = name + NEXT_SUFFIX;
    const decayed = (): string => b.op('Mul', [name, b.scalar(o.momentum)]);
    const buffer = o.dampening !== 0
      ? b.op('Where', [first(), d, b.op('Add', [decayed(), b.op('Mul', [d, b.scalar(1 - o.dampening)])])], {}, next)
      : (!o.nesterov && foldIntoGemm(b, d, name, o.momentum, next)) || b.op('Add', [decayed(), d], {}, next);
    state.set(name, { input: { name, shape }, next: buffer });
    d = o.nesterov ? b.op('Add', [d, b.op('Mul', [buffer, b.scalar(o.momentum)])]) : buffer;
  }
  return b.op('Sub', [key, b.op('Mul', [d, lr])], {}, out);
}

/**
 * CPU: when `value` (a gradient) is a Gemm's product that nothing else reads, it becomes Gemm(A, B, c, beta) named
 * `out`: buf * momentum + dW in the Gemm's own pass over the output instead of two more passes over the weight
 * (MLAS scales C by beta, then adds the product: PyTorch's buf.mul_(momentum).add_(d_p), rounding for rounding).
 * Returns `out`, or null where it does not apply.
 */
function foldIntoGemm(b: GraphBuilder, value: string, c: string, beta: number, out: string): string | null {
  if (b.target !== 'cpu') return null;
  const node = b.nodes.find((n) => n.outputs.includes(value));
  if (!node || node.opType !== 'Gemm' || node.inputs.length !== 2 || node.attributes.alpha || node.attributes.beta) return null;
  if (b.nodes.some((n) => n.inputs.includes(value)) || b.outputs.some((o) => o.name === value)) return null;
  node.inputs.push(c);
  node.attributes.beta = { type: 'float', value: beta };
  node.outputs[0] = out;
  return out;
}

/** torch.optim.Adam (1.13, amsgrad=False) for one parameter: weight decay added to the gradient, bias corrections from `step`. */
function adamUpdate(
  b: GraphBuilder,
  o: AdamOptions,
  key: string,
  shape: number[],
  grad: string,
  corrections: () => { stepSize: string; root2: string },
  state: Map<string, { input: OptimizerState; next: string }>,
  out: string,
): string {
  const g = o.weightDecay !== 0 ? b.op('Add', [grad, b.op('Mul', [key, b.scalar(o.weightDecay)])]) : grad;
  const m = `${key}.exp_avg`;
  const v = `${key}.exp_avg_sq`;
  b.addInput(m, shape);
  b.addInput(v, shape);
  const nextM = b.op('Add', [b.op('Mul', [m, b.scalar(o.beta1)]), b.op('Mul', [g, b.scalar(1 - o.beta1)])], {}, m + NEXT_SUFFIX);
  const nextV = b.op('Add', [b.op('Mul', [v, b.scalar(o.beta2)]), b.op('Mul', [b.op('Mul', [g, g]), b.scalar(1 - o.beta2)])], {}, v + NEXT_SUFFIX);
  state.set(m, { input: { name: m, shape }, next: nextM });
  state.set(v, { input: { name: v, shape }, next: nextV });
  const { stepSize, root2 } = corrections();
  const denom = b.op('Add', [b.op('Div', [b.op('Sqrt', [nextV]), root2]), b.scalar(o.eps)]);
  return b.op('Sub', [key, b.op('Mul', [b.op('Div', [nextM, denom]), stepSize])], {}, out);
}

function checkOptions(o: TrainStepOptions): void {
  const opt = o.optimizer;
  const bad = (what: string): never => {
    throw new OnnxExportError(what);
  };
  if (opt.kind === 'sgd') {
    if (opt.momentum < 0) bad(`Invalid momentum value: ${opt.momentum}`);
    if (opt.weightDecay < 0) bad(`Invalid weight_decay value: ${opt.weightDecay}`);
    if (opt.nesterov && (opt.momentum <= 0 || opt.dampening !== 0)) bad('Nesterov momentum requires a momentum and zero dampening');
  } else {
    if (opt.eps < 0) bad(`Invalid epsilon value: ${opt.eps}`);
    if (opt.beta1 < 0 || opt.beta1 >= 1) bad(`Invalid beta parameter at index 0: ${opt.beta1}`);
    if (opt.beta2 < 0 || opt.beta2 >= 1) bad(`Invalid beta parameter at index 1: ${opt.beta2}`);
    if (opt.weightDecay < 0) bad(`Invalid weight_decay value: ${opt.weightDecay}`);
  }
  const s = o.labelSmoothing ?? 0;
  if (s < 0 || s > 1) bad(`label_smoothing must be between 0.0 and 1.0. Got: ${s}`);
}

// ------------------------------------------------------------------ the step

function spec(v: { name: string; dims: (number | string)[] | null; type?: 'float32' | 'int64' }): TensorSpec {
  return { name: v.name, type: v.type ?? 'float32', shape: (v.dims ?? []).map(Number) };
}

/**
 * The training step of `analysis` (see TrainingStep): `tensors` holds the state_dict the step starts from (its
 * keys and shapes are checked; the values are fed by the runtime as state inputs, not baked in).
 */
export function buildTrainingStep(analysis: Analysis, tensors: ReadonlyMap<string, FloatTensor>, options: TrainStepOptions): TrainingStep {
  checkOptions(options);
  const pass = forwardPass(analysis, tensors, options.batch, options.dropout, false, options.target ?? 'webgpu');
  const { b, output } = pass;
  if (output.shape.length !== 2) {
    throw new OnnxExportError(`Cannot build a training step: cross_entropy needs logits [batch, classes], the model returns [${output.shape.join(', ')}].`);
  }
  const [batch, classes] = output.shape;
  const lr = b.addInput(LR_NAME, []);
  const step = b.addInput(STEP_NAME, []);
  const { loss, dLogits } = crossEntropy(b, output.value, batch, classes, options.labelSmoothing ?? 0);
  const grads = backwardPass(pass, dLogits);

  const opt = options.optimizer;
  const optimizerState = new Map<string, { input: OptimizerState; next: string }>();
  let first: string | null = null;
  const isFirst = (): string => (first ??= b.op('Equal', [step, b.scalar(1)]));
  let corrections: { stepSize: string; root2: string } | null = null;
  const adamCorrections = (): { stepSize: string; root2: string } => {
    if (corrections) return corrections;
    const o = opt as AdamOptions;
    const bc1 = b.op('Sub', [b.scalar(1), b.op('Pow', [b.scalar(o.beta1), step])]);
    const bc2 = b.op('Sub', [b.scalar(1), b.op('Pow', [b.scalar(o.beta2), step])]);
    corrections = { stepSize: b.op('Div', [lr, bc1]), root2: b.op('Sqrt', [bc2]) };
    return corrections;
  };
  const next = new Map<string, string>();
  for (const s of b.state) {
    if (s.kind === 'buffer') {
      next.set(s.key, b.bufferUpdates.get(s.key) ?? s.key);
      continue;
    }
    const grad = grads.params.get(s.key);
    // a parameter the loss does not reach has no gradient: PyTorch's optimizers skip it
    if (!grad) {
      next.set(s.key, s.key);
      continue;
    }
    const out = s.key + NEXT_SUFFIX;
    next.set(
      s.key,
      opt.kind === 'sgd'
        ? sgdUpdate(b, opt, s.key, s.shape, grad, lr, isFirst, optimizerState, out)
        : adamUpdate(b, opt, s.key, s.shape, grad, adamCorrections, optimizerState, out),
    );
  }

  b.addOutput(LOSS_NAME, loss, []);
  b.addOutput(OUTPUT_NAME, output.value, output.shape);
  const state: TrainingStep['state'] = [];
  for (const s of b.state) {
    b.addOutput(s.key + NEXT_SUFFIX, next.get(s.key)!, s.shape);
    state.push({ input: s.key, output: s.key + NEXT_SUFFIX, shape: s.shape, type: s.type, kind: s.kind });
  }
  for (const { input, next: value } of optimizerState.values()) {
    b.addOutput(input.name + NEXT_SUFFIX, value, input.shape);
    state.push({ input: input.name, output: input.name + NEXT_SUFFIX, shape: input.shape, type: 'float32', kind: 'optimizer' });
  }
  const masks: MaskSpec[] = b.masks.map((m) => ({ ...m }));
  return { onnx: b.encode(), inputs: b.inputs.map(spec), outputs: b.outputs.map(spec), state, masks };
}

/** What a gradient check reads: the forward output, dLoss/dInput and dLoss/dParameter for a given dLoss/dOutput. */
export interface GradientGraph {
  onnx: Uint8Array;
  inputs: TensorSpec[];
  /** `output`, `grad_input`, `grad.<key>` per parameter, `<key>.next` per buffer. */
  outputs: TensorSpec[];
  masks: MaskSpec[];
  /** The state read: parameters and buffers by state_dict key. */
  state: { key: string; shape: number[]; type: 'float32' | 'int64'; kind: 'param' | 'buffer' }[];
}

export const GRAD_OUTPUT_NAME = 'grad_output';
export const GRAD_INPUT_NAME = 'grad_input';

/**
 * The forward in train mode and the backward from a given dLoss/dOutput (input `grad_output`), without loss or
 * optimizer: what the per-op gradient fixtures compare with torch.autograd.
 */
export function buildGradientGraph(analysis: Analysis, tensors: ReadonlyMap<string, FloatTensor>, options: { batch: number; dropout: boolean; target?: OnnxTarget }): GradientGraph {
  const pass = forwardPass(analysis, tensors, options.batch, options.dropout, true, options.target ?? 'webgpu');
  const { b, output } = pass;
  const dOutput = b.addInput(GRAD_OUTPUT_NAME, output.shape);
  const grads = backwardPass(pass, dOutput);
  b.addOutput('output', output.value, output.shape);
  const inputShape = [options.batch, ...analysis.input.slice(1)];
  b.addOutput(GRAD_INPUT_NAME, grads.input ?? b.op('Mul', [INPUT_NAME, b.scalar(0)]), inputShape);
  for (const s of b.state) {
    if (s.kind === 'param') {
      const grad = grads.params.get(s.key);
      if (grad) b.addOutput(`grad.${s.key}`, grad, s.shape);
    } else {
      b.addOutput(s.key + NEXT_SUFFIX, b.bufferUpdates.get(s.key) ?? s.key, s.shape);
    }
  }
  return { onnx: b.encode(), inputs: b.inputs.map(spec), outputs: b.outputs.map(spec), masks: b.masks.map((m) => ({ ...m })), state: [...b.state] };
}
