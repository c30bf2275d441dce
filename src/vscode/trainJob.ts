// The Train panel's host side without the `vscode` API (the webview tests drive it as the panel does): the six
// snippets (their variants, default sizes, results), one run of a snippet (data prepared here with src/core and
// sent to the webview batch by batch, the steps run there on onnxruntime-web through the shared Trainer), and the
// runs folder `.alexnet-explorer/runs/<time>-<snippet>/` (written under a temporary name, renamed when done).
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { classCount } from '../core/classifier';
import { analyzeSourceSafely } from '../core/model/analyze';
import type { Analysis } from '../core/model/ir';
import { missingOutputReason } from '../core/model/report';
import { floatTensors, expectedParams } from '../core/onnx';
import { type Dataset, type SampleTransform } from '../core/training/data';
import { openDataset } from '../core/training/data.node';
import { initialStateDict } from '../core/training/init';
import { classIndicesJson, trainingJson } from '../core/training/outputs';
import { moduleVersions, writeStateDictPth } from '../core/training/pth-writer';
import { Rng, STREAMS } from '../core/training/random';
import { buildTrainingStep } from '../core/training/step';
import { type EvalSession, type Feeds, Trainer } from '../core/training/trainer';
import type { OptimizerOptions } from '../core/training/types';
import { VariantError, type VariantKind, lineDiff, makeVariant, variantLayers } from '../core/training/variants';
import { type Tensor, bindStateDict, readCheckpoint, toFloat32 } from '../core/weights';
import {
  type ArmResult, type ArmView, type EpochMetric, type Metric, type RunSettings, type RunSummary, type SnippetId, type SnippetView,
  type StepMetric, type TrainReply, type TrainToWebview, formatSettings, parseSettings,
} from '../shared/trainProtocol';

type Request = Extract<TrainToWebview, { requestId: number }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'requestId'> : never;

/** The webview as the job sees it: requests answered by its runtime, and messages to draw. */
export interface RuntimeBridge {
  request(m: WithoutId<Request>): Promise<TrainReply>;
  notify(m: TrainToWebview): void;
}

/** The strings a job's results need (translated by the caller). */
export interface JobText {
  t(message: string, ...args: Array<string | number>): string;
}

export class JobError extends Error {
  override readonly name: string = 'JobError';
}

/** The webview went away mid-run: the run's temporary folder stays, to be recovered as "interrupted". */
export class PanelClosedError extends JobError {
  override readonly name = 'PanelClosedError';
}

// ------------------------------------------------------------------ snippets

interface ArmDef {
  id: string;
  label: string;
  variant: VariantKind | null;
  backend: 'webgpu' | 'wasm' | null;
}

interface SnippetDef {
  id: SnippetId;
  title: (l10n: JobText) => string;
  description: (l10n: JobText) => string;
  /** The arms for this model; throws VariantError when the model lacks what the snippet varies. */
  arms(analysis: Analysis, gpu: boolean, l10n: JobText): ArmDef[];
  /** Defaults for the backend found ('gpu': full size). */
  sizes: { gpu: { subset: number; test: number; batch: number; steps?: number; epochs?: number }; cpu: { subset: number; test: number; batch: number; steps?: number; epochs?: number } };
  optimizer: RunSettings['optimizer'];
  /** Starts from the weights Classify uses (when they fit the model). */
  fromWeights?: boolean;
  note?: (l10n: JobText) => string;
}

const SGD = (lr: number): RunSettings['optimizer'] => ({ kind: 'sgd', lr, momentum: 0.9, weightDecay: 0.0005 });

