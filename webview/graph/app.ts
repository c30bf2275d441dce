// The graph webview: receives the analysis from the host, draws graph and table, links both to the editor.
import type { Analysis, GraphNode, SourceRange } from '../../src/core/model/ir';
import { Endpoint, type MessageHandlers, type RequestOf } from '../../src/shared/messages';
import {
  type ExportFormat,
  type FromWebview,
  type GraphViewState,
  type LayerNote,
  type SaveResultMessage,
  type ToWebview,
  type UiLanguage,
  type UiStrings,
  type WebviewErrorMessage,
} from '../../src/shared/protocol';
import type { ErrorReporter as UiErrorReporter } from '../ui/errors';
import type { VsCodeApi as GraphVsCodeApi } from '../ui/host';
import { button, divider, dropdown, registerToolkit, setPressed, textField, type Dropdown, type TextField } from '../ui/toolkit';
import { svgMarkup, pngBase64 } from './export';
import { el } from '../ui/dom';
import { fill } from '../ui/format';
import { layoutGraph, type Layout } from './layout';
import { overviewCollapsed } from './overview';
import { GraphView, type ZoomState } from './render';
import { LayerTable } from './table';
import { buildView, groupKey, type ViewGraph, type ViewNode } from './view';

type VsCodeApi = GraphVsCodeApi<FromWebview, GraphViewState>;
export type ErrorReporter = UiErrorReporter<WebviewErrorMessage['source']>;

interface Loaded {
  uri: string;
  fileName: string;
  version: number;
  analysis: Analysis;
}

export class GraphApp {
  private strings: UiStrings | null = null;
  private language: UiLanguage = 'en';
  private notes: LayerNote[] = [];
  private loaded: Loaded | null = null;
  private pending: ToWebview[] = [];
  private collapsed = new Set<string>();
  private selectedId: string | null = null;
  private view: ViewGraph | null = null;
  private layout: Layout | null = null;
  private renderedUri: string | null = null;
  private saved: GraphViewState | null;
  private query = '';
  private matches: string[] = [];
  private matchIndex = -1;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private tableTimer: ReturnType<typeof setTimeout> | undefined;
  private tableVisible = true;
  private tableToken: object | null = null;
  private bannerRange: SourceRange | null = null;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;

  // DOM, built on `init` (strings come from the host).
  private graph!: GraphView;
  private table!: LayerTable;
  private graphElement!: HTMLElement;
  private sideElement!: HTMLElement;
  private banner!: HTMLElement;
  private placeholder!: HTMLElement;
  private popover!: HTMLElement;
  private status!: HTMLElement;
  private searchField!: TextField;
  private searchCount!: HTMLElement;
  private exportFormat!: Dropdown<ExportFormat>;
  private tableButton!: HTMLElement;
  private modelInfo!: HTMLElement;

  readonly handlers: MessageHandlers<Exclude<ToWebview, SaveResultMessage>> = {
    init: (m) => {
      this.strings = m.strings;
      this.language = m.language;
      this.notes = m.notes;
      document.documentElement.lang = m.language;
      this.buildDom();
      const queued = this.pending;
      this.pending = [];
      for (const q of queued) this.receive(q);
    },
    analysis: (m) => {
      if (!this.strings) return void this.pending.push(m);
      this.loaded = { uri: m.uri, fileName: m.fileName, version: m.version, analysis: m.analysis };
      this.showAnalysis();
    },
    analysisFailed: (m) => {
      if (!this.strings) return void this.pending.push(m);
      this.loaded = null;
      this.view = null;
      this.layout = null;
      this.graph.render({ nodes: [], edges: [], groups: [], viewOf: new Map() }, { nodes: new Map(), edges: [], groups: [], width: 0, height: 0 });
      this.showPlaceholder(fill(this.strings.analysisFailed, m.fileName, m.message));
      this.root.dataset.state = 'failed';
    },
    cursor: (m) => {
      if (!this.loaded || m.uri !== this.loaded.uri || !this.view) return;
      this.selectFromLine(m.line);
    },
  };

  private readonly host = new Endpoint<FromWebview, ToWebview, 'saveResult'>(
    (m) => this.api.postMessage(m), this.handlers, ['saveResult'], { onError: (e) => this.report('message', e) });

