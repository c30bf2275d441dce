// The graph IR: what the parser's view of a model becomes, and what every view (hover, CLI, webview) reads.
// Plain JSON-serializable data: the webview and the CLI receive it as is.

import type { ArgValue, OpTraits, ParamSpec, Shape, SourceRange } from '../types';

export type { ArgValue, OpTraits, ParamSpec, Shape, SourceRange };

export interface NodeCost {
  /** Input shapes in edge order (one per input edge). */
  inputShapes: Shape[];
  outputShape: Shape;
  /** Trainable parameters of this call (0 for a second call of the same module is NOT applied: each call shows its module's params; totals count a module once). */
  params: number;
  /** Multiply-accumulates for batch size of the input. */
  macs: number;
  /** Bytes of the output tensor in fp32. */
  activationBytes: number;
  /** Human-readable derivations, e.g. "H: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55". */
  formula: string[];
}

export interface GraphNode {
  /** Stable within one analysis: "n0", "n1", ... in execution order. */
  id: string;
  /** How the source spells it: 'input' | 'output' | a module class ("Conv2d") | a function ("torch.nn.functional.relu", "add") | a method (".view"). */
  op: string;
  /** The op it is, whatever the spelling: its key in the ops registry ("conv2d", "relu", "max_pool2d"); "unsupported" when none. */
  key: string;
  /** Type and key arguments, e.g. "Conv2d 11x11 s4 p2", "Linear 4608→2048": the CLI table and the graph show it. */
  title: string;
  /** What downstream views need to know of the op. */
  traits: OpTraits;
  kind: 'input' | 'output' | 'module' | 'function' | 'method';
  /** Module path as in state_dict ("features.0", "fc6"); null for functional ops. */
  path: string | null;
  /** Normalized constructor/call arguments by parameter name, defaults filled in. */
  args: Record<string, ArgValue>;
  /** The parameters and buffers the module owns, in state_dict order (module nodes; empty otherwise). */
  parameters: ParamSpec[];
  /** Where the module was constructed (module nodes). */
  defRange?: SourceRange;
  /** Where it is called (the forward call, or the Sequential entry when implicit). */
  callRange?: SourceRange;
  /** Ids of incoming edges, in argument order. A node may have several (cat, add). */
  inputs: string[];
  /** Ids of outgoing edges (usually one). */
  outputs: string[];
  /** Enclosing containers outermost first, e.g. ["features"] for features.0 (Sequential / ModuleList blocks). */
  groups: string[];
  /** Filled by shape inference when it succeeded. */
  cost?: NodeCost;
  /** Set when shape inference failed at this node (PyTorch's wording). */
  error?: string;
}

export interface GraphEdge {
  id: string;
  /** Producing node id. */
  from: string;
  /** Consuming node id. */
  to: string;
  /** Known after shape inference; null when unknown (after an error). */
  shape: Shape | null;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type Severity = 'error' | 'warning' | 'info';

export interface AnalysisDiagnostic {
  message: string;
  severity: Severity;
  range: SourceRange;
  /** Stable code: 'shape', 'unsupported', 'syntax', 'shape-comment', 'input-size', 'no-model'. */
  code: string;
}

/** A row of the torchinfo-like table: one per module/function call in execution order. */
export interface LayerRow {
  nodeId: string;
  path: string | null;
  type: string;
  line: number;
  outputShape: Shape | null;
  params: number;
  macs: number;
}

/** A call of `torch.nn.init.*` (or a tensor's in-place init) on a parameter, recorded in order for training from scratch. */
export interface InitCall {
  /** The state_dict key it initializes ("features.0.weight"). */
  target: string;
  /** The function: "kaiming_normal_", "normal_", "constant_", "zeros_", "xavier_uniform_", ... */
  fn: string;
  /** Its arguments after the tensor, by name (mode, nonlinearity, mean, std, val, a, gain). */
  args: Record<string, ArgValue>;
  /** Its line in the analysed file; for a call in imported code, the line of the analysed file that led to it. */
  line: number;
  /** The imported module's file when the call is there (torchvision's init loops), not in the analysed file. */
  file?: string;
}

/** A model the file offers (what an editor's CodeLens lists): an nn.Module class, a factory returning one, a module-level instance. */
export interface EntryCandidate {
  /** The class, function or variable name. */
  name: string;
  kind: 'class' | 'factory' | 'instance';
  /** Its name in the source (where a CodeLens goes). */
  range: SourceRange;
  /** Calling it needs arguments the file does not give (`ResNet(block, layers)`); instances never do. */
  needsArgs: boolean;
  /** Its parameters after self as written, e.g. "block, layers, num_classes=1000" (classes and factories). */
  params?: string;
  /** What `analyzeSource(..., { entry })` and `--entry` take to build it: "AlexNet", "resnet18()", "model". */
  entry: string;
}

/** A module of the state_dict: its path, how it is spelled ("Conv2d"), its op key and what it owns. */
export interface StateDictModule {
  path: string;
  op: string;
  key: string;
  parameters: ParamSpec[];
}

export interface Analysis {
  /** Entry model: class name, module-level variable name or the call expression it was built with; null when none found. */
  entry: string | null;
  /** The class of the model the entry builds ("AlexNet" for "AlexNet(num_classes=10)"): PyTorch's name for it in messages. */
  modelClass: string | null;
  /** The names of the candidate entries (classes deriving nn.Module, factories, module-level instances). */
  candidates: string[];
  /** Every model the file offers, in source order, for choosing one. */
  entries: EntryCandidate[];
  /** Input shape with batch, e.g. [1, 3, 224, 224]. */
  input: Shape;
  /** Where the input size came from. */
  inputSource: 'comment' | 'default' | 'option';
  /** [C, H, W] the model works with when the default size does not fit it (the 'input-size' warning's suggestion). */
  fitsInput?: Shape;
  graph: Graph;
  layers: LayerRow[];
  /** Final output shape; null when the model is wrong. */
  output: Shape | null;
  /** Each module counted once. */
  totalParams: number;
  totalMacs: number;
  diagnostics: AnalysisDiagnostic[];
  /**
   * Every module that owns parameters or buffers, in registration order (state_dict order), called by forward or
   * not (GoogLeNet's aux heads in eval mode): what `load_state_dict(strict=True)` expects and a new model holds.
   */
  modules?: StateDictModule[];
  /** The `nn.init` calls the model's own code makes (its `_initialize_weights`), in order; absent when none. */
  init?: InitCall[];
  /** The first shape error (what PyTorch would raise), if any. */
  error?: { message: string; line: number };
}
