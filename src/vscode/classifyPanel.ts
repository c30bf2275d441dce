// "Classify with AlexNet": one webview panel; the host turns the chosen weights into ONNX and image files into input
// tensors (classifyModel.ts), the webview runs them with onnxruntime-web (webview/classify). Also registers the weights
// commands (weightsCommands.ts).
import * as vscode from 'vscode';
import type { ClassifyFromWebview, ClassifyInitMessage, ClassifySettings, ClassifyToWebview, ClassifyViewState } from '../shared/classifyProtocol';
import type { MessageHandlers } from '../shared/messages';
import { prepareImage } from './classifyModel';
import { readFileLimited } from './readFile';
import { FILE_LIMITS } from '../core/read-file.node';
import { classifyStrings } from './classifyStrings';
import { uiLanguage } from './l10n';
import { PanelBase, PanelSet } from './panelBase';
import { ModelLoadError, ModelService, WeightsStore, baseName, registerWeightsCommands } from './weightsCommands';

export const CLASSIFY_VIEW_TYPE = 'alexnetExplorer.classify';
export const CLASSIFY_COMMAND = 'alexnetExplorer.classify';
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'bmp', 'webp', 'gif'];
const ORT_WASM = 'ort-wasm-simd-threaded.wasm';
const ORT_WEBGPU_WASM = 'ort-wasm-simd-threaded.asyncify.wasm';

interface Deps {
  context: vscode.ExtensionContext;
  store: WeightsStore;
  models: ModelService;
  log: vscode.LogOutputChannel;
}

/** Registers the classify, weights and export commands and the panel's serializer; returns the weights choice (the Train panel's "Use these weights" sets it). */
export function registerClassify(context: vscode.ExtensionContext): WeightsStore {
  const log = vscode.window.createOutputChannel('AlexNet Explorer: Classify', { log: true });
  const store = new WeightsStore(context.workspaceState);
  const deps: Deps = { context, store, models: new ModelService(context), log };
  context.subscriptions.push(
    log,
    store,
    vscode.commands.registerCommand(CLASSIFY_COMMAND, (uri?: unknown, uris?: unknown) => classifyCommand(deps, uri, uris)),
    ...registerWeightsCommands(context, store, deps.models, log),
    panels.registerSerializer((panel, state) => ClassifyPanel.revive(panel, deps, state as ClassifyViewState | undefined)),
    store.onDidChange(() => ClassifyPanel.current?.rerun()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('alexnetExplorer.inference') || e.affectsConfiguration('alexnetExplorer.classify')) ClassifyPanel.current?.settingsChanged();
    }),
    panels,
  );
  return store;
}

/** Explorer (clicked + selected), editor title (the image) or palette (asks for images, several allowed). */
async function classifyCommand(deps: Deps, uri: unknown, uris: unknown): Promise<void> {
  let targets = Array.isArray(uris) ? uris.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
  if (targets.length === 0 && uri instanceof vscode.Uri) targets = [uri];
  if (targets.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Classify with AlexNet'),
      canSelectMany: true,
      openLabel: vscode.l10n.t('Classify'),
      filters: { [vscode.l10n.t('Images')]: IMAGE_EXTENSIONS },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return;
    targets = picked;
  }
  await ClassifyPanel.show(deps).classify(targets);
}

function readSettings(): ClassifySettings {
  const c = vscode.workspace.getConfiguration('alexnetExplorer');
  const backend = c.get<string>('inference.backend', 'auto');
  return {
    backend: backend === 'webgpu' || backend === 'wasm' ? backend : 'auto',
    allowFallbackAdapter: c.get<boolean>('inference.allowFallbackAdapter', false),
    topK: Math.max(1, Math.min(20, Math.round(c.get<number>('classify.topK', 5)))),
  };
}

interface HostRun {
  id: number;
  files: vscode.Uri[];
  cancelled: boolean;
  finished: boolean;
  finish: () => void;
  done: Promise<void>;
  progress: vscode.Progress<{ message?: string; increment?: number }> | null;
  reported: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const panels = new PanelSet<ClassifyPanel>(CLASSIFY_VIEW_TYPE);

type WebviewHandled = Exclude<ClassifyFromWebview, { type: 'ready' | 'error' }>;

export class ClassifyPanel extends PanelBase<ClassifyToWebview, ClassifyFromWebview> {
  private webviewModelKey: string | null = null;
  private runCounter = 0;
  private run: HostRun | null = null;
  private files: vscode.Uri[] = [];
  private settings = readSettings();

