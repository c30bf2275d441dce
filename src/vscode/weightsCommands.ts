// Which weights classification uses (per workspace), the commands that choose them (Load Weights..., Use Default
// Weights), the model they make (cached), and Export ONNX... of a model file with them.
import * as vscode from 'vscode';
import {
  ClassifierError, TORCHVISION_ALEXNET, buildOnnx, classCount, loadModel, prepareClassifier, presetFor, type Classifier,
} from '../core/classifier';
import { isTorchvisionAlexNetCheckpoint } from '../core/labels';
import { findTorchvisionAlexNet } from '../core/torch-hub.node';
import { WeightsError, readCheckpoint } from '../core/weights';
import type { ModelInfo } from '../shared/classifyProtocol';
import { inputSizeSetting } from './analysisService';
import { modelInfo, modelKey } from './classifyModel';
import { OnnxCache } from './onnxCache';
import { readFileLimited } from './readFile';
import { FILE_LIMITS } from '../core/read-file.node';

/** The weights in use: the shipped default, or the user's file with its labels and model source. */
export type WeightsChoice =
  | { kind: 'default' }
  | {
    kind: 'user';
    /** URI strings. */
    weights: string;
    /** The labels file, or null: none (torchvision's checkpoint then has the ImageNet classes built in). */
    labels: string | null;
    /** The model's Python file, or 'torchvision' for torchvision's AlexNet (built in). */
    model: string;
  };

const STATE_KEY = 'alexnetExplorer.weights';

export class WeightsStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WeightsChoice>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get(): WeightsChoice {
    const c = this.state.get<WeightsChoice>(STATE_KEY);
    return c && c.kind === 'user' && typeof c.weights === 'string' && typeof c.model === 'string' ? c : { kind: 'default' };
  }

  async set(choice: WeightsChoice): Promise<void> {
    await this.state.update(STATE_KEY, choice.kind === 'default' ? undefined : choice);
    this.changed.fire(choice);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** A model could not be made; the message names the file. `offerWeights`: the way out is other weights. */
export class ModelLoadError extends Error {
  constructor(message: string, readonly offerWeights: boolean) {
    super(message);
  }
}

export interface PreparedModel {
  key: string;
  info: ModelInfo;
  /** The ONNX file (in the OnnxCache) and its size. */
  onnx: vscode.Uri;
  size: number;
}

interface ChoiceFiles {
  isDefault: boolean;
  weights: vscode.Uri;
  labels: vscode.Uri | null;
  /** null: torchvision's AlexNet, built in. */
  model: vscode.Uri | null;
  training: vscode.Uri;
}

export const baseName = (uri: vscode.Uri): string => uri.path.slice(uri.path.lastIndexOf('/') + 1);

/** A file as the user knows it: relative to the workspace when inside it. */
export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri, false) : uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

const reason = (e: unknown) => (e instanceof vscode.FileSystemError ? e.code || e.message : e instanceof Error ? e.message : String(e));

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** A text file's content, preferring an open editor's (unsaved edits count); errors name the file. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await readFileLimited(uri, FILE_LIMITS.source, 'a text file'));
  } catch (e) {
    throw new ModelLoadError(vscode.l10n.t('{0}: cannot be read ({1})', displayPath(uri), reason(e)), true);
  }
}

