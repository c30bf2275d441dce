// "Visualize AlexNet": one webview panel showing the layer graph of a model file, linked to its editor.
// The panel only forwards the analysis (IR) and editor events; all drawing happens in webview/graph.
import * as vscode from 'vscode';
import type { Analysis } from '../core/model/ir';
import {
  dispatchMessage,
  type FromWebview,
  type GraphViewState,
  type MessageHandlers,
  type SaveExportRequest,
  type ToWebview,
  type UiStrings,
} from '../shared/protocol';
import { formatString, initMessage } from './graphStrings';
import { makeNonce, webviewHtml } from './webviewHtml';

export const GRAPH_VIEW_TYPE = 'alexnetExplorer.graph';
export const VISUALIZE_COMMAND = 'alexnetExplorer.visualize';

/** What the panel needs from the analyzer (wired in extension.ts). */
export interface GraphAnalysisSource {
  /** The analysis of a document's current text (the caller may cache it by version). */
  getAnalysis(document: vscode.TextDocument): Analysis;
  /**
   * Fires when a document's analysis changed (after the caller's debounce; AnalysisService.onDidChangeAnalysis
   * fits). Without it the panel re-analyses on its own `alexnetExplorer.analysisDelay` after each edit.
   */
  onDidChangeAnalysis?: vscode.Event<{ document: vscode.TextDocument }>;
}

/** Registers the command and the serializer; everything is disposed with the extension. */
export function registerGraphPanel(context: vscode.ExtensionContext, source: GraphAnalysisSource): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(VISUALIZE_COMMAND, (uri?: unknown) => GraphPanel.createOrShow(context, source, uri instanceof vscode.Uri ? uri : undefined)),
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => GraphPanel.revive(panel, context, source, state as GraphViewState | undefined),
    }),
    { dispose: () => GraphPanel.current?.dispose() },
  );
}

/** A Python file that imports torch (the bundled model otherwise). */
function isModelDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && (doc.languageId === 'python' || doc.uri.path.endsWith('.py')) && /\b(import\s+torch|from\s+torch\b|nn\.Module|nn\.Sequential)/.test(doc.getText());
}

function bundledModel(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'models', 'alexnet.py');
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

export class GraphPanel {
  static current: GraphPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly init = initMessage(vscode.env.language);
  private ready = false;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private lastErrorShown = new Map<string, number>();
  private disposed = false;

