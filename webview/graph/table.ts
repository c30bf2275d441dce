// The torchinfo-like side table: one row per layer call, sortable, plus model totals.
import type { Analysis, GraphNode } from '../../src/core/model/ir';
import type { UiStrings } from '../../src/shared/protocol';
import { dataGrid, type GridColumn, type GridRow } from '../ui/toolkit';
import { displayOp } from '../../src/core/ops/spelling';
import { fill, formatCount, formatInt, formatMB } from '../ui/format';
import { formatShape } from './format';

export type SortKey = 'index' | 'layer' | 'type' | 'shape' | 'params' | 'macs' | 'memory';

export interface TableRowData {
  index: number;
  nodeId: string;
  layer: string;
  type: string;
  shape: string;
  elements: number;
  params: number;
  macs: number;
  memory: number;
  error?: string;
}

export interface Totals {
  params: number;
  macs: number;
  weightsFp32: number;
  weightsFp16: number;
  activations: number;
}

export function tableRows(analysis: Analysis): TableRowData[] {
  const byId = new Map(analysis.graph.nodes.map((n) => [n.id, n]));
  const batch = analysis.input[0] || 1;
  // Layer rows come from the analysis; without them (older IR), every call node.
  const ids = analysis.layers.length
    ? analysis.layers.map((l) => l.nodeId)
    : analysis.graph.nodes.filter((n) => n.kind !== 'input' && n.kind !== 'output').map((n) => n.id);
  return ids.map((id, index) => {
    const n = byId.get(id) as GraphNode | undefined;
    const shape = n?.cost?.outputShape ?? null;
    return {
      index: index + 1, nodeId: id, layer: n?.path ?? (n ? displayOp(n.op) : id), type: n ? n.title : '',
      shape: formatShape(shape), elements: shape ? shape.reduce((a, b) => a * b, 1) : -1,
      params: n?.cost?.params ?? 0, macs: n?.cost?.macs ?? 0, memory: (n?.cost?.activationBytes ?? 0) / batch,
      error: n?.error,
    };
  });
}

export function totals(analysis: Analysis, rows: TableRowData[]): Totals {
  return {
    params: analysis.totalParams,
    macs: analysis.totalMacs,
    weightsFp32: analysis.totalParams * 4,
    weightsFp16: analysis.totalParams * 2,
    activations: rows.reduce((a, r) => a + r.memory, 0),
  };
}

export function sortRows(rows: TableRowData[], key: SortKey, descending: boolean): TableRowData[] {
  const value = (r: TableRowData): number | string => (key === 'shape' ? r.elements : r[key]);
  const sorted = [...rows].sort((a, b) => {
    const va = value(a), vb = value(b);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
    return c || a.index - b.index;
  });
  return descending ? sorted.reverse() : sorted;
}

export class LayerTable {
  private sort: { key: SortKey; descending: boolean } = { key: 'index', descending: false };
  private rows: TableRowData[] = [];
  private analysis: Analysis | null = null;
  private selected: string | null = null;

  constructor(private readonly element: HTMLElement, private strings: UiStrings, private readonly onSelect: (nodeId: string) => void) {}

  setStrings(strings: UiStrings): void {
    this.strings = strings;
  }

  update(analysis: Analysis): void {
    this.analysis = analysis;
    this.rows = tableRows(analysis);
    this.draw();
  }

  setSort(key: SortKey): void {
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: key !== 'index' && key !== 'layer' && key !== 'type' };
    this.draw();
  }

  select(nodeId: string | null): void {
    this.selected = nodeId;
    for (const row of this.element.querySelectorAll<HTMLElement>('[data-row-id]')) {
      const on = row.dataset.rowId === nodeId;
      row.classList.toggle('selected', on);
      if (on) row.scrollIntoView({ block: 'nearest' });
    }
  }

  private draw(): void {
    const s = this.strings;
    const a = this.analysis;
    this.element.replaceChildren();
    if (!a) return;
    const t = totals(a, this.rows);
    const summary = document.createElement('dl');
    summary.className = 'totals';
    const add = (label: string, value: string, title?: string) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      if (title) dd.title = title;
      summary.append(dt, dd);
    };
    const source = a.inputSource === 'comment' ? s.inputFromComment : a.inputSource === 'option' ? s.inputFromOption : s.inputFromDefault;
    if (a.entry) add(s.model, a.entry);
    add(s.inputShape, `${formatShape(a.input)} (${source})`);
    add(s.totalParams, `${formatInt(t.params)} (${formatCount(t.params)})`);
    add(s.totalMacs, `${formatInt(t.macs)} (${formatCount(t.macs)})`);
    add(s.weightsFp32, formatMB(t.weightsFp32));
    add(s.weightsFp16, formatMB(t.weightsFp16));
    add(s.activationMemory, formatMB(t.activations));
    const heading = document.createElement('h2');
    heading.textContent = s.totals;
    const columns: GridColumn[] = [
      { key: 'index', title: s.colIndex, width: '2.4em', numeric: true },
      { key: 'layer', title: s.colLayer, width: '1.3fr' },
      { key: 'type', title: s.colType, width: '1.5fr' },
      { key: 'shape', title: s.colShape, width: '1.4fr' },
      { key: 'params', title: s.colParams, width: '1fr', numeric: true },
      { key: 'macs', title: s.colMacs, width: '0.75fr', numeric: true },
      { key: 'memory', title: s.colMemory, width: '0.9fr', numeric: true },
    ];
    const rows: GridRow[] = sortRows(this.rows, this.sort.key, this.sort.descending).map((r) => ({
      id: r.nodeId,
      className: `${r.error ? 'error' : ''}${r.nodeId === this.selected ? ' selected' : ''}`.trim(),
      title: r.error,
      cells: {
        index: String(r.index), layer: r.layer, type: r.type, shape: r.shape,
        params: formatInt(r.params), macs: formatCount(r.macs), memory: formatMB(r.memory),
      },
    }));
    const grid = dataGrid({
      label: fill('{0}: {1}', s.totals, a.entry ?? ''),
      columns, rows, sort: this.sort,
      onSort: (key) => this.setSort(key as SortKey),
      onRowClick: (id) => this.onSelect(id),
    });
    grid.classList.add('layer-table');
    this.element.append(heading, summary, grid);
  }
}