  static get current(): ClassifyPanel | undefined {
    return panels.get();
  }

  static show(deps: Deps): ClassifyPanel {
    const open = panels.get();
    if (open) {
      open.panel.reveal(open.panel.viewColumn, true);
      return open;
    }
    const column = vscode.window.activeTextEditor || vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    // retained: the onnxruntime session (and its GPU device) survives switching tabs
    return panels.add(new ClassifyPanel(panels.createWebviewPanel(vscode.l10n.t('Classify'), column, true), deps));
  }

  /** After a window reload: classify the files the panel showed again. */
  static revive(panel: vscode.WebviewPanel, deps: Deps, state: ClassifyViewState | undefined): ClassifyPanel {
    const p = new ClassifyPanel(panel, deps);
    const files: vscode.Uri[] = [];
    for (const f of Array.isArray(state?.files) ? state.files : []) {
      try {
        if (typeof f === 'string') files.push(vscode.Uri.parse(f, true));
      } catch {
        // a malformed saved state: skip that file
      }
    }
    if (files.length) void p.classify(files);
    return p;
  }

  private constructor(panel: vscode.WebviewPanel, private readonly deps: Deps) {
    super(panel, deps.context, '', {
      script: 'classify', style: 'classify', wasm: true, resourceRoots: [deps.models.onnxCache.folder],
      title: vscode.l10n.t('Classify'), loadingText: classifyStrings(vscode.l10n).loading, log: deps.log,
      errorText: (message) => vscode.l10n.t('Classification failed in the panel: {0}', message),
    });
  }

  protected init(): ClassifyInitMessage {
    const ort = (file: string) => this.asset('dist', 'ort', file);
    return {
      type: 'init', language: uiLanguage(vscode.env.language), strings: classifyStrings(vscode.l10n), settings: this.settings,
      ortWasmUrl: ort(ORT_WASM), ortWebgpuWasmUrl: ort(ORT_WEBGPU_WASM),
    };
  }

  private setTitle(files: vscode.Uri[]): void {
    this.panel.title = files.length === 1 ? vscode.l10n.t('Classify: {0}', baseName(files[0])) : vscode.l10n.t('Classify: {0} images', files.length);
  }

