// The Train panel's contract: the settings a run is started with (from the palette, the graph view's Train
// button, the explorer's "Train on this folder", or the "Run on WebGPU" CodeLens over a training loop), and the
// messages between the extension host (data preparation, runs folder) and the webview (the training step on
// onnxruntime-web). Pure types and small pure helpers: nothing here imports vscode or a runtime.
import type { WebviewError } from './messages';

/** Where the training images come from. */
export type TrainDataset =
  | { kind: 'fashion-mnist-subset' }
  | { kind: 'imagefolder'; folder: string }
  | { kind: 'idx'; folder: string };

export type TrainOptimizer =
  | { kind: 'sgd'; lr: number; momentum: number; weightDecay: number }
  | { kind: 'adam'; lr: number; betas: [number, number]; weightDecay: number };

export type SnippetId = 'finetune' | 'relu-tanh' | 'dropout' | 'lrn' | 'pooling' | 'gpu-cpu';

export const SNIPPET_IDS: readonly SnippetId[] = ['finetune', 'relu-tanh', 'dropout', 'lrn', 'pooling', 'gpu-cpu'];

/**
 * What one run is made of. `alexnetExplorer.train` takes (uri, settings?): the uri is the model file (or, from the
 * explorer, an ImageFolder); every field left out takes the snippet's default (sized for the backend found).
 */
export interface TrainSettings {
  /** The model file (a URI string); defaults to the command's uri. */
  model?: string;
  /** The model to build: a class, factory or call ("AlexNet(num_classes=10)"); default: the file's chosen entry. */
  entry?: string;
  dataset?: TrainDataset;
  /** [C, H, W] the images are fed at; default: the snippet's size for the backend (smaller on wasm). */
  inputSize?: [number, number, number];
  batch?: number;
  /** Whole passes over the data; `steps` wins when both are given. */
  epochs?: number;
  steps?: number;
  optimizer?: TrainOptimizer;
  seed?: number;
  shuffle?: boolean;
  /** RandomResizedCrop + RandomHorizontalFlip instead of the plain resize. */
  augment?: boolean;
  /** Training images used (the first N of a seeded permutation); default: the snippet's subset for the backend. */
  subset?: number;
  /** Where the final weights go besides the run folder (a folder URI string; the CodeLens passes the script's save path's folder). */
  saveFolder?: string;
  /** Start from these weights (.pth) instead of the model's initialisation. */
  weights?: string;
  /** The snippet to select (and, with `run: true`, to start at once). */
  snippet?: SnippetId;
  run?: boolean;
}

// ------------------------------------------------------------------ a run's resolved settings

