// "Run on WebGPU" above a training loop written in the usual PyTorch style (the alexnet-train snippet or typed by
// hand) and "Run" above a predict script (alexnet-predict): the settings are read from the code by
// src/core/training/script.ts; what cannot be read is a diagnostic on its line (a collection of its own).
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { readScript, type ScriptReading, type TrainingScript } from '../core/training/script';
import { toRange } from './convert';
import type { WeightsStore } from './weightsCommands';

/** The Train panel's command: (model file uri, settings). */
export const TRAIN_COMMAND = 'alexnetExplorer.train';
const RUN_TRAINING_SCRIPT = 'alexnetExplorer.runTrainingScript';
const RUN_PREDICT_SCRIPT = 'alexnetExplorer.runPredictScript';
/** Test hook: when set, each Run on WebGPU appends `{ model, settings }` as one JSON line to this file. */
const RECORD_ENV = 'ALEXNET_EXPLORER_TRAIN_RECORD';

/** What `alexnetExplorer.train` receives as its second argument: the script's settings with paths as URI strings. */
export interface TrainScriptSettings extends Omit<TrainingScript, 'model' | 'dataset' | 'save'> {
  /** The model's Python file (URI string) and the call that builds it. */
  model: string;
  entry: string;
  dataset: { kind: TrainingScript['dataset']['kind']; folder: string };
  /** The folder torch.save writes to (URI string), and the file name it gives. */
  saveFolder?: string;
  saveName?: string;
  /** Where the settings come from. */
  script: { uri: string; line: number };
  /** The Train panel runs the loop as its Fine-tune snippet, at once. */
  snippet: 'finetune';
  run: true;
}

const isPython = (d: vscode.TextDocument) => d.languageId === 'python' || d.uri.path.endsWith('.py');

/** Reads each Python document once per version. */
class ScriptReadings {
  private readonly cache = new Map<string, { version: number; reading: ScriptReading }>();

  get(document: vscode.TextDocument): ScriptReading {
    const key = document.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version) return hit.reading;
    const reading = readScript(document.getText());
    this.cache.set(key, { version: document.version, reading });
    return reading;
  }

  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }
}

export class TrainScriptLensProvider implements vscode.CodeLensProvider {
  constructor(private readonly readings: ScriptReadings) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const r = this.readings.get(document);
    if (r.kind === 'none') return [];
    const range = new vscode.Range(r.range.line - 1, 0, r.range.line - 1, 0);
    if (r.kind === 'train') {
      return [new vscode.CodeLens(range, {
        title: vscode.l10n.t('$(play) Run on WebGPU'),
        tooltip: vscode.l10n.t('Train this model in the editor with the settings of this script (WebGPU, else WebAssembly)'),
        command: RUN_TRAINING_SCRIPT,
        arguments: [document.uri],
      })];
    }
    return [new vscode.CodeLens(range, {
      title: vscode.l10n.t('$(play) Run'),
      tooltip: vscode.l10n.t('Classify the image of this script with the weights it loads'),
      command: RUN_PREDICT_SCRIPT,
      arguments: [document.uri],
    })];
  }
}

/** A path as the script writes it: absolute, beside the script, else in the workspace folder (where Python runs it). */
async function resolvePath(script: vscode.Uri, path: string, mustExist: boolean): Promise<vscode.Uri> {
  if (path.startsWith('/')) return script.with({ path });
  const candidates: vscode.Uri[] = [];
  if (!script.scheme.startsWith('untitled')) candidates.push(vscode.Uri.joinPath(script, '..', path));
  const folder = vscode.workspace.getWorkspaceFolder(script)?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (folder) candidates.push(vscode.Uri.joinPath(folder, path));
  for (const c of candidates) {
    try {
      await vscode.workspace.fs.stat(c);
      return c;
    } catch {
      // try the next place
    }
  }
  if (!candidates[0]) throw new Error(vscode.l10n.t('{0}: a relative path in an untitled file without a workspace folder; save the script first.', path));
  if (mustExist) throw new Error(vscode.l10n.t('{0}: no such file or folder beside the script or in the workspace folder.', path));
  return candidates[0];
}

function splitPath(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return i < 0 ? { dir: '.', name: path } : { dir: path.slice(0, i) || '/', name: path.slice(i + 1) };
}

