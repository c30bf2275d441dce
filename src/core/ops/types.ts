// Ops: one file per op (its spellings, shapes, parameters, ONNX lowering, title, traits), listed in registry.ts.
import type { Attribute } from '../onnx/model-proto';
import type { ArgValue, OpTraits, ParamSpec, Shape } from '../types';

export type { ParamSpec };

export type Args = Record<string, ArgValue>;

export interface ShapeOk {
  output: Shape;
  params: number;
  macs: number;
  /** Derivations with numbers filled in, e.g. "H: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55". */
  formula?: string[];
}

export interface ShapeErr {
  /** PyTorch's own wording, e.g. "mat1 and mat2 shapes cannot be multiplied (1x2304 and 1600x512)". */
  error: string;
}

export type ShapeResult = ShapeOk | ShapeErr;

/**
 * A parameter of a constructor or function signature: name and default.
 * A parameter without `default` is required. `kwOnly` parameters cannot be given positionally.
 */
export interface Param {
  name: string;
  default?: ArgValue;
  kwOnly?: boolean;
  /**
   * Python `*args` (collects the extra positional arguments as a list), or for a native op like Tensor.view
   * the int-list argument that may also be spread as positional ints (`x.view(1, -1)` == `x.view((1, -1))`).
   */
  varargs?: boolean;
  /** Python `**kwargs`: unknown keywords are accepted (and kept under their own names). */
  varkw?: boolean;
  /** The keyword PyTorch accepts for this parameter when it differs from `name` (Tensor.view's `size`). */
  keyword?: string;
}

/**
 * How a builtin (C++) PyTorch op binds its arguments (torch's python_arg_parser, not CPython): its TypeErrors
 * are worded differently ("missing 1 required positional arguments: \"kernel_size\"", "received an invalid
 * combination of arguments"). Absent on a rule: the op is a Python `def` and binds like CPython.
 */
export interface NativeBinding {
  /** [min, max] argument counts (tensors included) of the op's other visible overloads. */
  otherOverloads?: Array<[number, number]>;
  /** The op also has hidden (deprecated) overloads, so its errors go through the overload chooser. */
  hiddenOverloads?: boolean;
  /** The single visible signature as printed after "but expected", e.g. "Tensor input, Tensor other, *, Number alpha, Tensor out". */
  expected?: string;
  /** A METH_NOARGS tensor method (x.relu()): "takes no arguments (1 given)". */
  noArgs?: boolean;
}

export interface ShapeRule {
  /** Name looked up: a module class ("Conv2d") or a qualified function ("F.relu", "torch.flatten") or a tensor method (".view"). */
  op: string;
  kind: 'module' | 'function' | 'method';
  /**
   * Signature used to bind call arguments to names, in Python order.
   * For functions and methods the tensor input(s) are NOT part of the signature when `tensorInputs` says so:
   * e.g. F.relu(input, inplace=False) has tensorInputs 1 and signature [inplace].
   */
  signature: Param[];
  /** Number of leading positional tensor arguments (functions: usually 1; modules: 0, inputs come from forward). 'variadic' for torch.cat's list. */
  tensorInputs?: number | 'variadic';
  /**
   * The callee's name as Python prints it in TypeErrors ("Linear.__init__", "_MaxPoolNd.__init__", "relu",
   * "_TensorBase.relu"); bindArgs uses it in preference to its calleeName argument.
   */
  pyName?: string;
  /** Set for builtin (C++) ops; absent for Python `def`s (modules' __init__, most of torch.nn.functional). */
  native?: NativeBinding;
  /** Returns the output shape, params and MACs, or PyTorch's error message. Never throws. */
  infer(inputs: Shape[], args: Args): ShapeResult;
}

export function isShapeErr(r: ShapeResult): r is ShapeErr {
  return (r as ShapeErr).error !== undefined;
}

// ------------------------------------------------------------------ everything an op means

/** Which runtime an ONNX graph is built for (see OnnxEmitter.target). */
export type OnnxTarget = 'cpu' | 'webgpu';