/** Every setting of one run, defaults filled in: what the panel's code-like block shows and what a run folder keeps. */
export interface RunSettings {
  /** The model built: a call such as "AlexNet(num_classes=10)". */
  entry: string;
  dataset: TrainDataset;
  /** Training images used (the first N of a seeded permutation); 0: all. */
  subset: number;
  /** Test images each evaluation uses (the first N of the test split); 0: all. */
  testSubset: number;
  inputSize: [number, number, number];
  batch: number;
  /** Exactly one of epochs and steps is set. */
  epochs: number | null;
  steps: number | null;
  optimizer: TrainOptimizer;
  seed: number;
  shuffle: boolean;
  augment: boolean;
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');
const pyNum = (v: number) => (Number.isInteger(v) ? `${v}.0`.replace(/\.0$/, '') : String(v));

function datasetCode(d: TrainDataset): string {
  if (d.kind === 'fashion-mnist-subset') return 'FashionMNIST()';
  return `${d.kind === 'imagefolder' ? 'ImageFolder' : 'FashionMNIST'}(${JSON.stringify(d.folder)})`;
}

function optimizerCode(o: TrainOptimizer): string {
  return o.kind === 'sgd'
    ? `SGD(lr=${pyNum(o.lr)}, momentum=${pyNum(o.momentum)}, weight_decay=${pyNum(o.weightDecay)})`
    : `Adam(lr=${pyNum(o.lr)}, betas=(${pyNum(o.betas[0])}, ${pyNum(o.betas[1])}), weight_decay=${pyNum(o.weightDecay)})`;
}

/** The settings as a short block in the style of a PyTorch training script (one `name = value` a line). */
export function formatSettings(s: RunSettings): string {
  return [
    `model = ${s.entry}`,
    `data = ${datasetCode(s.dataset)}`,
    `subset = ${s.subset}`,
    `test_subset = ${s.testSubset}`,
    `input_size = (${s.inputSize.join(', ')})`,
    `batch_size = ${s.batch}`,
    `shuffle = ${pyBool(s.shuffle)}`,
    `augment = ${pyBool(s.augment)}`,
    `optimizer = ${optimizerCode(s.optimizer)}`,
    s.steps !== null ? `steps = ${s.steps}` : `epochs = ${s.epochs}`,
    `seed = ${s.seed}`,
  ].join('\n');
}

export class SettingsError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

function keywordArgs(body: string, line: number, allowed: string[]): Map<string, string> {
  const out = new Map<string, string>();
  // split at commas outside parentheses
  let depth = 0;
  let part = '';
  const parts: string[] = [];
  for (const c of body) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { parts.push(part); part = ''; } else part += c;
  }
  if (part.trim()) parts.push(part);
  for (const p of parts) {
    const m = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(p);
    if (!m) throw new SettingsError(`expected name=value, got '${p.trim()}'`, line);
    if (!allowed.includes(m[1]!)) throw new SettingsError(`unexpected keyword argument '${m[1]}' (takes ${allowed.join(', ')})`, line);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

function number(v: string | undefined, what: string, line: number, check: (n: number) => boolean, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new SettingsError(`${what} is missing`, line);
    return fallback;
  }
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new SettingsError(`${what} cannot be ${v}`, line);
  return n;
}

const positiveInt = (n: number) => Number.isInteger(n) && n >= 1;

/** Reads the block back; a line that cannot be read throws SettingsError naming it. Lines left out keep `base`'s value. */
export function parseSettings(text: string, base: RunSettings): RunSettings {
  const s: RunSettings = structuredClone(base);
  let sawSteps = false;
  let sawEpochs = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const code = raw.replace(/#(?=(?:[^"]*"[^"]*")*[^"]*$).*$/, '').trim();
    if (!code) return;
    const m = /^(\w+)\s*=\s*(.+)$/.exec(code);
    if (!m) throw new SettingsError(`expected name = value, got '${code}'`, line);
    const [, name, value] = m as unknown as [string, string, string];
    switch (name) {
      case 'model':
        if (!/^[A-Za-z_][\w.]*\s*(\(.*\))?$/.test(value)) throw new SettingsError(`model expects a class or call such as AlexNet(num_classes=10), got '${value}'`, line);
        s.entry = value;
        return;
      case 'data': {
        const d = /^(FashionMNIST|ImageFolder)\(\s*(?:"((?:[^"\\]|\\.)*)")?\s*\)$/.exec(value);
        if (!d) throw new SettingsError(`data expects FashionMNIST(), FashionMNIST("folder") or ImageFolder("folder"), got '${value}'`, line);
        const folder = d[2] === undefined ? undefined : (JSON.parse(`"${d[2]}"`) as string);
        if (d[1] === 'ImageFolder' && !folder) throw new SettingsError('ImageFolder needs its folder', line);
        s.dataset = folder === undefined ? { kind: 'fashion-mnist-subset' } : { kind: d[1] === 'ImageFolder' ? 'imagefolder' : 'idx', folder };
        return;
      }
      case 'subset': s.subset = number(value, 'subset', line, (n) => Number.isInteger(n) && n >= 0); return;
      case 'test_subset': s.testSubset = number(value, 'test_subset', line, (n) => Number.isInteger(n) && n >= 0); return;
      case 'input_size': {
        const t = /^\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)$/.exec(value);
        if (!t || ![1, 3].includes(Number(t[1])) || Number(t[2]) < 1 || Number(t[3]) < 1) throw new SettingsError(`input_size expects (C, H, W) with C 1 or 3, got '${value}'`, line);
        s.inputSize = [Number(t[1]), Number(t[2]), Number(t[3])];
        return;
      }
      case 'batch_size': s.batch = number(value, 'batch_size', line, positiveInt); return;
      case 'steps': s.steps = number(value, 'steps', line, positiveInt); s.epochs = null; sawSteps = true; return;
      case 'epochs': s.epochs = number(value, 'epochs', line, positiveInt); s.steps = null; sawEpochs = true; return;
      case 'seed': s.seed = number(value, 'seed', line, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32); return;
      case 'shuffle':
      case 'augment':
        if (value !== 'True' && value !== 'False') throw new SettingsError(`${name} expects True or False, got '${value}'`, line);
        s[name] = value === 'True';
        return;
      case 'optimizer': {
        const o = /^(SGD|Adam)\((.*)\)$/.exec(value);
        if (!o) throw new SettingsError(`optimizer expects SGD(...) or Adam(...), got '${value}'`, line);
        if (o[1] === 'SGD') {
          const a = keywordArgs(o[2]!, line, ['lr', 'momentum', 'weight_decay']);
          s.optimizer = {
            kind: 'sgd', lr: number(a.get('lr'), 'lr', line, (n) => n > 0),
            momentum: number(a.get('momentum'), 'momentum', line, (n) => n >= 0 && n < 1, 0),
            weightDecay: number(a.get('weight_decay'), 'weight_decay', line, (n) => n >= 0, 0),
          };
        } else {
          const a = keywordArgs(o[2]!, line, ['lr', 'betas', 'weight_decay']);
          const betas = /^\(\s*([\d.e-]+)\s*,\s*([\d.e-]+)\s*\)$/.exec(a.get('betas') ?? '(0.9, 0.999)');
          if (!betas) throw new SettingsError(`betas expects (beta1, beta2), got '${a.get('betas')}'`, line);
          const beta = (v: string) => number(v, 'betas', line, (n) => n >= 0 && n < 1);
          s.optimizer = {
            kind: 'adam', lr: number(a.get('lr'), 'lr', line, (n) => n > 0, 0.001), betas: [beta(betas[1]!), beta(betas[2]!)],
            weightDecay: number(a.get('weight_decay'), 'weight_decay', line, (n) => n >= 0, 0),
          };
        }
        return;
      }
      default:
        throw new SettingsError(`unknown setting '${name}' (model, data, subset, test_subset, input_size, batch_size, shuffle, augment, optimizer, steps or epochs, seed)`, line);
    }
  });
  if (sawSteps && sawEpochs) throw new SettingsError('give steps or epochs, not both', text.split('\n').length);
  return s;
}