export const SNIPPETS: readonly SnippetDef[] = [
  {
    id: 'finetune',
    title: (l10n) => l10n.t('Fine-tune'),
    description: (l10n) => l10n.t('A few hundred steps from the current weights on the chosen data: the loss falls. Then "Use these weights" and classify the samples again.'),
    arms: (_a, _g, l10n) => [{ id: 'model', label: l10n.t('Your model'), variant: null, backend: null }],
    sizes: { gpu: { subset: 0, test: 500, batch: 32, steps: 300 }, cpu: { subset: 512, test: 64, batch: 16, steps: 24 } },
    optimizer: { kind: 'sgd', lr: 0.001, momentum: 0.9, weightDecay: 0 },
    fromWeights: true,
  },
  {
    id: 'relu-tanh',
    title: (l10n) => l10n.t('ReLU vs tanh'),
    description: (l10n) => l10n.t('The same network trained twice from the same initial weights, once with every ReLU replaced by Tanh: the steps each needs to reach 25% training error, and the ratio (the 2012 paper\'s Figure 1: about six times fewer epochs with ReLU, four-layer CNN on CIFAR-10).'),
    arms: (a, _g, l10n) => {
      makeVariant('', a, 'tanh');
      return [{ id: 'relu', label: 'ReLU', variant: null, backend: null }, { id: 'tanh', label: 'Tanh', variant: 'tanh', backend: null }];
    },
    sizes: { gpu: { subset: 0, test: 500, batch: 32, steps: 300 }, cpu: { subset: 512, test: 64, batch: 16, steps: 16 } },
    optimizer: SGD(0.01),
  },
  {
    id: 'dropout',
    title: (l10n) => l10n.t('Dropout and overfitting'),
    description: (l10n) => l10n.t('A small training subset, trained with and without the model\'s Dropout layers: train and test accuracy per epoch and the gap between them.'),
    arms: (a, _g, l10n) => {
      if (variantLayers(a).dropout === 0) makeVariant('', a, 'no-dropout');
      return [{ id: 'dropout', label: l10n.t('with Dropout'), variant: null, backend: null }, { id: 'no-dropout', label: l10n.t('without Dropout'), variant: 'no-dropout', backend: null }];
    },
    sizes: { gpu: { subset: 256, test: 500, batch: 32, epochs: 30 }, cpu: { subset: 64, test: 64, batch: 16, epochs: 4 } },
    optimizer: SGD(0.01),
    note: (l10n) => l10n.t('Overfitting (the note): too many feature dimensions, an overly complex model, too many parameters, too little training data or too much noise make the fitted function predict the training set perfectly but new test data poorly; the training data is fitted too closely, without regard to generalisation.'),
  },
  {
    id: 'lrn',
    title: (l10n) => l10n.t('LRN on and off'),
    description: (l10n) => l10n.t('With LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2) after the first two conv blocks, as in the paper, and without.'),
    arms: (a, _g, l10n) => variantLayers(a).lrn > 0
      ? [{ id: 'lrn', label: l10n.t('with LRN'), variant: null, backend: null }, { id: 'no-lrn', label: l10n.t('without LRN'), variant: 'lrn-off', backend: null }]
      : [{ id: 'lrn', label: l10n.t('with LRN'), variant: 'lrn-on', backend: null }, { id: 'no-lrn', label: l10n.t('without LRN'), variant: null, backend: null }],
    sizes: { gpu: { subset: 0, test: 500, batch: 32, steps: 200 }, cpu: { subset: 512, test: 64, batch: 16, steps: 12 } },
    optimizer: SGD(0.01),
  },
  {
    id: 'pooling',
    title: (l10n) => l10n.t('Overlapping pooling'),
    description: (l10n) => l10n.t('MaxPool 3x3 stride 2 (overlapping, as in the paper) against 2x2 stride 2.'),
    arms: (a, _g, l10n) => {
      const pools = a.graph.nodes.filter((n) => n.key === 'max_pool2d');
      if (pools.length === 0) makeVariant('', a, 'pool-2x2');
      const overlapping = pools.some((n) => JSON.stringify(n.args.kernel_size) !== JSON.stringify(n.args.stride));
      return overlapping
        ? [{ id: '3x3s2', label: '3x3 s2', variant: null, backend: null }, { id: '2x2s2', label: '2x2 s2', variant: 'pool-2x2', backend: null }]
        : [{ id: '3x3s2', label: '3x3 s2', variant: 'pool-3x3', backend: null }, { id: '2x2s2', label: '2x2 s2', variant: null, backend: null }];
    },
    sizes: { gpu: { subset: 0, test: 500, batch: 32, steps: 200 }, cpu: { subset: 512, test: 64, batch: 16, steps: 12 } },
    optimizer: SGD(0.01),
  },
  {
    id: 'gpu-cpu',
    title: (l10n) => l10n.t('GPU vs CPU'),
    description: (l10n) => l10n.t('The same steps on WebGPU and on WebAssembly: images per second of each and the speed-up.'),
    arms: (_a, gpu, l10n) => [
      ...(gpu ? [{ id: 'webgpu', label: 'WebGPU', variant: null, backend: 'webgpu' as const }] : []),
      { id: 'wasm', label: l10n.t('WebAssembly (CPU)'), variant: null, backend: 'wasm' as const },
    ],
    sizes: { gpu: { subset: 0, test: 0, batch: 32, steps: 10 }, cpu: { subset: 256, test: 0, batch: 16, steps: 6 } },
    optimizer: SGD(0.01),
  },
];

export const snippetDef = (id: SnippetId): SnippetDef => SNIPPETS.find((s) => s.id === id)!;

/** What the job needs to know of the model file. */
export interface ModelSource {
  /** URI string and file path (for messages). */
  uri: string;
  fileName: string;
  text: string;
  /** The entry chosen for the file in the editor, if any. */
  entry?: string;
}

