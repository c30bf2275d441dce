// "Visualize AlexNet": one webview panel showing the layer graph of a model file, linked to its editor.
// The panel only forwards the analysis (IR) and editor events; all drawing happens in webview/graph.
import * as vscode from 'vscode';
import type { Analysis } from '../core/model/ir';
import type { MessageHandlers } from '../shared/messages';
import type { FromWebview, GraphViewState, InitMessage, RevealMessage, SaveExportRequest, ToWebview, TrainRequest } from '../shared/protocol';
import { allLayerNotes, graphStrings } from './graphStrings';
import { uiLanguage } from './l10n';
import { PanelBase, PanelSet } from './panelBase';

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

const panels = new PanelSet<GraphPanel>(GRAPH_VIEW_TYPE);

/** Registers the command and the serializer; everything is disposed with the extension. */
export function registerGraphPanel(context: vscode.ExtensionContext, source: GraphAnalysisSource): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(VISUALIZE_COMMAND, (uri?: unknown) => GraphPanel.createOrShow(context, source, uri instanceof vscode.Uri ? uri : undefined)),
    panels.registerSerializer((panel, state) => GraphPanel.revive(panel, context, source, state as GraphViewState | undefined)),
    panels,
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

export class GraphPanel extends PanelBase<ToWebview, FromWebview> {
  private readonly strings = graphStrings(vscode.l10n);
  private debounce: ReturnType<typeof setTimeout> | undefined;

  static get current(): GraphPanel | undefined {
    return panels.get();
  }

  /** Opens the panel beside the editor for `uri`, the active model file, or the bundled AlexNet. */
  static async createOrShow(context: vscode.ExtensionContext, source: GraphAnalysisSource, uri?: vscode.Uri): Promise<void> {
    let target = uri;
    const active = vscode.window.activeTextEditor?.document;
    if (!target && isModelDocument(active)) target = active.uri;
    if (!target && panels.reveal('', undefined, false)) {
      // Run again from the panel itself (no active editor): just brought forward.
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
    const open = panels.get();
    if (open) {
      open.panel.reveal(open.panel.viewColumn ?? column, true);
      await open.setDocument(target);
      return;
    }
    panels.add(new GraphPanel(panels.createWebviewPanel('AlexNet', column), context, source, target));
  }

  /** After a window reload (WebviewPanelSerializer), with the state the webview saved. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, source: GraphAnalysisSource, state: GraphViewState | undefined): GraphPanel {
    let target = bundledModel(context);
    if (state && typeof state.uri === 'string') {
      try {
        target = vscode.Uri.parse(state.uri, true);
      } catch {
        // A malformed saved state: fall back to the sample.
      }
    }
    return new GraphPanel(panel, context, source, target);
  }

  private constructor(
    panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly source: GraphAnalysisSource,
    private uri: vscode.Uri,
  ) {
    const title = vscode.l10n.t('AlexNet: {0}', baseName(uri));
    super(panel, context, '', {
      script: 'graph', style: 'graph', title, loadingText: vscode.l10n.t('Loading the model graph…'),
      log: { error: (message: string) => console.error(`[alexnet-explorer] ${message}`) },
      errorText: (message) => vscode.l10n.t('AlexNet graph: {0}', message),
    });
    panel.title = title;

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
      if (!this.isReady || e.textEditor.document.uri.toString() !== this.uri.toString()) return;
      this.post({ type: 'cursor', uri: this.uri.toString(), line: e.selections[0].active.line + 1 });
    }, null, this.disposables);
    this.disposables.push({ dispose: () => clearTimeout(this.debounce) });
  }

  protected init(): InitMessage {
    return { type: 'init', language: uiLanguage(vscode.env.language), strings: this.strings, notes: allLayerNotes() };
  }

  async setDocument(uri: vscode.Uri): Promise<void> {
    this.uri = uri;
    this.panel.title = vscode.l10n.t('AlexNet: {0}', baseName(uri));
    await this.postAnalysis();
  }

  private async postAnalysis(): Promise<void> {
    if (!this.isReady || this.disposed) return;
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

  /** Also after the webview was re-created (hidden and shown again): send everything again. */
  protected override async onReady(): Promise<void> {
    await this.postAnalysis();
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.uri.toString() === this.uri.toString()) {
      this.post({ type: 'cursor', uri: this.uri.toString(), line: editor.selection.active.line + 1 });
    }
  }

  protected handlers(): MessageHandlers<RevealMessage | SaveExportRequest | TrainRequest> {
    return {
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
    };
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
}