// ------------------------------------------------------------------ snippets, runs

/** One trained network of a run ("ReLU", "Tanh"); a snippet trains one or two. */
export interface ArmView {
  /** Short, stable, a folder name: "relu", "tanh". */
  id: string;
  label: string;
  /** The variant's source against the file, line by line (empty: the file as it is). */
  diff: { op: ' ' | '-' | '+'; line: string; at: number }[];
  edits: string[];
  /** Runs on this backend whatever the panel found (GPU vs CPU); null: the panel's. */
  backend: 'webgpu' | 'wasm' | null;
}

export interface SnippetView {
  id: SnippetId;
  title: string;
  /** What it shows and how to read it. */
  description: string;
  settingsText: string;
  /** Which sizes the defaults used and why ("wasm: 224x224 input, 256 images"). */
  sizes: string;
  arms: ArmView[];
  /** Why the snippet cannot run on this model ("this model has no Dropout: add one to compare"); null: it can. */
  unavailable: string | null;
  /** Extra text shown beside the results (the note's definition of overfitting). */
  note: string | null;
}

/** One step's numbers as metrics.jsonl keeps them. */
export interface StepMetric {
  kind: 'step';
  arm: string;
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  ms: number;
  imagesPerSecond: number;
  /** This step's batch accuracy (train mode). */
  batchAccuracy: number;
}

export interface EpochMetric {
  kind: 'epoch';
  arm: string;
  epoch: number;
  step: number;
  trainAccuracy: number;
  testAccuracy: number | null;
}

export type Metric = StepMetric | EpochMetric;

export interface ArmResult {
  id: string;
  label: string;
  backend: string;
  steps: number;
  loss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  imagesPerSecond: number | null;
  /** The first step at which the training error over the last `window` steps is at most 25%; null: not reached. */
  stepsTo25: number | null;
  /** Folder of the arm's weights (a URI string), once saved. */
  weights: string | null;
}

export type RunStatus = 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface RunSummary {
  /** The run folder (a URI string). */
  dir: string;
  /** "<time>-<snippet>". */
  name: string;
  snippet: SnippetId;
  model: string;
  started: string;
  status: RunStatus;
  settingsText: string;
  sizes: string;
  arms: ArmResult[];
  /** The snippet's figure: "ReLU reached 25% error in 3.2x fewer steps", the train-test gap, the speed-up. */
  headline: string | null;
  /** Why the run stopped early ("closed during epoch 3: steps after epoch 2 are lost"). */
  message: string | null;
}