/** The file's model analysed as training sees it (train mode, the step's batch); throws JobError naming the line. */
export function analyzeForTraining(file: string, text: string, entry: string | undefined, input: number[] | undefined, batch: number): Analysis {
  const analysis = analyzeSourceSafely(text, { input, entry, mode: 'train', batch });
  if (!analysis.entry) {
    const reason = analysis.diagnostics.find((d) => d.severity === 'error' || d.code === 'budget' || d.code === 'internal');
    if (reason) throw new JobError(`${file}:${reason.range.line}: ${reason.message}`);
    throw new JobError(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)`);
  }
  if (analysis.error) throw new JobError(`${file}:${analysis.error.line}: ${analysis.error.message}`);
  const unsupported = missingOutputReason(analysis);
  if (unsupported) throw new JobError(`${file}:${unsupported.line}: ${unsupported.message}`);
  return analysis;
}

/** The entry as a call with the data's class count when the model's own count differs and it takes `num_classes`. */
function entryFor(analysis: Analysis, classes: number): string {
  const entry = analysis.entry ?? '';
  if (classCount(analysis) === classes) return entry;
  const candidate = analysis.entries.find((e) => e.name === (analysis.modelClass ?? entry));
  if (candidate?.params && /\bnum_classes\b/.test(candidate.params)) return `${candidate.name}(num_classes=${classes})`;
  return entry;
}

/** The smallest square input from a short list the model accepts (the CPU's size), else the model's own. */
export function smallestInput(model: ModelSource, entry: string, channels: number, own: number[]): [number, number, number] {
  for (const size of [32, 64, 96, 128, 160, 192]) {
    if (size >= own[2]!) break;
    const a = analyzeSourceSafely(model.text, { input: [channels, size, size], entry, mode: 'train', batch: 1 });
    if (a.entry && !a.error && a.output && !missingOutputReason(a)) return [channels, size, size];
  }
  return [channels, own[2]!, own[3]!];
}

/**
 * What a training step costs on onnxruntime-web's wasm (1 thread), measured here (`npm run bench`, README): the seed
 * AlexNet's step at 224x224, batch 16 (3 x 16 x 311 M multiply-adds: forward, and twice that backward) took 1,717 ms;
 * the four-layer CNN's (3 x 16 x 2.8 M) about 45 ms, most of it the fixed cost of running a graph of ~100 nodes.
 */
const WASM_MACS_PER_MS = (3 * 16 * 311_191_824) / 1717;
const WASM_STEP_OVERHEAD_MS = 30;
/** The CPU defaults' time for the steps of all arms (the rest of "about two minutes": sessions, test passes). */
const CPU_STEPS_BUDGET_MS = 90_000;

/**
 * The CPU's step count for a step-sized snippet: as many steps as fit the budget for this model (a small model gets
 * the GPU's count, the seed AlexNet about two dozen), never fewer than the snippet's CPU default.
 */
function cpuSteps(def: SnippetDef, analysis: Analysis, batch: number, arms: number): number {
  const min = def.sizes.cpu.steps ?? 1;
  const max = def.sizes.gpu.steps ?? min;
  const stepMs = (3 * batch * analysis.totalMacs) / WASM_MACS_PER_MS + WASM_STEP_OVERHEAD_MS;
  return Math.max(min, Math.min(max, Math.floor(CPU_STEPS_BUDGET_MS / Math.max(1, arms) / stepMs)));
}

/** What every snippet's defaults share for a model on a backend: its entry (with the data's class count), the input size, and the model analysed at that size. */
export interface ModelDefaults {
  entry: string;
  inputSize: [number, number, number];
  analysis: Analysis;
}

/** The model's side of the defaults: the same for every snippet, so the panel works it out once. Throws JobError naming the line. */
export function modelDefaults(model: ModelSource, gpu: boolean, classes: number): ModelDefaults {
  const base = analyzeForTraining(model.fileName, model.text, model.entry, undefined, 1);
  const entry = entryFor(base, classes);
  const [, c, h, w] = analyzeForTraining(model.fileName, model.text, entry, undefined, 1).input as [number, number, number, number];
  const channels = c === 1 ? 1 : 3;
  const inputSize: [number, number, number] = gpu ? [channels, h, w] : smallestInput(model, entry, channels, [1, channels, h, w]);
  return { entry, inputSize, analysis: analyzeForTraining(model.fileName, model.text, entry, [...inputSize], 1) };
}

/** The snippet's default settings for this model on this backend, and the sentence that says which sizes. */
export function defaultSettings(
  def: SnippetDef, model: ModelSource, gpu: boolean, classes: number, l10n: JobText, shared: ModelDefaults = modelDefaults(model, gpu, classes),
): { settings: RunSettings; sizes: string } {
  const { entry, inputSize } = shared;
  const size = gpu ? { ...def.sizes.gpu } : { ...def.sizes.cpu };
  if (!gpu && !size.epochs) {
    let arms = 2;
    try {
      arms = def.arms(shared.analysis, gpu, l10n).length;
    } catch {
      // a model without the layer the snippet varies: the panel says so; the count does not matter
    }
    size.steps = cpuSteps(def, shared.analysis, size.batch, arms);
  }
  const settings: RunSettings = {
    entry, dataset: { kind: 'fashion-mnist-subset' }, subset: size.subset, testSubset: size.test, inputSize, batch: size.batch,
    epochs: size.epochs ?? null, steps: size.epochs ? null : size.steps ?? 1, optimizer: def.optimizer, seed: 0, shuffle: true, augment: false,
  };
  const sizes = gpu
    ? l10n.t('GPU sizes: input {0}, {1} training images, batch {2}.', inputSize.slice(1).join('×'), size.subset || l10n.t('all'), size.batch)
    : l10n.t('CPU sizes (WebAssembly, about two minutes on 2 cores): input {0}, {1} training images, batch {2}, {3} test images.', inputSize.slice(1).join('×'), size.subset || l10n.t('all'), size.batch, size.test || l10n.t('no'));
  return { settings, sizes };
}

/** The panel's view of each snippet for this model (or why it cannot run on it). */
export function snippetViews(model: ModelSource, gpu: boolean, classes: number, l10n: JobText, overrides: Partial<RunSettings> = {}): SnippetView[] {
  // the model's analyses once for all snippets; a model that does not run makes every snippet unavailable, saying why
  let shared: ModelDefaults | null = null;
  let failure: unknown = null;
  try {
    shared = modelDefaults(model, gpu, classes);
  } catch (e) {
    failure = e;
  }
  return SNIPPETS.map((def): SnippetView => {
    const view: SnippetView = {
      id: def.id, title: def.title(l10n), description: def.description(l10n), settingsText: '', sizes: '', arms: [], unavailable: null,
      note: def.note?.(l10n) ?? null,
    };
    try {
      if (!shared) throw failure;
      const { settings, sizes } = defaultSettings(def, model, gpu, classes, l10n, shared);
      view.settingsText = formatSettings({ ...settings, ...overrides });
      view.sizes = sizes;
      view.arms = def.arms(shared.analysis, gpu, l10n).map((arm) => armView(arm, model.text, shared!.analysis));
    } catch (e) {
      view.unavailable = e instanceof VariantError || e instanceof JobError ? e.message : String(e);
    }
    return view;
  });
}

function armView(arm: ArmDef, text: string, analysis: Analysis): ArmView {
  if (!arm.variant) return { id: arm.id, label: arm.label, diff: [], edits: [], backend: arm.backend };
  const v = makeVariant(text, analysis, arm.variant);
  return { id: arm.id, label: arm.label, diff: lineDiff(text, v.text).filter((d, i, all) => d.op !== ' ' || near(all, i)), edits: v.edits, backend: arm.backend };
}

/** A kept line within 2 lines of a change (the diff's context). */
function near(all: { op: string }[], i: number): boolean {
  for (let j = Math.max(0, i - 2); j <= Math.min(all.length - 1, i + 2); j++) if (all[j]!.op !== ' ') return true;
  return false;
}

// ------------------------------------------------------------------ results

/** First step at which the mean batch error over the last `window` steps is <= 25%. */
export function stepsTo25(steps: StepMetric[], window = 5): number | null {
  let sum = 0;
  for (let i = 0; i < steps.length; i++) {
    sum += 1 - steps[i]!.batchAccuracy;
    if (i >= window) sum -= 1 - steps[i - window]!.batchAccuracy;
    if (i >= window - 1 && sum / window <= 0.25) return steps[i]!.step;
  }
  return null;
}

export function headline(snippet: SnippetId, arms: ArmResult[], l10n: JobText): string | null {
  const [a, b] = arms;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  switch (snippet) {
    case 'relu-tanh':
      if (!a || !b) return null;
      if (a.stepsTo25 !== null && b.stepsTo25 !== null) {
        return b.stepsTo25 >= a.stepsTo25
          ? l10n.t('ReLU reached 25% training error in {0} steps, Tanh in {1}: {2}× fewer steps with ReLU.', a.stepsTo25, b.stepsTo25, (b.stepsTo25 / a.stepsTo25).toFixed(2))
          : l10n.t('ReLU reached 25% training error in {0} steps, Tanh in {1}: ReLU needed {2}× the steps of Tanh here.', a.stepsTo25, b.stepsTo25, (a.stepsTo25 / b.stepsTo25).toFixed(2));
      }
      if (a.stepsTo25 !== null) return l10n.t('ReLU reached 25% training error in {0} steps; Tanh did not within {1} steps (ratio above {2}).', a.stepsTo25, b.steps, (b.steps / a.stepsTo25).toFixed(2));
      if (b.stepsTo25 !== null) return l10n.t('Tanh reached 25% training error in {0} steps; ReLU did not within {1} steps.', b.stepsTo25, a.steps);
      return l10n.t('Neither reached 25% training error within the steps run: give more steps.');
    case 'dropout':
      if (!a || !b || a.trainAccuracy === null || a.testAccuracy === null || b.trainAccuracy === null || b.testAccuracy === null) return null;
      return l10n.t('Train - test gap: {0} with Dropout, {1} without.', pct(a.trainAccuracy - a.testAccuracy), pct(b.trainAccuracy - b.testAccuracy));
    case 'gpu-cpu':
      if (arms.length === 1) return l10n.t('No GPU here: WebAssembly only, {0} images/s.', (a?.imagesPerSecond ?? 0).toFixed(1));
      if (!a?.imagesPerSecond || !b?.imagesPerSecond) return null;
      return l10n.t('WebGPU {0} images/s, WebAssembly {1} images/s: {2}× faster on the GPU.', a.imagesPerSecond.toFixed(1), b.imagesPerSecond.toFixed(1), (a.imagesPerSecond / b.imagesPerSecond).toFixed(1));
    case 'lrn':
    case 'pooling':
      if (!a || !b || a.loss === null || b.loss === null) return null;
      return l10n.t('Final loss {0}: {1}, {2}: {3}.', a.label, a.loss.toFixed(4), b.label, b.loss.toFixed(4));
    case 'finetune':
      return a && a.loss !== null ? l10n.t('Loss after {0} steps: {1}.', a.steps, a.loss.toFixed(4)) : null;
  }
}

/** The results as a Markdown table (the panel's "Copy as Markdown"). */
export function resultsMarkdown(run: RunSummary, l10n: JobText): string {
  const f = (v: number | null, d = 4) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(d));
  const p = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);
  const head = [l10n.t('Network'), l10n.t('Backend'), l10n.t('Steps'), l10n.t('Loss'), l10n.t('Train accuracy'), l10n.t('Test accuracy'), l10n.t('Images/s'), l10n.t('Steps to 25% error')];
  const rows = run.arms.map((a) => [a.label, a.backend, String(a.steps), f(a.loss), p(a.trainAccuracy), p(a.testAccuracy), f(a.imagesPerSecond, 1), a.stepsTo25 === null ? '–' : String(a.stepsTo25)]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), ...(run.headline ? ['', run.headline] : [])].join('\n') + '\n';
}

// ------------------------------------------------------------------ the runs folder

const TMP = '.tmp-';

const uriOf = (path: string) => pathToFileURL(path).toString();
const pathOf = (uri: string) => fileURLToPath(uri);

function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.part`, data);
  renameSync(`${path}.part`, path);
}

