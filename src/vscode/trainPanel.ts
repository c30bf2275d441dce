// "AlexNet: Train...": one Train panel per model file, beside it, restored after a reload. The host prepares the
// data and keeps the runs folder (trainJob.ts); the webview runs the steps on onnxruntime-web (webview/train).
import { join } from 'node:path';
import * as vscode from 'vscode';
import { imageFolderListing } from '../core/training/data.node';
import {
  type RunSettings, type SnippetId, SNIPPET_IDS, type TrainFromWebview, type TrainReply, type TrainSettings, type TrainToWebview,
  type TrainViewState, formatSettings, parseSettings,
} from '../shared/trainProtocol';
import { uiLanguage } from './l10n';
import { JobError, type ModelSource, PanelClosedError, type RuntimeBridge, TrainJob, runAndReport, defaultSettings, listRuns, readMetrics, snippetDef, snippetViews } from './trainJob';
import { trainStrings } from './trainStrings';
import { makeNonce, webviewHtml } from './webviewHtml';
import type { WeightsStore } from './weightsCommands';

export const TRAIN_VIEW_TYPE = 'alexnetExplorer.train';
export const TRAIN_COMMAND = 'alexnetExplorer.train';
const ORT_WASM = 'ort-wasm-simd-threaded.wasm';
const ORT_WEBGPU_WASM = 'ort-wasm-simd-threaded.asyncify.wasm';

interface Deps {
  context: vscode.ExtensionContext;
  store: WeightsStore;
  log: vscode.LogOutputChannel;
}

const baseName = (uri: vscode.Uri) => uri.path.slice(uri.path.lastIndexOf('/') + 1);
const isPython = (d: vscode.TextDocument | undefined): d is vscode.TextDocument => !!d && (d.languageId === 'python' || d.uri.path.endsWith('.py'));

/** Registers the Train commands and the panel's serializer. */
export function registerTrain(context: vscode.ExtensionContext, store: WeightsStore): void {
  const log = vscode.window.createOutputChannel('AlexNet Explorer: Train', { log: true });
  const deps: Deps = { context, store, log };
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(TRAIN_COMMAND, (uri?: unknown, settings?: unknown) => trainCommand(deps, uri, settings as TrainSettings | undefined)),
    vscode.commands.registerCommand('alexnetExplorer.trainFolder', (folder?: unknown) => {
      if (!(folder instanceof vscode.Uri)) return trainCommand(deps, undefined, undefined);
      return trainCommand(deps, undefined, { dataset: { kind: 'imagefolder', folder: folder.fsPath } });
    }),
    vscode.window.registerWebviewPanelSerializer(TRAIN_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => TrainPanel.revive(panel, deps, state as TrainViewState | undefined),
    }),
    { dispose: () => { for (const p of [...TrainPanel.panels.values()]) p.dispose(); } },
  );
}

async function trainCommand(deps: Deps, uri: unknown, settings: TrainSettings | undefined): Promise<void> {
  let model = uri instanceof vscode.Uri && uri.path.endsWith('.py') ? uri : undefined;
  if (!model && settings?.model) model = vscode.Uri.parse(settings.model, true);
  const active = vscode.window.activeTextEditor?.document;
  if (!model && isPython(active)) model = active.uri;
  if (!model) model = vscode.window.visibleTextEditors.map((e) => e.document).find(isPython)?.uri;
  if (!model) model = vscode.Uri.joinPath(deps.context.extensionUri, 'models', 'alexnet.py');
  TrainPanel.show(deps, model, settings);
}

export class TrainPanel {
  static readonly panels = new Map<string, TrainPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly queue: TrainToWebview[] = [];
  private disposed = false;
  private nextRequest = 1;
  private readonly pending = new Map<number, { resolve: (r: TrainReply) => void; reject: (e: Error) => void }>();
  private job: TrainJob | null = null;
  private active = new Set<string>();
  private gpu = false;
  private selected: SnippetId | null = null;