/** The settings `alexnetExplorer.train` receives for a script (paths resolved). */
export async function trainSettings(script: vscode.Uri, s: TrainingScript, line: number): Promise<{ model: vscode.Uri; settings: TrainScriptSettings }> {
  const model = s.model.file ? await resolvePath(script, s.model.file, true) : script;
  const folder = await resolvePath(script, s.dataset.folder, true);
  const save = s.save ? splitPath(s.save) : undefined;
  const { model: _m, dataset: _d, save: _s, ...rest } = s;
  return {
    model,
    settings: {
      ...rest,
      model: model.toString(),
      entry: s.model.entry,
      dataset: { kind: s.dataset.kind, folder: folder.toString() },
      ...(save ? { saveFolder: (await resolvePath(script, save.dir, false)).toString(), saveName: save.name } : {}),
      script: { uri: script.toString(), line },
      // the script's loop as the Fine-tune snippet, started at once
      snippet: 'finetune',
      run: true,
    },
  };
}

const readingOf = async (readings: ScriptReadings, uri: vscode.Uri) => readings.get(await vscode.workspace.openTextDocument(uri));

function showUnreadable(r: Exclude<ScriptReading, { kind: 'none' }>): void {
  const first = r.diagnostics[0];
  void vscode.window.showErrorMessage(vscode.l10n.t('{0} settings of this script cannot be read (see Problems). Line {1}: {2}', r.diagnostics.length, first?.range.line ?? r.range.line, first?.message ?? ''));
}

async function runTrainingScript(readings: ScriptReadings, uri: vscode.Uri): Promise<void> {
  const r = await readingOf(readings, uri);
  if (r.kind !== 'train') return;
  if (!r.settings) {
    showUnreadable(r);
    return;
  }
  let call;
  try {
    call = await trainSettings(uri, r.settings, r.range.line);
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return;
  }
  const record = process.env[RECORD_ENV];
  if (record) appendFileSync(record, `${JSON.stringify({ model: call.model.toString(), settings: call.settings })}\n`);
  if (!(await vscode.commands.getCommands(true)).includes(TRAIN_COMMAND)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('This build of AlexNet Explorer has no Train panel ({0}).', TRAIN_COMMAND));
    return;
  }
  await vscode.commands.executeCommand(TRAIN_COMMAND, call.model, call.settings);
}

async function runPredictScript(readings: ScriptReadings, store: WeightsStore, uri: vscode.Uri): Promise<void> {
  const r = await readingOf(readings, uri);
  if (r.kind !== 'predict') return;
  if (!r.settings) {
    showUnreadable(r);
    return;
  }
  const s = r.settings;
  try {
    const image = await resolvePath(uri, s.image, true);
    let weights: vscode.Uri | undefined;
    try {
      weights = await resolvePath(uri, s.weights, true);
    } catch {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} is not there yet (train first): classifying with the weights in use.', s.weights));
    }
    if (weights) {
      const model = s.model.file ? await resolvePath(uri, s.model.file, true) : uri;
      const labels = s.labels ? await resolvePath(uri, s.labels, true).catch(() => null) : null;
      await store.set({ kind: 'user', weights: weights.toString(), labels: labels?.toString() ?? null, model: model.toString() });
    }
    await vscode.commands.executeCommand('alexnetExplorer.classify', image);
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
  }
}

/** The lenses, their commands and the diagnostics of unreadable settings. */
export function registerTrainScripts(selector: vscode.DocumentSelector, store: WeightsStore): vscode.Disposable[] {
  const readings = new ScriptReadings();
  const collection = vscode.languages.createDiagnosticCollection('alexnet-explorer-scripts');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const update = (d: vscode.TextDocument) => {
    if (!isPython(d)) return;
    const r = readings.get(d);
    collection.set(d.uri, r.kind === 'none' ? [] : r.diagnostics.map((x) => {
      const diag = new vscode.Diagnostic(toRange(x.range), x.message, vscode.DiagnosticSeverity.Warning);
      diag.source = 'AlexNet Explorer';
      diag.code = r.kind === 'train' ? 'training-script' : 'predict-script';
      return diag;
    }));
  };
  for (const d of vscode.workspace.textDocuments) update(d);
  return [
    collection,
    vscode.languages.registerCodeLensProvider(selector, new TrainScriptLensProvider(readings)),
    vscode.commands.registerCommand(RUN_TRAINING_SCRIPT, (uri?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      return target ? runTrainingScript(readings, target) : undefined;
    }),
    vscode.commands.registerCommand(RUN_PREDICT_SCRIPT, (uri?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      return target ? runPredictScript(readings, store, target) : undefined;
    }),
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidChangeTextDocument((e) => {
      const key = e.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(key, setTimeout(() => update(e.document), 300));
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      collection.delete(d.uri);
      readings.forget(d.uri);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  ];
}