  /** Opens the panel beside the editor for `uri`, the active model file, or the bundled AlexNet. */
  static async createOrShow(context: vscode.ExtensionContext, source: GraphAnalysisSource, uri?: vscode.Uri): Promise<void> {
    let target = uri;
    const active = vscode.window.activeTextEditor?.document;
    if (!target && isModelDocument(active)) target = active.uri;
    if (!target && GraphPanel.current) {
      // Run again from the panel itself (no active editor): just bring it forward.
      GraphPanel.current.panel.reveal(undefined, false);
      return;
    }
    // The palette with a webview focused: a model file visible next to it still counts as "active".
    if (!target) target = vscode.window.visibleTextEditors.map((e) => e.document).find(isModelDocument)?.uri;
    if (!target) {
      // No model open: show the sample so that clicks on nodes have an editor to move.
      target = bundledModel(context);
      const doc = await vscode.workspace.openTextDocument(target);
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One });
    }
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Two;
    if (GraphPanel.current) {
      GraphPanel.current.panel.reveal(GraphPanel.current.panel.viewColumn ?? column, true);
      await GraphPanel.current.setDocument(target);
      return;
    }
    const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, 'AlexNet', { viewColumn: column, preserveFocus: true }, GraphPanel.webviewOptions(context));
    GraphPanel.current = new GraphPanel(panel, context, source, target);
  }

  /** After a window reload (WebviewPanelSerializer), with the state the webview saved. */
  static async revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, source: GraphAnalysisSource, state: GraphViewState | undefined): Promise<void> {
    let target = bundledModel(context);
    if (state && typeof state.uri === 'string') {
      try {
        target = vscode.Uri.parse(state.uri, true);
      } catch {
        // A malformed saved state: fall back to the sample.
      }
    }
    GraphPanel.current?.dispose();
    panel.webview.options = GraphPanel.webviewOptions(context);
    GraphPanel.current = new GraphPanel(panel, context, source, target);
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly source: GraphAnalysisSource,
    private uri: vscode.Uri,
  ) {
    this.updateTitle();
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m), null, this.disposables);

    if (source.onDidChangeAnalysis) {
      source.onDidChangeAnalysis((changed) => {
        if (changed.document.uri.toString() === this.uri.toString()) void this.postAnalysis();
      }, null, this.disposables);
    } else {
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() !== this.uri.toString() || e.contentChanges.length === 0) return;
        clearTimeout(this.debounce);
        const delay = vscode.workspace.getConfiguration('alexnetExplorer').get<number>('analysisDelay', 250);
        this.debounce = setTimeout(() => void this.postAnalysis(), delay);
      }, null, this.disposables);
    }
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (!this.ready || e.textEditor.document.uri.toString() !== this.uri.toString()) return;
      this.post({ type: 'cursor', uri: this.uri.toString(), line: e.selections[0].active.line + 1 });
    }, null, this.disposables);
  }

  private get strings(): UiStrings {
    return this.init.strings;
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...path)).toString();
    return webviewHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset('dist', 'webview', 'graph.js'),
      styleUri: asset('media', 'graph.css'),
      lang: this.init.language,
      title: formatString(this.strings.panelTitle, baseName(this.uri)),
      loadingText: this.strings.loading,
    });
  }

  private updateTitle(): void {
    this.panel.title = formatString(this.strings.panelTitle, baseName(this.uri));
  }

  async setDocument(uri: vscode.Uri): Promise<void> {
    this.uri = uri;
    this.updateTitle();
    await this.postAnalysis();
  }

  private post(message: ToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
  }

  private async postAnalysis(): Promise<void> {
    if (!this.ready || this.disposed) return;
    const uri = this.uri.toString();
    const fileName = baseName(this.uri);
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(this.uri);
    } catch (e) {
      this.post({ type: 'analysisFailed', uri, fileName, message: e instanceof Error ? e.message : String(e) });
      return;
    }
    try {
      const analysis = this.source.getAnalysis(document);
      this.post({ type: 'analysis', uri, fileName, version: document.version, analysis });
    } catch (e) {
      console.error('[alexnet-explorer] analysis failed', e);
      this.post({ type: 'analysisFailed', uri, fileName, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private readonly handlers: MessageHandlers<FromWebview> = {
    ready: async () => {
      // Also after the webview was re-created (hidden and shown again): send everything again.
      this.ready = true;
      this.post(this.init);
      await this.postAnalysis();
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.uri.toString() === this.uri.toString()) {
        this.post({ type: 'cursor', uri: this.uri.toString(), line: editor.selection.active.line + 1 });
      }
    },
    reveal: async (m) => {
      const document = await vscode.workspace.openTextDocument(this.uri);
      const r = m.range;
      const range = new vscode.Range(r.line - 1, r.column, r.endLine - 1, r.endColumn);
      const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri.toString());
      const column = visible?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
      const editor = await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus: false, selection: range });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    },
    saveExport: (m) => this.saveExport(m),
    train: async () => {
      await vscode.commands.executeCommand('alexnetExplorer.train', this.uri);
    },
    error: (m) => {
      console.error(`[alexnet-explorer] webview ${m.source}: ${m.message}${m.stack ? `\n${m.stack}` : ''}`);
      // One notification per distinct message a minute: a failing render loop must not flood the user.
      const now = Date.now();
      if ((this.lastErrorShown.get(m.message) ?? 0) > now - 60_000) return;
      this.lastErrorShown.set(m.message, now);
      void vscode.window.showErrorMessage(formatString(this.strings.webviewError, m.message));
    },
  };

  private receive(message: unknown): void {
    try {
      const r = dispatchMessage(this.handlers, message);
      if (r) r.catch((e: unknown) => this.handlers.error({ type: 'error', source: 'message', message: e instanceof Error ? e.message : String(e) }));
    } catch (e) {
      console.error('[alexnet-explorer] bad message from the graph webview', e);
    }
  }

  private async saveExport(m: SaveExportRequest): Promise<void> {
    const s = this.strings;
    const folder = this.uri.scheme === 'untitled' ? undefined : vscode.Uri.joinPath(this.uri, '..');
    const defaultUri = folder ? vscode.Uri.joinPath(folder, m.suggestedName) : undefined;
    const filters = m.format === 'svg' ? { [s.svgFilter]: ['svg'] } : { [s.pngFilter]: ['png'] };
    try {
      const target = await vscode.window.showSaveDialog({ defaultUri, filters, title: s.saveDialogTitle });
      if (!target) {
        this.post({ type: 'saveResult', inReplyTo: m.requestId, outcome: 'cancelled' });
        return;
      }
      const bytes = m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post({ type: 'saveResult', inReplyTo: m.requestId, outcome: 'saved', path: target.scheme === 'file' ? target.fsPath : target.toString() });
    } catch (e) {
      this.post({ type: 'saveResult', inReplyTo: m.requestId, outcome: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    clearTimeout(this.debounce);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