export function readMetrics(dir: string): Metric[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const out: Metric[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line) as Metric); } catch { /* a line cut by a crash: the ones before it stand */ }
  }
  return out;
}

function readSummary(dir: string): RunSummary | null {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunSummary;
    return { ...s, dir: uriOf(dir) };
  } catch {
    return null;
  }
}

/**
 * A temporary run folder left by a closed window: finished as "interrupted" with what its last epoch saved (the
 * weights of each arm that reached an epoch end; the metrics as they were streamed), and renamed.
 */
function recoverInterrupted(root: string, tmp: string, l10n: JobText): void {
  const dir = join(root, tmp);
  const summary = readSummary(dir);
  if (!summary) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const metrics = readMetrics(dir);
  const epochs = metrics.filter((m): m is EpochMetric => m.kind === 'epoch');
  const lastEpoch = epochs.at(-1);
  summary.status = 'interrupted';
  summary.message = lastEpoch
    ? l10n.t('Interrupted (the panel or the window was closed): the weights of epoch {0} were kept; the steps after it are lost.', lastEpoch.epoch)
    : l10n.t('Interrupted (the panel or the window was closed) before the first epoch ended: no weights were kept.');
  for (const arm of summary.arms) {
    const steps = metrics.filter((m): m is StepMetric => m.kind === 'step' && m.arm === arm.id);
    arm.steps = steps.at(-1)?.step ?? 0;
    arm.loss = steps.at(-1)?.loss ?? null;
    arm.weights = existsSync(join(dir, arm.id, 'model.pth')) ? uriOf(join(dir.replace(tmp, summary.name), arm.id)) : null;
  }
  writeAtomic(join(dir, 'run.json'), JSON.stringify(summary, null, 2) + '\n');
  renameSync(dir, join(root, summary.name));
}