/** What the ONNX builder offers an op's lowering: nodes, constants, the module's own weights, argument checks. */
export interface OnnxEmitter {
  /**
   * PyTorch's mode the graph is built in: 'eval' (running statistics, no dropout) or 'train' (the training step:
   * BatchNorm on batch statistics with its running-stat updates, dropout through masks fed as graph inputs).
   */
  readonly mode: 'eval' | 'train';
  /**
   * The runtime the graph is built for. 'webgpu' (the default, and every export): only ops onnxruntime-web's WebGPU
   * EP has kernels for. 'cpu' (onnxruntime-node's training step): any op of onnxruntime's CPU EP at opset
   * CPU_OPSET (MaxPool's Indices, ScatterElements with reduction), so an op may pick what is fastest there.
   */
  readonly target: OnnxTarget;
  /** Adds an ONNX node; its single output is `out` or a fresh name, returned. */
  op(opType: string, inputs: string[], attributes?: Record<string, Attribute>, out?: string): string;
  /** Adds an ONNX node with several outputs, named by `outs` (a fresh name for each null); returns their names. */
  opOutputs(opType: string, inputs: string[], attributes: Record<string, Attribute>, outs: (string | null)[]): string[];
  scalar(v: number): string;
  floatConst(values: number[] | Float32Array, dims: number[]): string;
  intConst(values: number[]): string;
  /**
   * The current module's state_dict entry `name` (checked against `shape`), as a graph value: an initializer in
   * eval mode, a state input (by state_dict key) in train mode. 'int64' entries (num_batches_tracked) exist in
   * train mode only, carried as float32 in the graph (int64 arithmetic has no WebGPU kernel).
   */
  param(name: string, shape: number[], type?: 'float32' | 'int64'): string;
  /** Train mode: the next value of the current module's buffer `name` (a state output), e.g. BatchNorm's running_mean. */
  updateBuffer(name: string, value: string): void;
  /**
   * Train mode: a dropout mask of `shape` fed by the runtime each step (0 or 1/(1-p) per element), as a graph
   * input; null when the step is built without dropout (eval-mode dropout, the identity).
   */
  mask(shape: number[], p: number): string | null;
  /** Keeps a forward value under `name` for this call's backward (the same call's `saved(name)`). */
  save(name: string, value: string): void;
  /** A value this call's forward kept with `save`; null when it kept none under that name. */
  saved(name: string): string | null;
  int(name: string, v: ArgValue | undefined): number;
  num(name: string, v: ArgValue | undefined): number;
  /** An int or a 1- or 2-tuple as [h, w]. */
  pair(name: string, v: ArgValue | undefined): [number, number];
  rank4(shape: Shape, what: string): void;
  /** Stops the export with "Cannot export <layer> to ONNX: <why>." naming the layer and its line. */
  fail(why: string): never;
}

/** One call of an op as the builder lowers it. */
export interface LowerCall {
  /** How the source spelled it ("torch.ones", "MaxPool2d"). */
  spelling: string;
  args: Args;
  /** The graph values of its inputs, in edge order. */
  inputs: string[];
  /** Its input and output shapes; in train mode a batched shape carries the step's batch first. */
  inShapes: Shape[];
  outShape: Shape;
  /** The name its output must get. */
  out: string;
  /** Whether its input carries the batch dimension first. */
  batched: boolean;
  /** The batch size the graph is built for: a number, or 'N' for any. */
  batch: number | 'N';
}

/** One call's backward: its forward call, the forward's values, and dLoss/dOutput. */
export interface BackwardCall extends LowerCall {
  /** The gradient of the loss with respect to this call's output (the output's shape). */
  dOut: string;
  /**
   * Per input (edge order): whether its gradient is needed. An op may return null for one that is not (the
   * model's input: the first convolution's dX is never computed in a training step).
   */
  needsGrad: boolean[];
}

export interface Gradients {
  /** dLoss/dInput for each input in edge order; null where an input needs none (a constant). */
  inputs: (string | null)[];
  /** dLoss/dParameter by the parameter's name ("weight", "bias"). */
  params?: Record<string, string>;
}

/**
 * Everything an op means, in one file: the registry lists these and nothing downstream matches op names.
 * A new op is one such file, one registry line and its PyTorch fixtures.
 */
export interface OpDef {
  /** The op whatever the spelling ("conv2d", "relu", "max_pool2d"); IR nodes carry it as `key`. */
  key: string;
  /** Its spellings (module class, F., torch., tensor method), each with its signature and shape inference. */
  rules: ShapeRule[];
  /** Spellings the evaluator builds nodes for without binding a signature (torch.zeros' size). */
  alsoSpelled?: string[];
  /** The key arguments after the type in its title: ["11x11", "s4", "p2"] for "Conv2d 11x11 s4 p2". */
  title?(args: Args): string[];
  /** The parameters and buffers it owns, in state_dict order (module spellings). */
  params?(args: Args): ParamSpec[];
  /** Its ONNX forward: PyTorch's eval-mode semantics, or train mode when the emitter's `mode` says so. */
  lower?(g: OnnxEmitter, call: LowerCall): void;
  /**
   * Its backward as ONNX: given the gradient of the loss with respect to its output, the gradients of its inputs
   * and of the parameters it owns, in PyTorch's semantics (checked against PyTorch's autograd by fixtures).
   */
  backward?(g: OnnxEmitter, call: BackwardCall): Gradients;
  traits?: OpTraits;
}