  /** Classifies `files` with the chosen weights; a run still going is cancelled. */
  async classify(files: vscode.Uri[]): Promise<void> {
    this.files = files;
    this.setTitle(files);
    if (this.run && !this.run.finished) this.cancelRun(this.run, true);
    const run = this.startRun(files);
    const { log, models, store } = this.deps;
    this.post({ type: 'status', text: vscode.l10n.t('Reading the weights and building the model…') });
    let prepared;
    try {
      prepared = await models.prepare(store.get());
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log.error(`classify: ${message}`);
      if (!(e instanceof ModelLoadError)) log.error((e as Error).stack ?? message);
      this.post({ type: 'status', text: null });
      this.post({ type: 'failure', message, offerWeights: e instanceof ModelLoadError ? e.offerWeights : false });
      run.finish();
      return;
    }
    this.post({ type: 'status', text: null });
    if (run.cancelled || this.disposed) return;
    const info = prepared.info;
    if (this.webviewModelKey !== info.key) {
      this.post({ type: 'model', info, url: this.panel.webview.asWebviewUri(prepared.onnx).toString(), size: prepared.size });
      this.webviewModelKey = info.key;
    }
    this.post({ type: 'run', runId: run.id, modelKey: info.key, files: files.map((f) => ({ name: baseName(f), path: f.toString() })) });
    for (const [index, uri] of files.entries()) {
      if (run.cancelled || this.disposed) return;
      const name = baseName(uri);
      let bytes: Uint8Array;
      try {
        bytes = await readFileLimited(uri, FILE_LIMITS.image, 'an image');
      } catch (e) {
        const why = e instanceof vscode.FileSystemError ? e.code || e.message : e instanceof Error ? e.message : String(e);
        // our own reader's errors are already one line naming the file
        const error = e instanceof Error && e.message.startsWith(uri.fsPath) ? e.message.replace(uri.fsPath, name) : vscode.l10n.t('{0}: cannot be read ({1})', name, why);
        this.post({ type: 'image', runId: run.id, index, name, error });
        continue;
      }
      this.post({ type: 'image', runId: run.id, index, ...prepareImage(bytes, name, info.preset, info.input[1] as 1 | 3, { height: info.input[2], width: info.input[3] }) });
      // one image at a time reaches the webview, and the host stays responsive
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  /** The weights changed: classify the same files with the new ones. */
  rerun(): void {
    if (this.files.length) void this.classify(this.files);
  }

  settingsChanged(): void {
    const next = readSettings();
    const backendChanged = next.backend !== this.settings.backend || next.allowFallbackAdapter !== this.settings.allowFallbackAdapter;
    this.settings = next;
    if (!this.isReady) return;
    if (backendChanged) this.webviewModelKey = null;
    this.reinit();
    if (backendChanged) this.rerun();
  }

  private startRun(files: vscode.Uri[]): HostRun {
    let finish!: () => void;
    const done = new Promise<void>((r) => { finish = r; });
    const run: HostRun = {
      id: ++this.runCounter, files, cancelled: false, finished: false, done, progress: null, reported: 0, timer: undefined,
      finish: () => {
        if (run.finished) return;
        run.finished = true;
        clearTimeout(run.timer);
        finish();
      },
    };
    this.run = run;
    // a notification only for runs that take longer than a second
    run.timer = setTimeout(() => {
      if (run.finished) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Classifying with AlexNet'), cancellable: true },
        (progress, token) => {
          run.progress = progress;
          token.onCancellationRequested(() => this.cancelRun(run, true));
          return run.done;
        },
      );
    }, 1000);
    return run;
  }

  private cancelRun(run: HostRun, tellWebview: boolean): void {
    if (run.finished) return;
    run.cancelled = true;
    if (tellWebview) this.post({ type: 'cancel', runId: run.id });
    run.finish();
  }

  protected override onReady(reloaded: boolean): void {
    if (reloaded) {
      // the webview lost its model and results (Reload Webviews): start over
      this.webviewModelKey = null;
      this.rerun();
    }
  }

  protected handlers(): MessageHandlers<WebviewHandled> {
    return {
    backend: (m) => {
      const where = m.backend === 'webgpu'
        ? `WebGPU (${[m.adapter?.vendor, m.adapter?.architecture, m.adapter?.description].filter(Boolean).join(' ')}${m.adapter?.isFallbackAdapter ? ', fallback adapter' : ''})`
        : `wasm (${m.reason ?? 'chosen'}${m.detail ? `: ${m.detail}` : ''}${m.adapter ? `; adapter seen: ${m.adapter.vendor} ${m.adapter.architecture}${m.adapter.isFallbackAdapter ? ' (fallback)' : ''}` : ''})`;
      this.deps.log.info(`inference backend: ${where}; session ready in ${m.sessionMs} ms`);
    },
    progress: (m) => {
      const run = this.run;
      if (!run || run.id !== m.runId || !run.progress || m.total === 0) return;
      const increment = ((m.done - run.reported) / m.total) * 100;
      run.reported = m.done;
      run.progress.report({ message: vscode.l10n.t('{0} of {1} images', m.done, m.total), increment });
    },
    result: (m) => {
      if (m.error) this.deps.log.warn(`classify: ${m.error}`);
      else this.deps.log.info(`classify: ${m.name}: ${m.top?.map((t) => `${t.label} ${(t.prob * 100).toFixed(1)}%`).join(', ')} (${m.ms?.toFixed(2)} ms)`);
    },
    runDone: (m) => {
      if (this.run?.id === m.runId) this.run.finish();
    },
    cancelRun: (m) => {
      if (this.run?.id === m.runId) this.cancelRun(this.run, false);
    },
    command: async (m) => {
      await vscode.commands.executeCommand(m.command === 'loadWeights' ? 'alexnetExplorer.loadWeights' : 'alexnetExplorer.useDefaultWeights');
    },
    };
  }

  override dispose(): void {
    if (this.run && !this.disposed) this.cancelRun(this.run, false);
    super.dispose();
  }
}