/** Prepares (and caches, one at a time) the model for the chosen weights. */
export class ModelService {
  private cache: PreparedModel | null = null;
  readonly onnxCache: OnnxCache;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.onnxCache = new OnnxCache(vscode.Uri.joinPath(context.globalStorageUri, 'onnx'));
  }

  defaultFiles(): ChoiceFiles {
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'models', 'fashion-mnist');
    return {
      isDefault: true,
      model: vscode.Uri.joinPath(this.context.extensionUri, 'models', 'alexnet.py'),
      weights: vscode.Uri.joinPath(dir, 'alexnet-fashion-mnist.pth'),
      labels: vscode.Uri.joinPath(dir, 'class_indices.json'),
      training: vscode.Uri.joinPath(dir, 'training.json'),
    };
  }

  files(choice: WeightsChoice): ChoiceFiles {
    if (choice.kind === 'default') return this.defaultFiles();
    const weights = vscode.Uri.parse(choice.weights, true);
    return {
      isDefault: false,
      weights,
      labels: choice.labels ? vscode.Uri.parse(choice.labels, true) : null,
      model: choice.model === 'torchvision' ? null : vscode.Uri.parse(choice.model, true),
      training: vscode.Uri.joinPath(weights, '..', 'training.json'),
    };
  }

  /** Throws ModelLoadError when the weights are missing or do not fit the model, naming the file. */
  async checkWeights(files: ChoiceFiles): Promise<vscode.FileStat> {
    try {
      return await vscode.workspace.fs.stat(files.weights);
    } catch {
      if (files.isDefault) {
        throw new ModelLoadError(vscode.l10n.t('The default weights {0} are not there yet: tools/train-fashion-mnist.py makes them. Load other weights with AlexNet: Load Weights...', 'models/fashion-mnist/alexnet-fashion-mnist.pth'), true);
      }
      throw new ModelLoadError(vscode.l10n.t('{0}: no such file (the weights chosen with AlexNet: Load Weights...)', displayPath(files.weights)), true);
    }
  }

  async prepare(choice: WeightsChoice): Promise<PreparedModel> {
    const files = this.files(choice);
    const stat = await this.checkWeights(files);
    const model = files.model ? { file: files.isDefault ? 'alexnet.py' : displayPath(files.model), text: await readText(files.model) } : TORCHVISION_ALEXNET;
    const labels = files.labels ? (files.isDefault && !(await exists(files.labels)) ? null : { file: baseName(files.labels), text: await readText(files.labels) }) : null;
    const training = (await exists(files.training)) ? await readText(files.training) : null;
    const weightsName = files.isDefault ? baseName(files.weights) : displayPath(files.weights);
    const preset = presetFor(baseName(files.weights), training);
    const defaultInput = files.model ? inputSizeSetting(files.model) : undefined;
    const key = modelKey([model.text, files.weights.toString(), String(stat.mtime), String(stat.size), labels?.text ?? '', preset, String(defaultInput)]);
    if (this.cache?.key === key) return this.cache;
    this.cache = null;
    const cached = await this.onnxCache.get(key);
    if (cached) {
      this.cache = { key, info: cached.info, onnx: cached.uri, size: cached.size };
      return this.cache;
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFileLimited(files.weights, FILE_LIMITS.weights, 'a checkpoint');
    } catch (e) {
      throw new ModelLoadError(vscode.l10n.t('{0}: cannot be read ({1})', weightsName, reason(e)), true);
    }
    // let the progress notification show before the synchronous parse and conversion
    await new Promise((r) => setTimeout(r, 0));
    let classifier: Classifier;
    try {
      classifier = prepareClassifier({
        model: { ...model, entry: files.model ? undefined : TORCHVISION_ALEXNET.entry, defaultInput },
        weights: { file: weightsName, read: () => readCheckpoint(bytes, weightsName) },
        labels,
        preset,
        activations: true,
        quietResize: files.isDefault,
      });
    } catch (e) {
      if (e instanceof ClassifierError || e instanceof WeightsError) throw new ModelLoadError(e.message, true);
      throw e;
    }
    const info = modelInfo(classifier, {
      key, isDefault: files.isDefault, weightsFile: weightsName, labelsFile: files.labels ? baseName(files.labels) : null,
      modelFile: files.model ? baseName(files.model) : TORCHVISION_ALEXNET.file,
    });
    const stored = await this.onnxCache.put(info, classifier.onnx);
    this.cache = { key, info, onnx: stored.uri, size: stored.size };
    return this.cache;
  }

  forget(): void {
    this.cache = null;
  }
}

// ------------------------------------------------------------------ commands

const WEIGHTS_FILTER = ['pth', 'pt', 'bin', 'ckpt', 'safetensors'];

interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

async function pickWeightsFile(): Promise<vscode.Uri | undefined> {
  const hub = findTorchvisionAlexNet();
  if (hub) {
    const items: PickItem<vscode.Uri | null>[] = [
      { label: vscode.l10n.t('torchvision AlexNet (ImageNet, 1000 classes)'), description: hub, detail: vscode.l10n.t('Found in the torch hub cache'), value: vscode.Uri.file(hub) },
      { label: vscode.l10n.t('Choose a weights file...'), value: null },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Load AlexNet Weights'), ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.value) return picked.value;
  }
  const files = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Load AlexNet Weights'),
    canSelectMany: false,
    openLabel: vscode.l10n.t('Load Weights'),
    filters: { [vscode.l10n.t('PyTorch weights')]: WEIGHTS_FILTER, [vscode.l10n.t('All files')]: ['*'] },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return files?.[0];
}

/** class_indices.json or labels.txt beside the weights, else asks; null: no labels (or the ImageNet ones built in). */
async function pickLabels(weights: vscode.Uri): Promise<vscode.Uri | null | undefined> {
  if (isTorchvisionAlexNetCheckpoint(weights.path)) return null;
  for (const name of ['class_indices.json', 'labels.txt']) {
    const beside = vscode.Uri.joinPath(weights, '..', name);
    if (await exists(beside)) return beside;
  }
  const items: PickItem<'choose' | 'none'>[] = [
    { label: vscode.l10n.t('Choose a labels file...'), detail: vscode.l10n.t('A class_indices.json (index -> name) or a labels.txt (one class a line)'), value: 'choose' },
    { label: vscode.l10n.t('No labels'), detail: vscode.l10n.t('Classes are shown by their number'), value: 'none' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('No class_indices.json or labels.txt beside {0}', baseName(weights)),
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.value === 'none') return null;
  const files = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Labels for {0}', baseName(weights)),
    canSelectMany: false,
    defaultUri: vscode.Uri.joinPath(weights, '..'),
    filters: { [vscode.l10n.t('Labels')]: ['json', 'txt'], [vscode.l10n.t('All files')]: ['*'] },
  });
  return files?.[0];
}