/** The runs in `root` (newest first); temporary folders of runs not in `active` are recovered first. */
export function listRuns(root: string, active: ReadonlySet<string>, l10n: JobText): RunSummary[] {
  if (!existsSync(root)) return [];
  for (const name of readdirSync(root)) {
    if (name.startsWith(TMP) && !active.has(name)) {
      try { recoverInterrupted(root, name, l10n); } catch { /* left for the next listing */ }
    }
  }
  const out: RunSummary[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith(TMP) || !statSync(join(root, name)).isDirectory()) continue;
    const s = readSummary(join(root, name));
    if (s) out.push(s);
  }
  return out.sort((a, b) => b.name.localeCompare(a.name));
}

// ------------------------------------------------------------------ one run

export interface JobOptions {
  bridge: RuntimeBridge;
  /** `<workspace>/.alexnet-explorer/runs`. */
  runsRoot: string;
  /** The extension's folder (the shipped Fashion-MNIST subset). */
  extensionRoot: string;
  model: ModelSource;
  snippet: SnippetId;
  settings: RunSettings;
  settingsText: string;
  sizes: string;
  /** The backend the panel found (GPU vs CPU needs WebGPU for its first arm). */
  gpu: boolean;
  /** Weights to start from (fine-tune): a .pth path; used when they fit the model. */
  weights?: string | null;
  l10n: JobText;
  /** Called with the temporary folder's name while it is being written (listRuns leaves it alone). */
  onActive?: (tmpName: string | null) => void;
  now?: Date;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function datasetDir(s: RunSettings, extensionRoot: string): string {
  return s.dataset.kind === 'fashion-mnist-subset' ? join(extensionRoot, 'models', 'fashion-mnist', 'subset') : s.dataset.folder;
}

/** The first `n` samples of a seeded permutation (n 0: all). */
function subsetOf(data: Dataset, n: number, seed: number, seeded: boolean): Dataset {
  if (n <= 0 || n >= data.labels.length) return data;
  const order = seeded ? new Rng(seed, STREAMS.shuffle + 100).permutation(data.labels.length).slice(0, n) : Int32Array.from({ length: n }, (_, i) => i);
  return { name: `${data.name}, ${n} images`, classes: data.classes, labels: Int32Array.from(order, (i) => data.labels[i]!), pixels: (i) => data.pixels(order[i]!) };
}

/** Cancel stopped the webview's runtime before it answered (wasm: the worker was terminated under the request). */
class RuntimeStopped extends Error {
  override readonly name = 'RuntimeStopped';
}

function check<T extends TrainReply>(r: TrainReply): Exclude<T, { error: string } | { cancelled: true }> {
  if ('error' in r) throw new JobError(r.error);
  if ('cancelled' in r) throw new RuntimeStopped('cancelled');
  return r as Exclude<T, { error: string } | { cancelled: true }>;
}

/** A test accuracy that Cancel cut short is none. */
async function unlessStopped<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof RuntimeStopped) return null;
    throw e;
  }
}

