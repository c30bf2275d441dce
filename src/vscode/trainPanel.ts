// "AlexNet: Train...": one Train panel per model file, beside it, restored after a reload. The host prepares the
// data and keeps the runs folder (trainJob.ts); the webview runs the steps on onnxruntime-web (webview/train).
import { join } from 'node:path';
import * as vscode from 'vscode';
import { imageFolderListing } from '../core/training/data.node';
import {
  type RunSettings, type SnippetId, SNIPPET_IDS, type TrainFromWebview, type TrainReply, type TrainSettings, type TrainToWebview,
  type TrainViewState, formatSettings, parseSettings,
} from '../shared/trainProtocol';
import { CancelledError, type MessageHandlers } from '../shared/messages';
import { uiLanguage } from './l10n';
import { PanelBase, PanelSet } from './panelBase';
import { JobError, type ModelSource, PanelClosedError, type RuntimeBridge, TrainJob, runAndReport, defaultSettings, listRuns, readMetrics, snippetDef, snippetViews } from './trainJob';
import { trainStrings } from './trainStrings';
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

/** The open Train panels, one per model file (its URI). */
const panels = new PanelSet<TrainPanel>(TRAIN_VIEW_TYPE);

/** A dataset folder as given (a path, or a file URI string from the CodeLens) as the path the job reads. */
const folderPath = (folder: string) => (folder.startsWith('file:') ? vscode.Uri.parse(folder, true).fsPath : folder);
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
    panels.registerSerializer((panel, state) => TrainPanel.revive(panel, deps, state as TrainViewState | undefined)),
    panels,
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

type WebviewHandled = Exclude<TrainFromWebview, { type: 'ready' | 'error' | 'reply' }>;

export class TrainPanel extends PanelBase<TrainToWebview, TrainFromWebview, 'reply'> {
  private job: TrainJob | null = null;
  private active = new Set<string>();
  private gpu = false;
  /** The webview has reported its backend (the snippets' sizes depend on it). */
  private backendKnown = false;
  private selected: SnippetId | null = null;
  /** Settings given by the command (the CodeLens, "Train on this folder"): they override the snippets' defaults. */
  private overrides: TrainSettings = {};
  /** A snippet the command asked to select (and maybe start), told to the webview once its snippets are there. */
  private startAsked: { snippet: SnippetId; run: boolean } | null = null;

  static show(deps: Deps, model: vscode.Uri, settings?: TrainSettings): TrainPanel {
    const key = model.toString();
    panels.reveal(key);
    const p = panels.get(key) ?? panels.add(new TrainPanel(panels.createWebviewPanel(vscode.l10n.t('Train: {0}', baseName(model)), vscode.ViewColumn.Beside, true), deps, model));
    if (settings) p.apply(settings);
    return p;
  }

  static revive(panel: vscode.WebviewPanel, deps: Deps, state: TrainViewState | undefined): TrainPanel {
    let model = vscode.Uri.joinPath(deps.context.extensionUri, 'models', 'alexnet.py');
    try {
      if (state && typeof state.uri === 'string') model = vscode.Uri.parse(state.uri, true);
    } catch { /* a malformed state: the sample */ }
    const p = new TrainPanel(panel, deps, model);
    if (state?.snippet && SNIPPET_IDS.includes(state.snippet)) p.selected = state.snippet;
    return p;
  }

  private constructor(panel: vscode.WebviewPanel, private readonly deps: Deps, private readonly model: vscode.Uri) {
    const title = vscode.l10n.t('Train: {0}', baseName(model));
    super(panel, deps.context, model.toString(), {
      script: 'train', style: 'train', wasm: true, worker: true, title, loadingText: vscode.l10n.t('Loading…'), log: deps.log,
      errorText: (message) => vscode.l10n.t('Training failed in the panel: {0}', message),
      cancels: (m) => (m.type === 'cancel' ? m.requestId : undefined),
    }, ['reply']);
    panel.title = title;
  }

  protected init(): TrainToWebview {
    const c = vscode.workspace.getConfiguration('alexnetExplorer');
    const backend = c.get<string>('inference.backend', 'auto');
    return {
      type: 'init', language: uiLanguage(vscode.env.language), strings: trainStrings(vscode.l10n),
      backendSetting: backend === 'webgpu' || backend === 'wasm' ? backend : 'auto', allowFallbackAdapter: c.get<boolean>('inference.allowFallbackAdapter', false),
      ortWasmUrl: this.asset('dist', 'ort', ORT_WASM), ortWebgpuWasmUrl: this.asset('dist', 'ort', ORT_WEBGPU_WASM),
      workerUrl: this.asset('dist', 'webview', 'train-worker.js'), fileName: baseName(this.model), uri: this.model.toString(), selected: this.selected,
    };
  }

  protected override onReady(): void {
    this.sendRuns();
  }

  private apply(settings: TrainSettings): void {
    this.overrides = settings;
    if (settings.snippet) {
      this.selected = settings.snippet;
      this.startAsked = { snippet: settings.snippet, run: !!settings.run };
    }
    if (this.backendKnown) void this.sendSnippets();
  }