const isPython = (d: vscode.TextDocument) => d.languageId === 'python' || d.uri.path.endsWith('.py');

/** The model file the weights belong to: asked, with the likely one first. 'torchvision' for the built-in source. */
async function pickModel(context: vscode.ExtensionContext, weights: vscode.Uri): Promise<string | undefined> {
  const items: PickItem<string | null>[] = [];
  if (isTorchvisionAlexNetCheckpoint(weights.path)) {
    items.push({ label: vscode.l10n.t('torchvision AlexNet (built in)'), description: 'torchvision.models.alexnet', value: 'torchvision' });
  }
  const seen = new Set<string>();
  const active = vscode.window.activeTextEditor?.document;
  for (const d of [active, ...vscode.window.visibleTextEditors.map((e) => e.document)]) {
    if (!d || !isPython(d) || d.isUntitled || seen.has(d.uri.toString())) continue;
    seen.add(d.uri.toString());
    items.push({ label: baseName(d.uri), description: displayPath(d.uri), detail: vscode.l10n.t('Open in the editor'), value: d.uri.toString() });
  }
  const shipped = vscode.Uri.joinPath(context.extensionUri, 'models', 'alexnet.py');
  items.push({ label: 'alexnet.py', description: vscode.l10n.t('The seed AlexNet shipped with the extension'), value: shipped.toString() });
  items.push({ label: vscode.l10n.t('Choose a model file...'), value: null });
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Which model do the weights {0} belong to?', baseName(weights)), ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.value) return picked.value;
  const files = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Model file for {0}', baseName(weights)),
    canSelectMany: false,
    filters: { [vscode.l10n.t('Python')]: ['py'] },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return files?.[0]?.toString();
}

/** Shows a notification only for work that takes longer than a second. */
export async function withDelayedProgress<T>(title: string, work: (report: (message: string) => void) => Promise<T>): Promise<T> {
  let message = '';
  let reporter: ((m: string) => void) | null = null;
  const done = work((m) => {
    message = m;
    reporter?.(m);
  });
  const timer = setTimeout(() => {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
      reporter = (m) => progress.report({ message: m });
      if (message) reporter(message);
      await done.catch(() => undefined);
    });
  }, 1000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