function optimizerOptions(o: RunSettings['optimizer']): OptimizerOptions {
  return o.kind === 'sgd'
    ? { kind: 'sgd', lr: o.lr, momentum: o.momentum, dampening: 0, nesterov: false, weightDecay: o.weightDecay }
    : { kind: 'adam', lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: 1e-8, weightDecay: o.weightDecay };
}

/** Opens the data of the settings: the training set (subset) and the test set (the IDX t10k split, else none). */
export function openTrainData(s: RunSettings, extensionRoot: string): { train: Dataset; test: Dataset | null; dir: string } {
  const dir = datasetDir(s, extensionRoot);
  const channels = s.inputSize[0] === 1 ? 1 : 3;
  const full = openDataset(dir, { channels, split: 'train' });
  const train = subsetOf(full, s.subset, s.seed, true);
  let test: Dataset | null = null;
  if (s.dataset.kind !== 'imagefolder' && s.testSubset >= 0) {
    const t10k = openDataset(dir, { channels, split: 't10k' });
    test = t10k.name.includes('t10k') ? subsetOf(t10k, s.testSubset, s.seed, false) : null;
  }
  return { train, test, dir };
}

export class TrainJob {
  private trainer: Trainer | null = null;
  private cancelled = false;

  constructor(private readonly o: JobOptions) {}

  cancel(): void {
    this.cancelled = true;
    this.trainer?.cancel();
  }