export interface TrainStrings {
  [key: string]: string;
}

/** What the panel's webview state keeps (restored by the serializer). */
export interface TrainViewState {
  uri: string;
  snippet?: SnippetId;
}

// ------------------------------------------------------------------ messages

// num_batches_tracked (int64 in the state_dict) travels as Int32Array: postMessage between the extension
// host and a webview carries typed arrays but not every runtime's BigInt64Array.
export interface TensorMeta {
  name: string;
  type: 'float32' | 'int64';
  shape: number[];
}

export type TrainToWebview =
  | {
    type: 'init'; language: string; strings: TrainStrings; backendSetting: 'auto' | 'webgpu' | 'wasm'; allowFallbackAdapter: boolean;
    ortWasmUrl: string; ortWebgpuWasmUrl: string;
    /** dist/webview/train-worker.js: the page fetches it and runs the steps in a worker started from a Blob URL. */
    workerUrl: string;
    fileName: string; uri: string; selected: SnippetId | null;
  }
  | { type: 'snippets'; snippets: SnippetView[] }
  | { type: 'runs'; runs: RunSummary[] }
  | { type: 'runStarted'; run: RunSummary; totalSteps: Record<string, number> }
  | { type: 'metric'; dir: string; metric: Metric }
  | { type: 'status'; dir: string | null; text: string | null }
  | { type: 'runEnded'; run: RunSummary }
  | { type: 'runFailed'; dir: string | null; snippet: SnippetId; message: string }
  | { type: 'showRun'; run: RunSummary; metrics: Metric[] }
  /** Select a snippet; `run`: start it with its settings block as shown (the command's settings: the CodeLens). */
  | { type: 'start'; snippet: SnippetId; run: boolean }
  /** The end of the webview's `run` request (how it ended came as `runEnded` or `runFailed`). */
  | { type: 'runDone'; inReplyTo: number }
  // requests to the runtime (answered by a `reply` with the same requestId)
  | { type: 'session'; requestId: number; backend: 'webgpu' | 'wasm' | null; onnx: Uint8Array; inputs: TensorMeta[]; state: (TensorMeta & { input: string; output: string })[]; masks: { name: string; shape: number[]; p: number }[]; initial: Record<string, Float32Array | Int32Array> }
  | { type: 'step'; requestId: number; input: Float32Array; labels: Float32Array; lr: number; step: number; masks: Record<string, Float32Array> }
  /** The state now, or only `names` (the state_dict's: the optimizer's state is not saved). */
  | { type: 'pullState'; requestId: number; names?: string[] }
  | { type: 'evalSession'; requestId: number; onnx: Uint8Array }
  | { type: 'evalRun'; requestId: number; input: Float32Array; dims: number[] }
  | { type: 'release'; requestId: number; what: 'train' | 'eval' };

export type TrainReply =
  | { type: 'reply'; inReplyTo: number; error: string }
  /** Cancel stopped the runtime before this request was done (wasm: the worker was terminated mid-step). */
  | { type: 'reply'; inReplyTo: number; cancelled: true }
  | { type: 'reply'; inReplyTo: number; backend: 'webgpu' | 'wasm'; adapter: string | null; sessionMs: number }
  | { type: 'reply'; inReplyTo: number; loss: number; logits: Float32Array; ms: number }
  | { type: 'reply'; inReplyTo: number; state: Record<string, Float32Array | Int32Array> }
  | { type: 'reply'; inReplyTo: number; logits: Float32Array }
  | { type: 'reply'; inReplyTo: number; done: true };

export interface BackendFound {
  backend: 'webgpu' | 'wasm';
  /** Why wasm (BackendReport.reason of the classify protocol); null on WebGPU. */
  reason: string | null;
  detail: string | null;
  adapter: string | null;
}

export type TrainFromWebview =
  | { type: 'ready' }
  | ({ type: 'backend' } & BackendFound)
  | TrainReply
  // a request: the host answers `runDone` when the run is over; `cancel` names it (src/shared/messages Endpoint)
  | { type: 'run'; requestId: number; snippet: SnippetId; settingsText: string }
  | { type: 'cancel'; requestId: number }
  | { type: 'openRun'; dir: string }
  | { type: 'useWeights'; dir: string; arm: string }
  | { type: 'selected'; snippet: SnippetId }
  | { type: 'saveExport'; format: 'svg' | 'png' | 'md'; suggestedName: string; data: string; encoding: 'utf8' | 'base64' }
  | WebviewError;
