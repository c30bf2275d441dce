// The lifecycle every webview panel shares (graph, classify, train): webview options and the one HTML template,
// the `ready` handshake (host `init` first, then what was posted before), the message layer (src/shared/messages),
// the webview's error reports (logged, shown once a minute per message), disposal; and `PanelSet`, which creates,
// finds and restores (serializer) the open panels of a view type, one per key ('' for a single panel).
import * as vscode from 'vscode';
import { Endpoint, type EndpointOptions, type Message, type MessageHandlers, type WebviewError } from '../shared/messages';
import { uiLanguage } from './l10n';
import { makeNonce, webviewHtml } from './webviewHtml';

/** What a panel loads and how it reports. */
export interface PanelSpec<Out extends Message, In extends Message> {
  /** dist/webview/<script>.js and media/<style>.css. */
  script: string;
  style: string;
  /** The page runs WebAssembly (onnxruntime-web): dist/ort is readable, 'wasm-unsafe-eval', connect-src. */
  wasm?: boolean;
  /** The page runs a worker from a Blob URL (worker-src blob:). */
  worker?: boolean;
  /** More folders the webview may read (asWebviewUri), e.g. the extension's storage with the cached model. */
  resourceRoots?: vscode.Uri[];
  title: string;
  loadingText: string;
  /** Where the webview's errors go. */
  log: Pick<vscode.LogOutputChannel, 'error'>;
  /** The notification for a webview error, `{0}` = its message (already translated). */
  errorText: (message: string) => string;
  cancelMessage?: EndpointOptions<Out, In>['cancelMessage'];
  cancels?: EndpointOptions<Out, In>['cancels'];
}

type HostHandled = 'ready' | 'error';

/**
 * A panel: `Out` host -> webview, `In` webview -> host (with the shared `ready` and `error`), `R` the replies this
 * side only awaits (no handler). Subclasses give `init` (sent on every `ready`) and the handlers of the rest.
 */
export abstract class PanelBase<Out extends Message, In extends Message, R extends Extract<In, { inReplyTo: number }>['type'] = never> implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  /** The webview has sent `ready` (at least once). */
  protected isReady = false;
  protected disposed = false;
  private readonly queue: Out[] = [];
  private readonly errorsShown = new Map<string, number>();
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private endpoint: Endpoint<Out, In, R> | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    protected readonly context: vscode.ExtensionContext,
    /** Which panel of its PanelSet this is. */
    readonly key: string,
    private readonly spec: PanelSpec<Out, In>,
    private readonly replyTypes: readonly R[] = [],
  ) {
    const root = context.extensionUri;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media'),
        ...(spec.wasm ? [vscode.Uri.joinPath(root, 'dist', 'ort')] : []), ...(spec.resourceRoots ?? []),
      ],
    };
    panel.webview.html = webviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: this.asset('dist', 'webview', `${spec.script}.js`),
      styleUri: this.asset('media', `${spec.style}.css`),
      lang: uiLanguage(vscode.env.language),
      title: spec.title,
      loadingText: spec.loadingText,
      wasm: spec.wasm,
      worker: spec.worker,
    });
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.channel.receive(m), null, this.disposables);
  }

  /** The message sent first on every `ready` (language, strings, settings). */
  protected abstract init(): Out;
  /** Handlers of every webview message but `ready`, `error` and the awaited replies. */
  protected abstract handlers(): MessageHandlers<Exclude<In, { type: R | HostHandled }>>;
  /** After `init` and the queued messages; `reloaded`: the webview started again (Reload Webviews, re-shown). */
  protected onReady(_reloaded: boolean): void | Promise<void> {}

  /** The message layer: requests and streams to the webview (`channel.request`, `channel.stream`). */
  protected get channel(): Endpoint<Out, In, R> {
    this.endpoint ??= new Endpoint<Out, In, R>(
      (m) => this.postNow(m),
      { ...this.handlers(), ready: () => this.ready(), error: (m: WebviewError) => this.showError(m) } as unknown as MessageHandlers<Exclude<In, { type: R }>>,
      this.replyTypes,
      { cancelMessage: this.spec.cancelMessage, cancels: this.spec.cancels, onError: (e) => this.spec.log.error(`message: ${e instanceof Error ? e.stack ?? e.message : String(e)}`) },
    );
    return this.endpoint;
  }

  /** An extension file as the webview reads it. */
  protected asset(...path: string[]): string {
    return this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...path)).toString();
  }

  /** Posts now when the webview is ready, else after `init` once it is. */
  protected post(message: Out): void {
    if (this.disposed) return;
    if (!this.isReady) this.queue.push(message);
    else this.postNow(message);
  }

  private postNow(message: Out): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** Sends `init` again (settings changed) when the webview is up. */
  protected reinit(): void {
    if (this.isReady) this.postNow(this.init());
  }

  private async ready(): Promise<void> {
    const reloaded = this.isReady;
    this.isReady = true;
    this.postNow(this.init());
    for (const m of this.queue.splice(0)) this.postNow(m);
    await this.onReady(reloaded);
  }

  private showError(m: WebviewError): void {
    this.spec.log.error(`webview ${m.source}: ${m.message}${m.stack ? `\n${m.stack}` : ''}`);
    // one notification per distinct message a minute: a failing render loop must not flood the user
    const now = Date.now();
    if ((this.errorsShown.get(m.message) ?? 0) > now - 60_000) return;
    this.errorsShown.set(m.message, now);
    void vscode.window.showErrorMessage(this.spec.errorText(m.message));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.endpoint?.dispose();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}

type AnyPanel = PanelBase<Message, Message, never>;

/** The open panels of one view type, by key; registers the serializer that restores them after a reload. */
export class PanelSet<P extends Pick<AnyPanel, 'key' | 'panel' | 'onDidDispose' | 'dispose'>> implements vscode.Disposable {
  private readonly open = new Map<string, P>();

  constructor(readonly viewType: string) {}

  get(key = ''): P | undefined {
    return this.open.get(key);
  }

  all(): P[] {
    return [...this.open.values()];
  }

  /** Reveals the panel for `key` when open (true), else nothing (false). */
  reveal(key: string, column?: vscode.ViewColumn, preserveFocus = true): boolean {
    const p = this.open.get(key);
    p?.panel.reveal(column ?? p.panel.viewColumn, preserveFocus);
    return !!p;
  }

  /** A new webview panel of this type (its options are set by PanelBase). */
  createWebviewPanel(title: string, column: vscode.ViewColumn, retainContextWhenHidden = false): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(this.viewType, title, { viewColumn: column, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden });
  }

  /** Keeps `panel` as the one for its key (a previous one is closed) until it is disposed. */
  add(panel: P): P {
    const before = this.open.get(panel.key);
    if (before && before !== panel) before.dispose();
    this.open.set(panel.key, panel);
    panel.onDidDispose(() => {
      if (this.open.get(panel.key) === panel) this.open.delete(panel.key);
    });
    return panel;
  }

  /** The serializer: `revive` rebuilds a panel from the state its webview saved (unknown: check it). */
  registerSerializer(revive: (panel: vscode.WebviewPanel, state: unknown) => P | Promise<P>): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(this.viewType, {
      deserializeWebviewPanel: async (panel, state) => {
        this.add(await revive(panel, state));
      },
    });
  }

  dispose(): void {
    for (const p of this.all()) p.dispose();
  }
}