  /** Runs every arm; the run folder appears complete (renamed from its temporary name) or not at all. */
  async run(): Promise<RunSummary> {
    const { o } = this;
    const { l10n, settings: s } = o;
    const def = snippetDef(o.snippet);
    const name = `${stamp(o.now ?? new Date())}-${o.snippet}`;
    const tmpName = `${TMP}${name}`;
    const tmp = join(o.runsRoot, tmpName);
    const final = join(o.runsRoot, name);
    // everything that can fail before training fails before the folder exists
    const data = openTrainData(s, o.extensionRoot);
    const base = analyzeForTraining(o.model.fileName, o.model.text, s.entry, [...s.inputSize], s.batch);
    const classes = classCount(base);
    if (classes !== data.train.classes.length) {
      throw new JobError(l10n.t('{0}: the model has {1} outputs but {2} has {3} classes: set num_classes={3} in the model line', o.model.fileName, classes, data.dir, data.train.classes.length));
    }
    const arms = def.arms(base, o.gpu, l10n).map((arm) => {
      const text = arm.variant ? makeVariant(o.model.text, base, arm.variant).text : o.model.text;
      return { def: arm, text, analysis: analyzeForTraining(`${o.model.fileName} (${arm.label})`, text, s.entry, [...s.inputSize], s.batch) };
    });
    const summary: RunSummary = {
      dir: uriOf(final), name, snippet: o.snippet, model: o.model.uri, started: new Date().toISOString(), status: 'running',
      settingsText: o.settingsText, sizes: o.sizes, headline: null, message: null,
      arms: arms.map((a) => ({
        id: a.def.id, label: a.def.label, backend: a.def.backend ?? '', steps: 0, loss: null, trainAccuracy: null, testAccuracy: null,
        imagesPerSecond: null, stepsTo25: null, weights: null,
      })),
    };
    mkdirSync(o.runsRoot, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    o.onActive?.(tmpName);
    const metricsFile = join(tmp, 'metrics.jsonl');
    const emit = (m: Metric) => {
      appendFileSync(metricsFile, JSON.stringify(m) + '\n');
      o.bridge.notify({ type: 'metric', dir: summary.dir, metric: m });
    };
    const saveSummary = () => writeAtomic(join(tmp, 'run.json'), JSON.stringify(summary, null, 2) + '\n');
    try {
      writeFileSync(metricsFile, '');
      writeAtomic(join(tmp, 'settings.json'), JSON.stringify({ snippet: o.snippet, model: o.model.uri, settings: s, settingsText: o.settingsText }, null, 2) + '\n');
      saveSummary();
      o.bridge.notify({ type: 'runStarted', run: summary, totalSteps: {} });
      for (const [i, arm] of arms.entries()) {
        if (this.cancelled) break;
        const result = summary.arms[i]!;
        const folder = join(tmp, arm.def.id);
        mkdirSync(folder, { recursive: true });
        writeAtomic(join(folder, 'model.py'), arm.text);
        await this.trainArm(arm.def, arm.analysis, data, folder, result, summary, emit);
        saveSummary();
      }
      summary.status = this.cancelled ? 'cancelled' : 'finished';
      summary.headline = headline(o.snippet, summary.arms, l10n);
      for (const a of summary.arms) if (a.weights) a.weights = a.weights.replace(uriOf(tmp), uriOf(final));
      saveSummary();
      renameSync(tmp, final);
      o.onActive?.(null);
      return summary;
    } catch (e) {
      if (!(e instanceof PanelClosedError)) rmSync(tmp, { recursive: true, force: true });
      o.onActive?.(null);
      throw e;
    }
  }

  private async trainArm(
    arm: ArmDef, analysis: Analysis, data: { train: Dataset; test: Dataset | null; dir: string }, folder: string, result: ArmResult,
    summary: RunSummary, emit: (m: Metric) => void,
  ): Promise<void> {
    const { o } = this;
    const s = o.settings;
    let initial: Map<string, Tensor> | null = null;
    if (snippetDef(o.snippet).fromWeights && o.weights) {
      const bound = bindStateDict(expectedParams(analysis), readCheckpoint(readFileSync(o.weights), o.weights), { modelName: analysis.modelClass ?? undefined });
      if (bound.ok) initial = bound.tensors;
      else o.bridge.notify({ type: 'status', dir: summary.dir, text: o.l10n.t('The weights {0} do not fit this model ({1}); training starts from the initialisation.', o.weights, (bound.error ?? '').split('\n')[0]!) });
    }
    initial ??= initialStateDict(analysis, new Rng(s.seed, STREAMS.init));
    const optimizer = optimizerOptions(s.optimizer);
    const step = buildTrainingStep(analysis, floatTensors(initial), { optimizer, batch: s.batch, dropout: true });
    const initialValues: Record<string, Float32Array | Int32Array> = {};
    for (const st of step.state) {
      if (st.kind === 'optimizer') continue;
      const t = initial.get(st.input)!;
      // float16/bfloat16 checkpoints (the shipped default weights) widened as the CLI's Trainer does, not read as raw bits
      initialValues[st.input] = st.type === 'int64' ? Int32Array.from(t.data as ArrayLike<bigint>, (v) => Number(v)) : toFloat32(t);
    }
    o.bridge.notify({ type: 'status', dir: summary.dir, text: o.l10n.t('Starting {0}…', arm.label) });
    // Cancel while the session is being made: the arm trained nothing
    const ready = await unlessStopped(o.bridge.request({
      type: 'session', backend: arm.backend, onnx: step.onnx, inputs: step.inputs, masks: step.masks,
      state: step.state.map((x) => ({ name: x.input, input: x.input, output: x.output, type: x.type, shape: x.shape })), initial: initialValues,
    }).then((r) => check<Extract<TrainReply, { sessionMs: number }>>(r)));
    if (!ready) {
      o.bridge.notify({ type: 'status', dir: summary.dir, text: null });
      await o.bridge.request({ type: 'release', what: 'train' }).catch(() => undefined);
      return;
    }
    result.backend = ready.adapter ? `${ready.backend} (${ready.adapter})` : ready.backend;
    o.bridge.notify({ type: 'status', dir: summary.dir, text: null });
    const transform: SampleTransform = { channels: s.inputSize[0] === 1 ? 1 : 3, size: { height: s.inputSize[1], width: s.inputSize[2] }, preset: 'seed', augment: s.augment };
    const steps: StepMetric[] = [];
    let lastCorrect = 0;
    let lastEpoch = 0;
    const evaluate = async (trainer: Trainer): Promise<number | null> => {
      if (!data.test || data.test.labels.length === 0) return null;
      return trainer.evaluate(data.test, async (onnx): Promise<EvalSession> => {
        check(await o.bridge.request({ type: 'evalSession', onnx }));
        return {
          run: async (input, dims) => (check<Extract<TrainReply, { logits: Float32Array; loss?: never }>>(await o.bridge.request({ type: 'evalRun', input, dims }))).logits,
          release: async () => { check(await o.bridge.request({ type: 'release', what: 'eval' })); },
        };
      }, s.batch);
    };
    const saveWeights = (trainer: Trainer, stepsDone: number, cancelled: boolean, trainAccuracy: number | null, testAccuracy: number | null) => {
      writeAtomic(join(folder, 'model.pth'), writeStateDictPth(trainer.stateDict(), { metadata: moduleVersions(analysis) }));
      writeAtomic(join(folder, 'class_indices.json'), classIndicesJson(data.train.classes));
      writeAtomic(join(folder, 'training.json'), trainingJson({
        transform, classes: data.train.classes.length, data: data.dir, model: o.model.uri, entry: s.entry, optimizer: { ...optimizerOptions(s.optimizer) },
        batch: s.batch, seed: s.seed, steps: stepsDone, cancelled, trainAccuracy, evalAccuracy: testAccuracy, backend: `onnxruntime-web ${result.backend}`,
      }));
      result.weights = uriOf(folder);
    };
    const trainer: Trainer = new Trainer({
      step, analysis, initial, data: data.train, transform, lr: s.optimizer.lr, epochs: s.epochs ?? undefined, steps: s.steps ?? undefined,
      seed: s.seed, shuffle: s.shuffle,
      runStep: async (feeds: Feeds): Promise<Feeds | null> => {
        const masks: Record<string, Float32Array> = {};
        for (const m of step.masks) masks[m.name] = feeds[m.name]!.data as Float32Array;
        const reply = await o.bridge.request({
          type: 'step', input: feeds.input!.data as Float32Array, labels: feeds.labels!.data as Float32Array,
          lr: (feeds.lr!.data as Float32Array)[0]!, step: (feeds.step!.data as Float32Array)[0]!, masks,
        });
        // Cancel dropped this step: the trainer stops with the last completed one
        if ('cancelled' in reply) return null;
        const r = check<Extract<TrainReply, { loss: number }>>(reply);
        return { loss: { type: 'float32', data: Float32Array.of(r.loss), dims: [] }, logits: { type: 'float32', data: r.logits, dims: [s.batch, r.logits.length / s.batch] } };
      },
      runtimeState: {
        pullState: async (names) => {
          const values = check<Extract<TrainReply, { state: unknown }>>(await o.bridge.request({ type: 'pullState', names })).state;
          return new Map(Object.entries(values).map(([k, v]) => [k, v instanceof Int32Array ? BigInt64Array.from(v, (x) => BigInt(x)) : v]));
        },
      },
      onProgress: (p) => {
        if (p.epoch !== lastEpoch) { lastEpoch = p.epoch; lastCorrect = 0; }
        const correct = Math.round(p.trainAccuracy * s.batch * (p.step - (p.epoch - 1) * trainer.stepsPerEpoch));
        const m: StepMetric = {
          kind: 'step', arm: arm.id, step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, loss: p.loss, ms: p.ms,
          imagesPerSecond: p.imagesPerSecond, batchAccuracy: (correct - lastCorrect) / s.batch,
        };
        lastCorrect = correct;
        steps.push(m);
        result.steps = p.step;
        result.loss = p.loss;
        result.trainAccuracy = p.trainAccuracy;
        emit(m);
      },
      onEpochEnd: async (epoch) => {
        await trainer.pullState();
        const testAccuracy = await unlessStopped(evaluate(trainer));
        const last = steps.at(-1);
        const trainAccuracy = result.trainAccuracy ?? 0;
        result.testAccuracy = testAccuracy;
        emit({ kind: 'epoch', arm: arm.id, epoch, step: last?.step ?? 0, trainAccuracy, testAccuracy } satisfies EpochMetric);
        // what a closed window keeps: this epoch's weights
        saveWeights(trainer, trainer.steps, false, trainAccuracy, testAccuracy);
        writeAtomic(join(folder, '..', 'run.json'), JSON.stringify(summary, null, 2) + '\n');
      },
    });
    this.trainer = trainer;
    if (this.cancelled) trainer.cancel();
    try {
      const r = await trainer.run();
      result.imagesPerSecond = r.imagesPerSecond;
      result.stepsTo25 = stepsTo25(steps);
      const endedOnEpoch = r.steps > 0 && r.steps % trainer.stepsPerEpoch === 0 && !r.cancelled;
      if (!endedOnEpoch && r.steps > 0) {
        await trainer.pullState();
        if (!r.cancelled) result.testAccuracy = await unlessStopped(evaluate(trainer));
        saveWeights(trainer, r.steps, r.cancelled, result.trainAccuracy, result.testAccuracy);
      }
    } finally {
      this.trainer = null;
      await o.bridge.request({ type: 'release', what: 'train' }).catch(() => undefined);
    }
  }
}

/** Runs a job and tells the webview how it ended (`runEnded`, or `runFailed` with the reason); the panel and the tests share it. */
export async function runAndReport(job: TrainJob, snippet: SnippetId, bridge: RuntimeBridge): Promise<RunSummary | null> {
  try {
    const run = await job.run();
    bridge.notify({ type: 'runEnded', run });
    return run;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    bridge.notify({ type: 'runFailed', dir: null, snippet, message });
    if (!(e instanceof JobError || e instanceof VariantError) && !(e instanceof Error && /^(DataError|IdxError|ImageError|SettingsError|TrainingError|InitError)$/.test(e.name))) throw e;
    return null;
  }
}
