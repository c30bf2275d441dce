// Analyses Python documents on demand, cached by document version, and tells listeners when one changes.
import * as vscode from 'vscode';
import { analyzeSourceSafely as analyzeSource } from '../core/model/analyze';
import type { Analysis } from '../core/model/ir';
import type { ModuleResolver } from '../core/model/imports';
import { diskModules, readModuleFile } from '../core/module-files.node';

const INPUT_OVERRIDES_KEY = 'alexnetExplorer.inputOverrides';
const ENTRIES_KEY = 'alexnetExplorer.entries';

/** The `alexnetExplorer.inputSize` setting for a file: [C, H, W] for files without a `# input[...]` comment. */
export function inputSizeSetting(file: vscode.Uri): number[] | undefined {
  const setting = vscode.workspace.getConfiguration('alexnetExplorer', file).get<number[] | null>('inputSize', null);
  return Array.isArray(setting) && setting.length === 3 ? setting : undefined;
}

/** The model's own modules: an open document's text (unsaved edits too), else the file on disk. */
const workspaceModules: ModuleResolver = diskModules((file) => {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  return open ? open.getText() : readModuleFile(file);
});

export class AnalysisService implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; key: string; analysis: Analysis }>();
  private readonly changed = new vscode.EventEmitter<{ document: vscode.TextDocument; analysis: Analysis }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Fires after a (debounced) re-analysis of an open Python document. */
  readonly onDidChangeAnalysis = this.changed.event;

  constructor(private readonly state: vscode.Memento) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidCloseTextDocument((d) => { this.cache.delete(d.uri.toString()); this.clearTimer(d.uri.toString()); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alexnetExplorer')) this.refreshAll();
      }),
    );
  }

  static isModelCandidate(document: vscode.TextDocument): boolean {
    return document.languageId === 'python' || document.fileName.endsWith('.py');
  }

  /** The analysis of the document's current text (computed now if stale: a model file takes well under a millisecond). */
  get(document: vscode.TextDocument): Analysis {
    const uri = document.uri.toString();
    const key = this.optionsKey(document);
    const hit = this.cache.get(uri);
    if (hit && hit.version === document.version && hit.key === key) return hit.analysis;
    const file = document.uri.scheme === 'file' ? document.uri.fsPath : undefined;
    const analysis = analyzeSource(document.getText(), { ...this.options(document), file, readModule: workspaceModules });
    this.cache.set(uri, { version: document.version, key, analysis });
    return analysis;
  }

  /** Per-file input size set by the "Set Input Size..." command, if any. */
  getInputOverride(uri: vscode.Uri): number[] | undefined {
    return this.state.get<Record<string, number[]>>(INPUT_OVERRIDES_KEY, {})[uri.toString()];
  }

  async setInputOverride(uri: vscode.Uri, input: number[] | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, number[]>>(INPUT_OVERRIDES_KEY, {}) };
    if (input) all[uri.toString()] = input;
    else delete all[uri.toString()];
    await this.state.update(INPUT_OVERRIDES_KEY, all);
    this.refreshAll();
  }

  /** The model chosen for a file (a CodeLens, "Choose the Model..."): a class or factory name, or a call such as `resnet18()`. */
  getEntry(uri: vscode.Uri): string | undefined {
    return this.state.get<Record<string, string>>(ENTRIES_KEY, {})[uri.toString()];
  }

  async setEntry(uri: vscode.Uri, entry: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(ENTRIES_KEY, {}) };
    if (entry) all[uri.toString()] = entry;
    else delete all[uri.toString()];
    await this.state.update(ENTRIES_KEY, all);
    this.refreshAll();
  }

  private options(document: vscode.TextDocument) {
    return {
      entry: this.getEntry(document.uri),
      input: this.getInputOverride(document.uri),
      defaultInput: inputSizeSetting(document.uri),
    };
  }

  private optionsKey(document: vscode.TextDocument): string {
    return JSON.stringify(this.options(document));
  }

  schedule(document: vscode.TextDocument, delay?: number): void {
    if (!AnalysisService.isModelCandidate(document)) return;
    const uri = document.uri.toString();
    this.clearTimer(uri);
    const ms = delay ?? vscode.workspace.getConfiguration('alexnetExplorer').get<number>('analysisDelay', 250);
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      if (document.isClosed) return;
      this.changed.fire({ document, analysis: this.get(document) });
    }, ms));
  }

  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private clearTimer(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.disposables) d.dispose();
  }
}