async function loadWeightsCommand(context: vscode.ExtensionContext, store: WeightsStore, models: ModelService, log: vscode.LogOutputChannel): Promise<void> {
  const weights = await pickWeightsFile();
  if (!weights) return;
  const labels = await pickLabels(weights);
  if (labels === undefined) return;
  const model = await pickModel(context, weights);
  if (!model) return;
  const choice: WeightsChoice = { kind: 'user', weights: weights.toString(), labels: labels?.toString() ?? null, model };
  let prepared: PreparedModel;
  try {
    prepared = await withDelayedProgress(vscode.l10n.t('Loading weights {0}...', baseName(weights)), async () => models.prepare(choice));
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    log.error(`load weights: ${text}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('These weights were not loaded: {0}', text));
    return;
  }
  await store.set(choice);
  const info = prepared.info;
  log.info(`weights: ${info.weightsFile}, model ${info.entry} (${info.modelFile}), ${info.classes} classes, labels ${info.labelsFile ?? info.labelsSource}, preset ${info.preset}`);
  for (const note of info.notes) log.info(`note: ${note}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('AlexNet Explorer classifies with {0} now (model {1}, {2} classes).', info.weightsFile, `${info.entry} (${info.modelFile})`, info.classes));
}

async function exportOnnxCommand(store: WeightsStore, models: ModelService, log: vscode.LogOutputChannel, uri?: unknown): Promise<void> {
  let model = uri instanceof vscode.Uri ? uri : undefined;
  const active = vscode.window.activeTextEditor?.document;
  if (!model && active && isPython(active)) model = active.uri;
  if (!model) {
    const files = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Export which model to ONNX?'), canSelectMany: false, filters: { [vscode.l10n.t('Python')]: ['py'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    model = files?.[0];
    if (!model) return;
  }
  const files = models.files(store.get());
  try {
    await models.checkWeights(files);
  } catch (e) {
    const pick = await vscode.window.showErrorMessage((e as Error).message, vscode.l10n.t('Load Weights...'));
    if (pick) await vscode.commands.executeCommand('alexnetExplorer.loadWeights');
    return;
  }
  const name = baseName(model);
  const stem = name.replace(/\.py$/, '');
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export {0} with the weights {1}', name, baseName(files.weights)),
    defaultUri: vscode.Uri.joinPath(model, '..', `${stem}.onnx`),
    filters: { ONNX: ['onnx'] },
  });
  if (!target) return;
  const weightsName = files.isDefault ? baseName(files.weights) : displayPath(files.weights);
  try {
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting {0} to ONNX', name), cancellable: true },
      async (progress, token) => {
        progress.report({ message: vscode.l10n.t('reading {0}', weightsName) });
        const text = await readText(model);
        let bytes: Uint8Array;
        try {
          bytes = await readFileLimited(files.weights, FILE_LIMITS.weights, 'a checkpoint');
        } catch (e) {
          throw new ModelLoadError(vscode.l10n.t('{0}: cannot be read ({1})', weightsName, reason(e)), true);
        }
        if (token.isCancellationRequested) return null;
        progress.report({ message: vscode.l10n.t('converting') });
        await new Promise((r) => setTimeout(r, 0));
        let onnx: Uint8Array;
        let loaded;
        try {
          loaded = loadModel({ file: displayPath(model), text, defaultInput: inputSizeSetting(model) }, { file: weightsName, read: () => readCheckpoint(bytes, weightsName) });
          onnx = buildOnnx(loaded, { batch: 1 });
        } catch (e) {
          if (e instanceof ClassifierError || e instanceof WeightsError) throw new ModelLoadError(e.message, true);
          throw e;
        }
        if (token.isCancellationRequested) return null;
        progress.report({ message: vscode.l10n.t('writing {0}', baseName(target)) });
        await vscode.workspace.fs.writeFile(target, onnx);
        const dims = (s: number[]) => `[${s.join(', ')}]`;
        return { size: onnx.length, input: dims(loaded.analysis.input), output: dims(loaded.analysis.output ?? [1, classCount(loaded.analysis)]), notes: loaded.notes };
      },
    );
    if (!summary) return;
    for (const note of summary.notes) log.info(`export: ${note}`);
    log.info(`export: wrote ${target.toString()} (${summary.size} bytes)`);
    const reveal = vscode.l10n.t('Reveal in Explorer');
    const picked = await vscode.window.showInformationMessage(
      vscode.l10n.t('Wrote {0} ({1} MB, ONNX opset 13): input {2} -> logits {3}', baseName(target), (summary.size / 1048576).toFixed(1), summary.input, summary.output)
        + (summary.notes.length ? ` ${summary.notes.join(' ')}` : ''),
      reveal,
    );
    if (picked === reveal) await vscode.commands.executeCommand('revealInExplorer', target);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    log.error(`export: ${text}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('ONNX export failed: {0}', text));
  }
}

export function registerWeightsCommands(context: vscode.ExtensionContext, store: WeightsStore, models: ModelService, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('alexnetExplorer.loadWeights', () => loadWeightsCommand(context, store, models, log)),
    vscode.commands.registerCommand('alexnetExplorer.useDefaultWeights', async () => {
      await store.set({ kind: 'default' });
      const files = models.defaultFiles();
      if (await exists(files.weights)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('AlexNet Explorer classifies with the default weights: the seed AlexNet trained on Fashion-MNIST.'));
      } else {
        void vscode.window.showWarningMessage(vscode.l10n.t('The default weights {0} are not there yet: tools/train-fashion-mnist.py makes them. Load other weights with AlexNet: Load Weights...', 'models/fashion-mnist/alexnet-fashion-mnist.pth'));
      }
    }),
    vscode.commands.registerCommand('alexnetExplorer.exportOnnx', (uri?: unknown) => exportOnnxCommand(store, models, log, uri)),
  ];
}