  private readonly bridge: RuntimeBridge = {
    request: async (m) => {
      const closed = () => new PanelClosedError(vscode.l10n.t('The Train panel was closed.'));
      if (this.disposed) throw closed();
      try {
        return await this.channel.request(m, 'reply');
      } catch (e) {
        throw e instanceof CancelledError ? closed() : e;
      }
    },
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
      try { return imageFolderListing(folderPath(dataset.folder!)).classes.length; } catch { return 10; }
    }
    return 10;
  }

  private overridesAsRun(): Partial<RunSettings> {
    const o = this.overrides;
    const out: Partial<RunSettings> = {};
    if (o.entry) out.entry = o.entry;
    if (o.dataset) out.dataset = o.dataset.kind === 'fashion-mnist-subset' ? o.dataset : { kind: o.dataset.kind, folder: folderPath(o.dataset.folder ?? '') };
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
    // every run is the webview's request (its Cancel names it): a run the command asks for starts there too
    if (this.startAsked) this.post({ type: 'start', ...this.startAsked });
    this.startAsked = null;
  }

  private sendRuns(): void {
    const root = this.runsRoot();
    this.post({ type: 'runs', runs: root ? listRuns(root, this.active, vscode.l10n).filter((r) => r.model === this.model.toString()) : [] });
  }

  /** One run, the webview's `run` request: `signal` fires when its Cancel is clicked (or the panel closes). */
  private async startRun(snippet: SnippetId, settingsText: string, signal: AbortSignal): Promise<void> {
    if (this.job) return;
    const root = this.runsRoot();
    const l10n = vscode.l10n;
    try {
      if (!root) throw new JobError(l10n.t('Open a folder to keep runs in: runs are saved in .alexnet-explorer/runs of the workspace.'));
      const model = await this.modelSource();
      const def = snippetDef(snippet);
      const defaults = defaultSettings(def, model, this.gpu, this.classesOf(this.overrides.dataset), l10n);
      const base: RunSettings = { ...defaults.settings, ...this.overridesAsRun() };
      const settings = parseSettings(settingsText, base);
      const text = formatSettings(settings);
      const choice = this.deps.store.get();
      const weights = choice.kind === 'user' ? vscode.Uri.parse(choice.weights, true).fsPath : join(this.deps.context.extensionUri.fsPath, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth');
      const job = new TrainJob({
        bridge: this.bridge, runsRoot: root, extensionRoot: this.deps.context.extensionUri.fsPath, model, snippet, settings, settingsText: text,
        sizes: defaults.sizes, gpu: this.gpu, weights, l10n,
        onActive: (name) => { if (name) this.active.add(name); else this.active.clear(); },
      });
      this.job = job;
      if (signal.aborted) job.cancel();
      signal.addEventListener('abort', () => job.cancel(), { once: true });
      const run = await runAndReport(job, snippet, this.bridge);
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

  protected handlers(): MessageHandlers<WebviewHandled> {
    return {
      backend: async (m) => {
        this.gpu = m.backend === 'webgpu';
        this.backendKnown = true;
        this.deps.log.info(`train backend: ${m.backend}${m.adapter ? ` (${m.adapter})` : ''}${m.reason ? `, ${m.reason}${m.detail ? `: ${m.detail}` : ''}` : ''}`);
        await this.sendSnippets();
      },
      run: async (m) => {
        const { signal, done } = this.channel.serve(m.requestId);
        try {
          await this.startRun(m.snippet, m.settingsText, signal);
        } finally {
          done();
          this.channel.send({ type: 'runDone', inReplyTo: m.requestId });
        }
      },
      // the Endpoint aborts the run's signal (PanelSpec.cancels)
      cancel: () => undefined,
      selected: (m) => { this.selected = m.snippet; },
      openRun: (m) => {
        const dir = vscode.Uri.parse(m.dir, true).fsPath;
        const run = listRuns(join(dir, '..'), this.active, vscode.l10n).find((r) => r.dir === vscode.Uri.file(dir).toString());
        if (run) this.post({ type: 'showRun', run, metrics: readMetrics(dir) });
      },
      useWeights: async (m) => {
        const folder = vscode.Uri.joinPath(vscode.Uri.parse(m.dir, true), m.arm);
        await this.deps.store.set({
          kind: 'user', weights: vscode.Uri.joinPath(folder, 'model.pth').toString(), labels: vscode.Uri.joinPath(folder, 'class_indices.json').toString(),
          model: vscode.Uri.joinPath(folder, 'model.py').toString(),
        });
        void vscode.window.showInformationMessage(vscode.l10n.t('AlexNet Explorer classifies with the weights of run {0} ({1}) now.', baseName(vscode.Uri.parse(m.dir, true)), m.arm));
      },
      saveExport: async (m) => {
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
      },
    };
  }

  override dispose(): void {
    // the job stops where it is (its requests fail as PanelClosedError); its temporary folder is recovered as "interrupted" by the next listing
    this.job?.cancel();
    super.dispose();
  }
}