  static show(deps: Deps, model: vscode.Uri, settings?: TrainSettings): TrainPanel {
    let p = TrainPanel.panels.get(model.toString());
    if (p) p.panel.reveal(p.panel.viewColumn, true);
    else {
      const panel = vscode.window.createWebviewPanel(TRAIN_VIEW_TYPE, vscode.l10n.t('Train: {0}', baseName(model)), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        ...TrainPanel.webviewOptions(deps.context), retainContextWhenHidden: true,
      });
      p = new TrainPanel(panel, deps, model);
    }
    if (settings) p.apply(settings);
    return p;
  }

  static async revive(panel: vscode.WebviewPanel, deps: Deps, state: TrainViewState | undefined): Promise<void> {
    let model = vscode.Uri.joinPath(deps.context.extensionUri, 'models', 'alexnet.py');
    try {
      if (state && typeof state.uri === 'string') model = vscode.Uri.parse(state.uri, true);
    } catch { /* a malformed state: the sample */ }
    TrainPanel.panels.get(model.toString())?.dispose();
    panel.webview.options = TrainPanel.webviewOptions(deps.context);
    const p = new TrainPanel(panel, deps, model);
    if (state?.snippet && SNIPPET_IDS.includes(state.snippet)) p.selected = state.snippet;
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
    const root = context.extensionUri;
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'dist', 'ort'), vscode.Uri.joinPath(root, 'media')] };
  }

  /** Settings given by the command (the CodeLens, "Train on this folder"): they override the snippets' defaults. */
  private overrides: TrainSettings = {};

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly deps: Deps, private readonly model: vscode.Uri) {
    TrainPanel.panels.set(model.toString(), this);
    const webview = panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(deps.context.extensionUri, ...path)).toString();
    webview.html = webviewHtml({
      cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('dist', 'webview', 'train.js'), styleUri: asset('media', 'train.css'),
      lang: uiLanguage(vscode.env.language), title: vscode.l10n.t('Train: {0}', baseName(model)), loadingText: vscode.l10n.t('Loading…'), wasm: true,
    });
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    webview.onDidReceiveMessage((m: unknown) => void this.receive(m as TrainFromWebview), null, this.disposables);
  }

  private apply(settings: TrainSettings): void {
    this.overrides = settings;
    if (settings.snippet) this.selected = settings.snippet;
    if (this.ready) {
      void this.sendSnippets().then(() => {
        if (settings.snippet && settings.run) void this.startRun(settings.snippet, null);
      });
    }
  }

  private post(m: TrainToWebview): void {
    if (this.disposed) return;
    if (!this.ready) { this.queue.push(m); return; }
    void this.panel.webview.postMessage(m);
  }

  private readonly bridge: RuntimeBridge = {
    request: (m) => new Promise<TrainReply>((resolve, reject) => {
      if (this.disposed) { reject(new PanelClosedError(vscode.l10n.t('The Train panel was closed.'))); return; }
      const requestId = this.nextRequest++;
      this.pending.set(requestId, { resolve, reject });
      void this.panel.webview.postMessage({ ...m, requestId });
    }),
    notify: (m) => this.post(m),
  };

  private runsRoot(): string | null {
    const folder = vscode.workspace.getWorkspaceFolder(this.model) ?? vscode.workspace.workspaceFolders?.[0];
    if (folder?.uri.scheme === 'file') return join(folder.uri.fsPath, '.alexnet-explorer', 'runs');
    const storage = this.deps.context.storageUri ?? this.deps.context.globalStorageUri;
    return storage.scheme === 'file' ? join(storage.fsPath, 'runs') : null;
  }

  private async modelSource(): Promise<ModelSource> {
    const doc = await vscode.workspace.openTextDocument(this.model);
    return { uri: this.model.toString(), fileName: vscode.workspace.asRelativePath(this.model, false), text: doc.getText() };
  }

  private classesOf(dataset: TrainSettings['dataset']): number {
    if (dataset?.kind === 'imagefolder') {
      try { return imageFolderListing(dataset.folder!).classes.length; } catch { return 10; }
    }
    return 10;
  }

  private overridesAsRun(): Partial<RunSettings> {
    const o = this.overrides;
    const out: Partial<RunSettings> = {};
    if (o.entry) out.entry = o.entry;
    if (o.dataset) out.dataset = o.dataset.kind === 'fashion-mnist-subset' ? o.dataset : { kind: o.dataset.kind, folder: o.dataset.folder ?? '' };
    if (o.inputSize) out.inputSize = o.inputSize;
    if (o.batch) out.batch = o.batch;
    if (o.steps) { out.steps = o.steps; out.epochs = null; } else if (o.epochs) { out.epochs = o.epochs; out.steps = null; }
    if (o.optimizer) out.optimizer = o.optimizer;
    if (o.seed !== undefined) out.seed = o.seed;
    if (o.shuffle !== undefined) out.shuffle = o.shuffle;
    if (o.augment !== undefined) out.augment = o.augment;
    if (o.subset !== undefined) out.subset = o.subset;
    return out;
  }

  private async sendSnippets(): Promise<void> {
    const model = await this.modelSource();
    const views = snippetViews(model, this.gpu, this.classesOf(this.overrides.dataset), vscode.l10n, this.overridesAsRun());
    this.post({ type: 'snippets', snippets: views });
  }

  private sendRuns(): void {
    const root = this.runsRoot();
    this.post({ type: 'runs', runs: root ? listRuns(root, this.active, vscode.l10n).filter((r) => r.model === this.model.toString()) : [] });
  }

  private async startRun(snippet: SnippetId, settingsText: string | null): Promise<void> {
    if (this.job) return;
    const root = this.runsRoot();
    const l10n = vscode.l10n;
    try {
      if (!root) throw new JobError(l10n.t('Open a folder to keep runs in: runs are saved in .alexnet-explorer/runs of the workspace.'));
      const model = await this.modelSource();
      const def = snippetDef(snippet);
      const defaults = defaultSettings(def, model, this.gpu, this.classesOf(this.overrides.dataset), l10n);
      const base: RunSettings = { ...defaults.settings, ...this.overridesAsRun() };
      const settings = settingsText === null ? base : parseSettings(settingsText, base);
      const text = formatSettings(settings);
      const choice = this.deps.store.get();
      const weights = choice.kind === 'user' ? vscode.Uri.parse(choice.weights, true).fsPath : join(this.deps.context.extensionUri.fsPath, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth');
      this.job = new TrainJob({
        bridge: this.bridge, runsRoot: root, extensionRoot: this.deps.context.extensionUri.fsPath, model, snippet, settings, settingsText: text,
        sizes: defaults.sizes, gpu: this.gpu, weights, l10n,
        onActive: (name) => { if (name) this.active.add(name); else this.active.clear(); },
      });
      const run = await runAndReport(this.job, snippet, this.bridge);
      if (run) this.deps.log.info(`train ${snippet}: ${run.status}, ${run.arms.map((a) => `${a.label} ${a.steps} steps loss ${a.loss}`).join('; ')}${run.headline ? ` — ${run.headline}` : ''}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`train ${snippet}: ${message}`);
      this.post({ type: 'runFailed', dir: null, snippet, message });
    } finally {
      this.job = null;
      this.sendRuns();
    }
  }

  private async receive(m: TrainFromWebview): Promise<void> {
    if (!m || typeof m !== 'object') return;
    try {
      switch (m.type) {
        case 'ready': {
          this.ready = true;
          const ort = (file: string) => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist', 'ort', file)).toString();
          const c = vscode.workspace.getConfiguration('alexnetExplorer');
          const backend = c.get<string>('inference.backend', 'auto');
          void this.panel.webview.postMessage({
            type: 'init', language: uiLanguage(vscode.env.language), strings: trainStrings(vscode.l10n),
            backendSetting: backend === 'webgpu' || backend === 'wasm' ? backend : 'auto', allowFallbackAdapter: c.get<boolean>('inference.allowFallbackAdapter', false),
            ortWasmUrl: ort(ORT_WASM), ortWebgpuWasmUrl: ort(ORT_WEBGPU_WASM), fileName: baseName(this.model), uri: this.model.toString(), selected: this.selected,
          } satisfies TrainToWebview);
          for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
          this.sendRuns();
          return;
        }
        case 'backend':
          this.gpu = m.backend === 'webgpu';
          this.deps.log.info(`train backend: ${m.backend}${m.adapter ? ` (${m.adapter})` : ''}${m.reason ? `, ${m.reason}${m.detail ? `: ${m.detail}` : ''}` : ''}`);
          await this.sendSnippets();
          if (this.overrides.snippet && this.overrides.run) void this.startRun(this.overrides.snippet, null);
          return;
        case 'reply': {
          const waiting = this.pending.get(m.inReplyTo);
          this.pending.delete(m.inReplyTo);
          waiting?.resolve(m);
          return;
        }
        case 'run': return this.startRun(m.snippet, m.settingsText);
        case 'cancel': this.job?.cancel(); return;
        case 'selected': this.selected = m.snippet; return;
        case 'openRun': {
          const dir = vscode.Uri.parse(m.dir, true).fsPath;
          const run = listRuns(join(dir, '..'), this.active, vscode.l10n).find((r) => r.dir === vscode.Uri.file(dir).toString());
          if (run) this.post({ type: 'showRun', run, metrics: readMetrics(dir) });
          return;
        }
        case 'useWeights': {
          const folder = vscode.Uri.joinPath(vscode.Uri.parse(m.dir, true), m.arm);
          await this.deps.store.set({
            kind: 'user', weights: vscode.Uri.joinPath(folder, 'model.pth').toString(), labels: vscode.Uri.joinPath(folder, 'class_indices.json').toString(),
            model: vscode.Uri.joinPath(folder, 'model.py').toString(),
          });
          void vscode.window.showInformationMessage(vscode.l10n.t('AlexNet Explorer classifies with the weights of run {0} ({1}) now.', baseName(vscode.Uri.parse(m.dir, true)), m.arm));
          return;
        }
        case 'saveExport': {
          if (m.format === 'md') {
            await vscode.env.clipboard.writeText(m.data);
            void vscode.window.showInformationMessage(vscode.l10n.t('The results table is on the clipboard as Markdown.'));
            return;
          }
          const target = await vscode.window.showSaveDialog({
            defaultUri: this.runsRoot() ? vscode.Uri.file(join(this.runsRoot()!, m.suggestedName)) : undefined,
            filters: m.format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
          });
          if (target) await vscode.workspace.fs.writeFile(target, m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8'));
          return;
        }
        case 'error':
          this.deps.log.error(`train webview ${m.source}: ${m.message}${m.stack ? `\n${m.stack}` : ''}`);
          return;
      }
    } catch (e) {
      this.deps.log.error(`train panel: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.job?.cancel();
    // the job stops where it is; its temporary folder is recovered as "interrupted" by the next listing
    for (const waiting of this.pending.values()) waiting.reject(new PanelClosedError(vscode.l10n.t('The Train panel was closed.')));
    this.pending.clear();
    if (TrainPanel.panels.get(this.model.toString()) === this) TrainPanel.panels.delete(this.model.toString());
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
