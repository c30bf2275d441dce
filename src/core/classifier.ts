/**
 * Model file + checkpoint + labels -> an ONNX classifier: what the CLI's `classify`/`export` and the editor's
 * "Classify with AlexNet" / "Export ONNX..." share. Pure: callers read the files (fs in the CLI, workspace.fs in
 * the extension) and hand over text, bytes or a reader.
 */
import { type Channels, type ImageSize, type Preset, PRESETS } from './images/preprocess';
import { IMAGENET_CLASSES, LabelsError, isTorchvisionAlexNetCheckpoint, readLabels } from './labels';
import { analyzeSourceSafely as analyzeSource } from './model/analyze';
import { TORCHVISION_SOURCES } from './model/torchvision/sources';
import type { ModuleResolver } from './model/imports';
import type { Analysis, GraphNode } from './model/ir';
import { type ActivationOutput, type BuildOnnxOptions, OnnxExportError, activationOutputs, buildOnnxModel, expectedParams, floatTensors } from './onnx';
import { type OutputKind, outputKindOf } from './scores';
import { type BindResult, type Checkpoint, bindStateDict } from './weights';

/**
 * Why a classifier could not be made: 'model' when the model or its weights are wrong (PyTorch would raise; the
 * CLI exits 1), 'input' when a file is unusable (exit 2), 'usage' when the caller asked for something absent.
 */
export class ClassifierError extends Error {
  override readonly name = 'ClassifierError';
  constructor(message: string, readonly kind: 'model' | 'input' | 'usage') {
    super(message);
  }
}

/** A model's Python source and the file it came from (used in messages). */
export interface ModelSource {
  file: string;
  text: string;
  /** The model to use when the file has several (`--entry`). */
  entry?: string;
  /** The user's input size [C, H, W] for files without a `# input[...]` comment (the editor's setting). */
  defaultInput?: number[];
  /** Reads the model's own modules it imports (`from .blocks import Fire`). */
  readModule?: ModuleResolver;
}

/** The checkpoint, read lazily: model errors are reported before the weights are even opened, as the CLI always did. */
export interface WeightsSource {
  file: string;
  read: () => Checkpoint;
}

export interface LoadedModel {
  analysis: Analysis;
  bound: BindResult;
  /** Sentences for the user: what was adapted (the number of classes, checkpoint notes). */
  notes: string[];
}

/** torchvision's AlexNet as shipped (src/core/model/torchvision/models/alexnet.py), for its ImageNet checkpoint when the user has no model file. */
export const TORCHVISION_ALEXNET: ModelSource = {
  file: TORCHVISION_SOURCES['torchvision.models.alexnet'].file,
  entry: 'AlexNet',
  text: TORCHVISION_SOURCES['torchvision.models.alexnet'].text,
};

const NO_MODEL = 'no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)';

/** The model's output layer: the Linear whose output reaches the model's output through shape-keeping ops. */
export function headLinear(analysis: Analysis): GraphNode | null {
  const byId = new Map(analysis.graph.nodes.map((n) => [n.id, n]));
  const edgeFrom = new Map(analysis.graph.edges.map((e) => [e.id, e.from]));
  let node = byId.get(edgeFrom.get(analysis.graph.nodes[analysis.graph.nodes.length - 1]?.inputs[0] ?? '') ?? '');
  while (node && node.key !== 'linear' && node.inputs.length === 1 && node.traits.keepsScores) {
    node = byId.get(edgeFrom.get(node.inputs[0]) ?? '');
  }
  return node && node.key === 'linear' && node.kind === 'module' && node.path ? node : null;
}

/** The op (its registry key) that produces the model's output; '' when unknown. */
export function lastOp(analysis: Analysis): string {
  const outputNode = analysis.graph.nodes[analysis.graph.nodes.length - 1];
  if (!outputNode) return '';
  const lastEdge = analysis.graph.edges.find((e) => e.id === outputNode.inputs[0]);
  return analysis.graph.nodes.find((n) => n.id === lastEdge?.from)?.key ?? '';
}

/**
 * Analyses the model and binds the checkpoint as load_state_dict(strict=True) would. When only the output
 * layer's size differs (the file's default num_classes=1000, a checkpoint trained for 10), the model is
 * built as `Entry(num_classes=K)`, as the training script did, and a note says so.
 * `inputNote` is appended to shape errors (e.g. which input the caller feeds).
 */