  constructor(private readonly root: HTMLElement, private readonly api: VsCodeApi, private readonly report: ErrorReporter) {
    const s = api.getState() as GraphViewState | undefined;
    this.saved = s && typeof s.uri === 'string' ? s : null;
  }

  /** Entry point for every message from the host. */
  receive(message: unknown): void {
    this.host.receive(message);
  }

  start(): void {
    this.api.postMessage({ type: 'ready' });
  }

  // ---------------------------------------------------------------- DOM

  private buildDom(): void {
    const s = this.strings!;
    if (this.graph) {
      this.graph.setStrings(s, this.language);
      this.table.setStrings(s);
      return;
    }
    // without an analysis soon (a slow host), the toolbar is not left plain
    setTimeout(() => this.loadToolkit(), 1000);
    this.root.replaceChildren();
    const toolbar = el('div', 'toolbar');
    toolbar.setAttribute('role', 'toolbar');
    this.searchField = textField({
      placeholder: s.searchPlaceholder, title: s.searchTitle, id: 'search',
      onInput: (v) => this.search(v),
      onKeyDown: (e) => this.onSearchKey(e),
    });
    this.searchCount = el('span', 'search-count');
    this.searchCount.setAttribute('aria-live', 'polite');
    this.exportFormat = dropdown<ExportFormat>({
      title: s.exportFormat, id: 'export-format', value: 'svg',
      options: [{ value: 'svg', label: s.exportSvg }, { value: 'png', label: s.exportPng }],
      onChange: () => undefined,
    });
    this.tableButton = button({ label: s.tableToggle, title: s.tableToggleTitle, id: 'toggle-table', onClick: () => this.toggleTable() });
    // A narrow panel (beside the editor on a laptop) is the graph's: the table starts folded there.
    this.tableVisible = window.innerWidth >= 900;
    setPressed(this.tableButton, this.tableVisible);
    this.modelInfo = el('span', 'model-info');
    toolbar.append(
      button({ label: s.fit, title: s.fitTitle, id: 'fit', onClick: () => this.graph.fit() }),
      button({ label: '−', title: s.zoomOut, id: 'zoom-out', appearance: 'secondary', onClick: () => this.graph.zoomBy(1 / 1.25) }),
      button({ label: '+', title: s.zoomIn, id: 'zoom-in', appearance: 'secondary', onClick: () => this.graph.zoomBy(1.25) }),
      divider(),
      button({ label: s.collapseAll, title: s.collapseAll, id: 'collapse-all', onClick: () => this.setCollapsed(this.allGroupKeys()) }),
      button({ label: s.expandAll, title: s.expandAll, id: 'expand-all', onClick: () => this.setCollapsed([]) }),
      divider(),
      this.searchField.element, this.searchCount,
      divider(),
      this.exportFormat.element,
      button({ label: s.exportButton, title: s.exportTitle, id: 'export', onClick: () => void this.exportImage(this.exportFormat.value) }),
      divider(),
      this.tableButton,
      button({ label: s.train, title: s.trainTitle, id: 'train', onClick: () => this.api.postMessage({ type: 'train' }) }),
      this.modelInfo,
    );
    this.banner = el('div', 'banner');
    this.banner.hidden = true;
    this.banner.setAttribute('role', 'alert');
    this.banner.addEventListener('click', () => {
      const errorNode = this.view?.nodes.find((n) => n.error);
      if (errorNode) this.activate(errorNode.id);
      else if (this.bannerRange) this.api.postMessage({ type: 'reveal', nodeId: null, range: this.bannerRange });
    });
    const main = el('div', 'main');
    this.graphElement = el('div', 'graph');
    this.graphElement.id = 'graph';
    this.graphElement.tabIndex = 0;
    this.graphElement.setAttribute('role', 'application');
    this.graphElement.addEventListener('keydown', (e) => this.onGraphKey(e));
    this.placeholder = el('div', 'placeholder');
    this.placeholder.hidden = true;
    this.graphElement.append(this.placeholder);
    this.sideElement = el('aside', 'side');
    this.sideElement.id = 'side';
    this.sideElement.hidden = !this.tableVisible;
    main.append(this.graphElement, this.sideElement);
    this.popover = el('div', 'popover');
    this.popover.hidden = true;
    this.popover.setAttribute('role', 'dialog');
    this.status = el('div', 'status');
    this.status.setAttribute('role', 'status');
    this.root.append(toolbar, this.banner, main, this.popover, this.status);
    this.graph = new GraphView(this.graphElement, {
      nodeClick: (id) => this.activate(id),
      groupToggle: (key) => this.toggleGroup(key),
      badgeClick: (nodeId, noteId, at) => this.showNote(nodeId, noteId, at),
      zoomed: () => this.saveStateSoon(),
    }, s);
    this.graph.setStrings(s, this.language);
    this.table = new LayerTable(this.sideElement, s, (id) => this.selectFromTable(id));
    // Capture phase: Escape closes an open note before the graph's own Escape (clear search/selection) runs.
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.popover.hidden) {
        this.hideNote();
        e.stopPropagation();
        e.preventDefault();
      }
    }, true);
    document.addEventListener('mousedown', (e) => {
      if (!this.popover.hidden && !this.popover.contains(e.target as Node)) this.hideNote();
    });
    this.root.dataset.state = 'ready';
  }

  // ---------------------------------------------------------------- analysis and rendering

  private showAnalysis(): void {
    const loaded = this.loaded!;
    const s = this.strings!;
    const newFile = loaded.uri !== this.renderedUri;
    const previous = this.selectedId ? this.view?.nodes.find((n) => n.id === this.selectedId) : undefined;
    const a = loaded.analysis;
    const saved = newFile && this.saved && this.saved.uri === loaded.uri ? this.saved : null;
    if (newFile) {
      // A big model opens at the depth that fits the panel (blocks as nodes); a restored panel as it was left.
      this.collapsed = Array.isArray(saved?.collapsed) ? new Set(saved.collapsed) : this.overview(a);
      this.selectedId = null;
    }
    this.graphElement.setAttribute('aria-label', fill(s.graphLabel, loaded.fileName));
    this.modelInfo.textContent = `${a.entry ?? loaded.fileName} · ${a.input.join('×')}`;
    this.modelInfo.title = loaded.fileName;
    if (!this.renderGraph()) return;

    if (!this.view!.nodes.some((n) => n.kind === 'layer' || n.kind === 'group')) {
      const reasons = a.diagnostics.filter((d) => d.severity === 'error').map((d) => fill(s.errorAtLine, d.range.line, d.message));
      this.showPlaceholder([fill(s.noModel, loaded.fileName), ...reasons].join('\n'));
    } else {
      this.placeholder.hidden = true;
    }
    this.showBanner(a);

    if (newFile) {
      this.saved = null;
      if (saved?.zoom) this.graph.setTransform(saved.zoom);
      else this.graph.initialView();
      if (saved?.selected && this.view!.nodes.some((n) => n.id === saved.selected)) this.select(saved.selected, false);
      this.renderedUri = loaded.uri;
    } else if (previous) {
      // Ids are per analysis: find the same layer again by module path, else by position.
      const again = this.view!.nodes.find((n) => n.path && n.path === previous.path && n.title.split(' ')[0] === previous.title.split(' ')[0])
        ?? this.view!.nodes.find((n) => n.id === previous.id);
      this.select(again?.id ?? null, false);
    }
    if (this.query) this.search(this.query, false);
    this.scheduleTable();
    this.saveStateSoon();
  }

  /** The groups a model opens with folded; none when its IR cannot even be viewed (renderGraph then says why). */
  private overview(a: Analysis): Set<string> {
    try {
      return overviewCollapsed(a, this.notes, this.graph.size().width);
    } catch {
      return new Set();
    }
  }

  /** Builds the view, lays it out and draws it; on failure shows why instead of a blank panel. */
  private renderGraph(): boolean {
    const started = performance.now();
    try {
      this.view = buildView(this.loaded!.analysis, this.collapsed, this.notes);
      const t1 = performance.now();
      this.layout = layoutGraph(this.view);
      const t2 = performance.now();
      this.graph.render(this.view, this.layout);
      this.root.dataset.timing = `view ${(t1 - started).toFixed(0)} layout ${(t2 - t1).toFixed(0)} render ${(performance.now() - t2).toFixed(0)}`;
      this.graph.select(this.selectedId && this.view.nodes.some((n) => n.id === this.selectedId) ? this.selectedId : null);
      this.root.dataset.state = 'rendered';
      this.root.dataset.renderMs = (performance.now() - started).toFixed(1);
      this.loadToolkit();
      return true;
    } catch (e) {
      this.root.dataset.state = 'render-error';
      this.showPlaceholder(fill(this.strings!.renderFailed, e instanceof Error ? e.message : String(e)));
      this.report('render', e);
      return false;
    }
  }

  /** The toolbar's and table's components: half the page's script, loaded once the graph is painted. */
  private loadToolkit(): void {
    requestAnimationFrame(() => setTimeout(() => registerToolkit().catch((e) => this.report('render', e))));
  }

  private showPlaceholder(text: string): void {
    this.placeholder.textContent = text;
    this.placeholder.hidden = false;
  }

  private showBanner(a: Analysis): void {
    const s = this.strings!;
    // The shape error PyTorch would raise; else the first other error (syntax, unsupported construct).
    const diagnostic = a.diagnostics.find((d) => d.severity === 'error');
    this.bannerRange = a.error ? null : diagnostic?.range ?? null;
    if (a.error) {
      this.banner.textContent = fill(s.errorAtLine, a.error.line, a.error.message);
      this.banner.hidden = false;
    } else if (diagnostic) {
      this.banner.textContent = fill(s.errorAtLine, diagnostic.range.line, diagnostic.message);
      this.banner.hidden = false;
    } else {
      this.banner.hidden = true;
      this.banner.textContent = '';
    }
  }

  private scheduleTable(): void {
    clearTimeout(this.tableTimer);
    if (!this.tableVisible || !this.loaded) return;
    // After the graph has painted (two frames, then a task): the table is secondary and slower on big models.
    const token = (this.tableToken = {});
    const draw = () => {
      if (this.tableToken !== token || !this.loaded) return;
      try {
        this.table.update(this.loaded.analysis);
        this.table.select(this.tableRowFor(this.selectedId));
        this.sideElement.dataset.rows = String(this.loaded.analysis.layers.length);
      } catch (e) {
        this.report('render', e);
      }
    };
    requestAnimationFrame(() => requestAnimationFrame(() => { this.tableTimer = setTimeout(draw, 0); }));
  }

  private toggleTable(): void {
    this.tableVisible = !this.tableVisible;
    setPressed(this.tableButton, this.tableVisible);
    this.sideElement.hidden = !this.tableVisible;
    if (this.tableVisible) this.scheduleTable();
  }

  // ---------------------------------------------------------------- groups

  private allGroupKeys(): string[] {
    return this.view?.groups.map((g) => g.key) ?? [];
  }

  private setCollapsed(keys: string[]): void {
    this.collapsed = new Set(keys);
    this.rerender();
  }

  private toggleGroup(key: string): void {
    const at = this.graph.groupAnchor(key);
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.rerender();
    if (at) this.graph.keepGroupAt(key, at);
    const groupNode = `group:${key}`;
    if (this.view?.nodes.some((n) => n.id === groupNode)) this.select(groupNode, false);
  }

  /** Redraws the same analysis (groups changed), keeping zoom, pan and the selection where it still exists. */
  private rerender(): void {
    if (!this.loaded) return;
    const irSelected = this.selectedId;
    if (!this.renderGraph()) return;
    if (irSelected && !this.view!.nodes.some((n) => n.id === irSelected)) {
      this.select(this.view!.viewOf.get(irSelected) ?? null, false);
    }
    if (this.query) this.search(this.query, false);
  }

  /** Expands every group hiding the IR node; returns its view id. */
  private expandTo(irId: string): string | null {
    const node = this.loaded?.analysis.graph.nodes.find((n) => n.id === irId);
    if (!node) return null;
    const hidden = node.groups.map((_, d) => groupKey(node.groups, d)).filter((k) => this.collapsed.has(k));
    if (hidden.length) {
      for (const k of hidden) this.collapsed.delete(k);
      this.rerender();
    }
    return irId;
  }

  // ---------------------------------------------------------------- selection and editor link

  private select(id: string | null, pan: boolean): void {
    this.selectedId = id;
    this.graph.select(id);
    if (this.tableVisible) this.table.select(this.tableRowFor(id));
    if (id && pan) this.graph.reveal(id);
    this.saveStateSoon();
  }

  private tableRowFor(id: string | null): string | null {
    return id && !id.startsWith('group:') ? id : null;
  }

  /** Click or Enter: select, and show its code in the editor. */
  private activate(id: string): void {
    const node = this.view?.nodes.find((n) => n.id === id);
    if (!node) return;
    if (node.kind === 'group') return this.toggleGroup(node.groupKey!);
    this.select(id, true);
    const range = sourceRange(node.ir);
    if (range) this.api.postMessage({ type: 'reveal', nodeId: id, range });
  }

  private selectFromTable(irId: string): void {
    const id = this.expandTo(irId);
    if (id) this.activate(id);
  }

  /** The editor cursor is on `line`: highlight the layer defined or called there. */
  private selectFromLine(line: number): void {
    const hits: string[] = [];
    for (const n of this.loaded!.analysis.graph.nodes) {
      if (n.kind === 'input' || n.kind === 'output') continue;
      if (contains(n.defRange, line) || contains(n.callRange, line)) {
        const v = this.view!.viewOf.get(n.id);
        if (v && !hits.includes(v)) hits.push(v);
      }
    }
    if (this.selectedId && hits.includes(this.selectedId)) return this.graph.reveal(this.selectedId);
    this.select(hits[0] ?? null, true);
  }

  // ---------------------------------------------------------------- keyboard

  private onGraphKey(e: KeyboardEvent): void {
    if (!this.view || !this.layout) return;
    const nodes = this.view.nodes;
    const index = nodes.findIndex((n) => n.id === this.selectedId);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        this.select(nodes[index < 0 ? 0 : Math.min(nodes.length - 1, index + 1)]?.id ?? null, true);
        break;
      case 'ArrowUp':
        this.select(nodes[index < 0 ? nodes.length - 1 : Math.max(0, index - 1)]?.id ?? null, true);
        break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        const next = index < 0 ? nodes[0] : this.sideways(nodes[index], e.key === 'ArrowLeft' ? -1 : 1);
        if (next) this.select(next.id, true);
        break;
      }
      case 'Home':
        this.select(nodes[0]?.id ?? null, true);
        break;
      case 'End':
        this.select(nodes[nodes.length - 1]?.id ?? null, true);
        break;
      case 'Enter':
        if (index >= 0) this.activate(nodes[index].id);
        break;
      case ' ': {
        // Space folds the selected layer's innermost group, or unfolds a folded one.
        const n = nodes[index];
        if (n?.kind === 'group') this.toggleGroup(n.groupKey!);
        else if (n?.ir?.groups.length) this.toggleGroup(groupKey(n.ir.groups, n.ir.groups.length - 1));
        break;
      }
      case 'PageDown':
      case 'PageUp':
        this.graph.scrollPage(e.key === 'PageDown' ? 1 : -1);
        break;
      case '+':
      case '=':
        this.graph.zoomBy(1.25);
        break;
      case '-':
        this.graph.zoomBy(1 / 1.25);
        break;
      case 'f':
      case '0':
        this.graph.fit();
        break;
      case '/':
        this.searchField.focus();
        break;
      case 'Escape':
        if (this.query) this.clearSearch();
        else this.select(null, false);
        break;
      default:
        handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /** The nearest node to the left/right whose card overlaps this one vertically. */
  private sideways(from: ViewNode, dir: -1 | 1): ViewNode | undefined {
    const a = this.layout!.nodes.get(from.id)!;
    let best: ViewNode | undefined, bestDx = Infinity;
    for (const n of this.view!.nodes) {
      const b = this.layout!.nodes.get(n.id)!;
      if (n.id === from.id || b.y > a.y + a.height || b.y + b.height < a.y) continue;
      const dx = (b.x + b.width / 2 - (a.x + a.width / 2)) * dir;
      if (dx > 0 && dx < bestDx) { best = n; bestDx = dx; }
    }
    return best;
  }

  // ---------------------------------------------------------------- search

  private search(query: string, jump = true): void {
    this.query = query.trim().toLowerCase();
    if (!this.view) return;
    if (!this.query) return this.clearSearch(false);
    const words = this.query.split(/\s+/);
    this.matches = this.view.nodes.filter((n) => words.every((w) => n.searchText.includes(w))).map((n) => n.id);
    this.graph.highlight(new Set(this.matches));
    this.matchIndex = this.matches.length ? 0 : -1;
    if (jump && this.matches.length) this.select(this.matches[0], true);
    this.updateSearchCount();
  }

  private onSearchKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && this.matches.length) {
      e.preventDefault();
      this.matchIndex = (this.matchIndex + (e.shiftKey ? this.matches.length - 1 : 1)) % this.matches.length;
      this.select(this.matches[this.matchIndex], true);
      this.updateSearchCount();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.clearSearch();
      this.graphElement.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.graphElement.focus();
    }
  }

  private clearSearch(clearField = true): void {
    this.query = '';
    this.matches = [];
    this.matchIndex = -1;
    if (clearField) this.searchField.value = '';
    this.graph.highlight(null);
    this.updateSearchCount();
  }

  private updateSearchCount(): void {
    const s = this.strings!;
    this.searchCount.textContent = !this.query ? '' : this.matches.length ? fill(s.searchCount, this.matchIndex + 1, this.matches.length) : s.searchNone;
  }

  // ---------------------------------------------------------------- notes

  private showNote(nodeId: string, noteId: string, at: { x: number; y: number }): void {
    const note = this.notes.find((n) => n.id === noteId);
    if (!note) return;
    const lang = this.language;
    const title = el('h3', 'popover-title');
    title.textContent = note.title[lang] || note.title.en;
    const text = el('p', 'popover-text');
    text.textContent = note.text[lang] || note.text.en;
    const close = button({ label: '×', title: this.strings!.close, appearance: 'icon', onClick: () => this.hideNote() });
    close.classList.add('popover-close');
    this.popover.replaceChildren(close, title, text);
    if (note.source) {
      const src = el('p', 'popover-source');
      src.textContent = fill(this.strings!.noteSource, note.source);
      this.popover.append(src);
    }
    this.popover.dataset.note = noteId;
    this.popover.dataset.node = nodeId;
    this.popover.hidden = false;
    const w = this.popover.offsetWidth, h = this.popover.offsetHeight;
    this.popover.style.left = `${Math.max(4, Math.min(at.x, window.innerWidth - w - 4))}px`;
    this.popover.style.top = `${Math.max(4, Math.min(at.y + 4, window.innerHeight - h - 4))}px`;
  }

  private hideNote(): void {
    this.popover.hidden = true;
  }

  // ---------------------------------------------------------------- export

  private async exportImage(format: ExportFormat): Promise<void> {
    if (!this.layout || !this.loaded) return;
    const s = this.strings!;
    this.setStatus(s.exporting);
    // Exported without the search dimming and the selection outline.
    const selected = this.selectedId;
    this.graph.highlight(null);
    this.graph.select(null);
    let svg: string;
    try {
      svg = svgMarkup(this.graph.svg, this.layout.width, this.layout.height);
    } finally {
      this.graph.select(selected);
      if (this.query) this.graph.highlight(new Set(this.matches));
    }
    const base = this.loaded.fileName.replace(/\.[^.]+$/, '') || 'model';
    let request: RequestOf<FromWebview>;
    try {
      request = format === 'svg'
        ? { type: 'saveExport', format, data: svg, encoding: 'utf8', suggestedName: `${base}.svg` }
        : { type: 'saveExport', format, data: await pngBase64(svg, this.layout.width, this.layout.height), encoding: 'base64', suggestedName: `${base}.png` };
    } catch (e) {
      this.setStatus(fill(s.exportFailed, e instanceof Error ? e.message : String(e)));
      this.report('render', e);
      return;
    }
    const m = await this.host.request(request, 'saveResult');
    this.setStatus(m.outcome === 'saved' ? fill(s.saved, m.path ?? format.toUpperCase()) : m.outcome === 'cancelled' ? s.exportCancelled : fill(s.exportFailed, m.message ?? ''));
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
    this.status.classList.add('visible');
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => this.status.classList.remove('visible'), 5000);
  }

  // ---------------------------------------------------------------- state

  private saveStateSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveState(), 200);
  }

  private saveState(): void {
    if (!this.loaded) return;
    const zoom: ZoomState = this.graph.transform();
    const state: GraphViewState = {
      uri: this.loaded.uri, selected: this.selectedId, zoom: { k: round(zoom.k, 4), x: round(zoom.x, 1), y: round(zoom.y, 1) }, collapsed: [...this.collapsed],
    };
    this.api.setState(state);
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function contains(r: SourceRange | undefined, line: number): boolean {
  return !!r && !r.file && line >= r.line && line <= r.endLine;
}

/** Where a click takes the editor: a module's definition (its arguments), else the call. */
export function sourceRange(n: GraphNode | undefined): SourceRange | undefined {
  if (!n) return undefined;
  return n.kind === 'module' ? n.defRange ?? n.callRange : n.callRange ?? n.defRange;
}