export function loadModel(model: ModelSource, weights: WeightsSource, options: { input?: number[]; inputNote?: string } = {}): LoadedModel {
  const { inputNote = '' } = options;
  const { analysis } = analyzeModel(model, options.input);
  const input = options.input ?? analysis.input.slice(1);
  if (!analysis.entry) throw new ClassifierError(`${model.file}: ${NO_MODEL}`, 'input');
  if (model.entry && analysis.entry !== model.entry) {
    throw new ClassifierError(`${model.file}: no model named '${model.entry}'; found: ${analysis.candidates.join(', ')}`, 'usage');
  }
  if (analysis.error) throw new ClassifierError(`${model.file}:${analysis.error.line}: ${analysis.error.message}${inputNote}`, 'model');
  const checkpoint = weights.read();
  const notes = checkpoint.notes.map((n) => `${weights.file}: ${n}`);
  const modelName = analysis.modelClass ?? analysis.entry;
  const bound = bindStateDict(expectedParams(analysis), checkpoint, { modelName });
  if (bound.ok) return { analysis, bound, notes };

  const head = headLinear(analysis);
  const headWeight = head ? checkpoint.tensors.get(`${head.path}.weight`) : undefined;
  const onlyHead = head && headWeight && headWeight.shape.length === 2 && bound.missing.length === 0 && bound.unexpected.length === 0 &&
    bound.sizeMismatches.every((m) => m.key === `${head.path}.weight` || m.key === `${head.path}.bias`);
  if (onlyHead && /^[A-Za-z_]\w*$/.test(analysis.entry)) {
    const classes = headWeight.shape[0];
    const resized = analyzeSource(model.text, { input, entry: `${analysis.entry}(num_classes=${classes})`, file: model.file, readModule: model.readModule });
    if (!resized.error && resized.output) {
      const rebound = bindStateDict(expectedParams(resized), checkpoint, { modelName });
      if (rebound.ok) {
        const was = head.args.out_features;
        notes.push(`${model.file}: ${analysis.entry} is built with ${was} classes by default; the weights have ${classes}: using ${analysis.entry}(num_classes=${classes})`);
        return { analysis: resized, bound: rebound, notes };
      }
    }
  }
  throw new ClassifierError(`${weights.file}: ${bound.error}`, 'model');
}

/** The ONNX model's bytes (opset 13, input 'input', output 'logits'). */
export function buildOnnx(loaded: LoadedModel, options: BuildOnnxOptions = {}): Uint8Array {
  try {
    return buildOnnxModel(loaded.analysis, floatTensors(loaded.bound.tensors), options);
  } catch (e) {
    if (e instanceof OnnxExportError) throw new ClassifierError(e.message, 'model');
    throw e;
  }
}

/** A classify or export is one action, not a keystroke: time enough to try the common sizes in a cold process. */
const FIT_BUDGET_MS = 1000;

/**
 * The model at its own input size: `input` when given, else its `# input[...]` comment, the user's setting, or the
 * default [C, 224, 224]; when the default does not fit and another size does (the paper's AlexNet at 227, a CIFAR
 * model at 32), that size.
 */
function analyzeModel(model: ModelSource, input?: number[]): { analysis: Analysis; source: ModelInput['source'] } {
  const analysis = analyzeSource(model.text, { input, entry: model.entry, defaultInput: model.defaultInput, suggestBudgetMs: FIT_BUDGET_MS, file: model.file, readModule: model.readModule });
  if (!input && analysis.error && analysis.fitsInput) return { analysis: analyzeSource(model.text, { input: analysis.fitsInput, entry: model.entry, file: model.file, readModule: model.readModule }), source: 'fits' };
  return { analysis, source: analysis.inputSource };
}

/** What classify feeds the model: its channels (1 or 3) and its own height and width. */
export interface ModelInput extends ImageSize {
  channels: Channels;
  /** Where the size came from: the file's `# input[...]` comment, the setting, the default, or the size that fits. */
  source: Analysis['inputSource'] | 'fits';
}

/** The images the model takes: [1 or 3, H, W] at its own size (see analyzeModel), else a model error. */
export function modelInput(model: ModelSource): ModelInput {
  const { analysis, source } = analyzeModel(model);
  const [, channels, height, width] = analysis.input;
  if (analysis.input.length !== 4 || (channels !== 1 && channels !== 3)) {
    throw new ClassifierError(`${model.file}: the model takes input [${analysis.input.slice(1).join(', ')}]; classify feeds images as [1 or 3, height, width]`, 'model');
  }
  return { channels, height, width, source };
}

/** How classify describes the input it feeds, for messages: " (with the [3, 227, 227] input classify feeds it)". */
export function inputNote(input: ModelInput): string {
  return ` (with the [${input.channels}, ${input.height}, ${input.width}] input classify feeds it)`;
}

/** The preprocessing for a checkpoint: torchvision's own AlexNet -> imagenet; else the `preset` of its training.json; else the study note's. */
export function presetFor(weightsFile: string, trainingJson: string | null): Preset {
  if (isTorchvisionAlexNetCheckpoint(weightsFile)) return 'imagenet';
  if (trainingJson !== null) {
    try {
      const preset = (JSON.parse(trainingJson) as { preset?: unknown } | null)?.preset;
      if (preset === 'seed' || preset === 'imagenet') return preset;
    } catch {
      // an unreadable training.json: the study note's preprocessing
    }
  }
  return 'seed';
}

export type LabelsSource = 'file' | 'imagenet' | 'none';

/**
 * The class names: from the labels file when given (its count must match the model's classes), the built-in
 * ImageNet classes for torchvision's checkpoint, else none (classes are shown by index).
 */
export function resolveLabels(labels: { file: string; text: string } | null, weightsFile: string, classes: number): { labels: string[] | null; source: LabelsSource } {
  if (labels) {
    let names: string[];
    try {
      names = readLabels(labels.text, labels.file);
    } catch (e) {
      if (e instanceof LabelsError) throw new ClassifierError(e.message, 'input');
      throw e;
    }
    if (names.length !== classes) throw new ClassifierError(`${labels.file}: ${names.length} labels, but the model has ${classes} classes`, 'input');
    return { labels: names, source: 'file' };
  }
  if (isTorchvisionAlexNetCheckpoint(weightsFile) && classes === IMAGENET_CLASSES.length) return { labels: [...IMAGENET_CLASSES], source: 'imagenet' };
  return { labels: null, source: 'none' };
}

/** The number of classes: the last dimension of the model's output. */
export function classCount(analysis: Analysis): number {
  return analysis.output?.[analysis.output.length - 1] ?? 0;
}

/** A 4-D layer output the panel can draw as a grid of channel maps. */
export interface ActivationMapLayer {
  /** The ONNX output name to fetch. */
  name: string;
  /** What the user reads: `features.0 Conv2d + ReLU`. */
  title: string;
  /** The conv layer's module path (or node id of a functional conv). */
  layer: string;
  /** [1, C, H, W]. */
  shape: number[];
}

/**
 * One entry per convolution call: its output after the activation that directly follows it (what the next layer
 * sees), or the convolution's own output when no activation follows.
 */
export function activationMapLayers(analysis: Analysis): ActivationMapLayer[] {
  const outputs = new Map(activationOutputs(analysis).map((a) => [a.nodeId, a] as const));
  const byId = new Map(analysis.graph.nodes.map((n) => [n.id, n]));
  const edges = new Map(analysis.graph.edges.map((e) => [e.id, e]));
  const out: ActivationMapLayer[] = [];
  for (const node of analysis.graph.nodes) {
    if (node.key !== 'conv2d') continue;
    const shape = node.cost?.outputShape;
    const own = outputs.get(node.id);
    if (!own || !shape || shape.length !== 4) continue;
    const layer = node.path ?? node.id;
    let chosen = { name: own.name, title: `${layer} ${node.op}`, shape };
    if (node.outputs.length === 1) {
      const next = byId.get(edges.get(node.outputs[0])?.to ?? '');
      const nextOut = next ? outputs.get(next.id) : undefined;
      if (next && nextOut && next.traits.activation && next.cost?.outputShape.length === 4) {
        chosen = { name: nextOut.name, title: `${layer} ${node.op} + ${next.op}`, shape: next.cost.outputShape };
      }
    }
    out.push({ ...chosen, layer });
  }
  return out;
}

export interface ClassifierSpec {
  model: ModelSource;
  weights: WeightsSource;
  /** The labels file's text, or null for none (torchvision's checkpoint then gets the ImageNet classes). */
  labels: { file: string; text: string } | null;
  preset: Preset;
  /** Also expose the layers' outputs (activation maps). */
  activations?: boolean;
  /** Leave out the "num_classes=K" note (the shipped model and weights need it by design). */
  quietResize?: boolean;
}

/** Everything a runtime needs to classify images with the model. */
export interface Classifier {
  onnx: Uint8Array;
  analysis: Analysis;
  /** The model's name (its class) and input [1, C, H, W] at its own size. */
  entry: string;
  input: number[];
  channels: Channels;
  /** The height and width the preset resizes to, and where that size came from. */
  size: ModelInput;
  classes: number;
  labels: string[] | null;
  labelsSource: LabelsSource;
  preset: Preset;
  /** torchvision's transforms of the preset, as Python. */
  transforms: string;
  outputKind: OutputKind;
  notes: string[];
  /** The conv layers' maps (with `activations`). */
  maps: ActivationMapLayer[];
}

/** Model + weights + labels + preset -> ONNX bytes and what goes with them. Throws ClassifierError (and the weights reader's errors). */
export function prepareClassifier(spec: ClassifierSpec): Classifier {
  const size = modelInput(spec.model);
  const { channels } = size;
  const loaded = loadModel(spec.model, spec.weights, { input: [channels, size.height, size.width], inputNote: inputNote(size) });
  const notes = spec.quietResize ? loaded.notes.filter((n) => !/ is built with \d+ classes by default; /.test(n)) : loaded.notes;
  const classes = classCount(loaded.analysis);
  const { labels, source } = resolveLabels(spec.labels, spec.weights.file, classes);
  // float16 checkpoints (the shipped default) stay float16 in the ONNX: half the bytes the webview fetches
  const onnx = buildOnnx(loaded, { batch: 1, activations: spec.activations ?? false, halfWeights: true });
  return {
    onnx,
    analysis: loaded.analysis,
    entry: loaded.analysis.entry ?? '',
    input: loaded.analysis.input,
    channels,
    size,
    classes,
    labels,
    labelsSource: source,
    preset: spec.preset,
    transforms: PRESETS[spec.preset].transforms(size),
    outputKind: outputKindOf(lastOp(loaded.analysis)),
    notes,
    maps: spec.activations ? activationMapLayers(loaded.analysis) : [],
  };
}
