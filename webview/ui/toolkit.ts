// Every use of @vscode/webview-ui-toolkit (frozen upstream) lives here and in toolkitRegister.ts, behind plain
// functions that return DOM elements, so the toolkit can be swapped for another component set in these files.
import { loadScript } from './lazy';

/**
 * Loads the toolkit's custom elements (dist/webview/toolkit.js) once; the elements below are plain until then and
 * upgrade in place (they only use attributes, text and events before that).
 */
export function registerToolkit(): Promise<void> {
  return loadScript('toolkit');
}

export interface ButtonOptions {
  label: string;
  title?: string;
  appearance?: 'primary' | 'secondary' | 'icon';
  /** Extra class names / test hooks. */
  id?: string;
  onClick: () => void;
}

export function button(o: ButtonOptions): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = o.label;
  b.setAttribute('appearance', o.appearance ?? 'secondary');
  if (o.title) { b.title = o.title; b.setAttribute('aria-label', o.title); }
  if (o.id) b.id = o.id;
  b.addEventListener('click', () => o.onClick());
  return b;
}

/** A toggle button: `pressed` is shown with the primary appearance. */
export function setPressed(b: HTMLElement, pressed: boolean): void {
  b.setAttribute('appearance', pressed ? 'primary' : 'secondary');
  b.setAttribute('aria-pressed', String(pressed));
}

export interface DropdownOptions<T extends string> {
  title: string;
  id?: string;
  options: Array<{ value: T; label: string }>;
  value: T;
  onChange: (value: T) => void;
}

export interface Dropdown<T extends string> {
  element: HTMLElement;
  get value(): T;
}

export function dropdown<T extends string>(o: DropdownOptions<T>): Dropdown<T> {
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  d.title = o.title;
  d.setAttribute('aria-label', o.title);
  if (o.id) d.id = o.id;
  for (const opt of o.options) {
    const el = document.createElement('vscode-option') as HTMLElement & { value: string };
    el.setAttribute('value', opt.value);
    el.textContent = opt.label;
    if (opt.value === o.value) el.setAttribute('selected', '');
    d.appendChild(el);
  }
  d.addEventListener('change', () => o.onChange((d.value || o.value) as T));
  return { element: d, get value() { return (d.value || o.value) as T; } };
}

export interface TextFieldOptions {
  placeholder: string;
  title: string;
  id?: string;
  onInput: (value: string) => void;
  onKeyDown?: (e: KeyboardEvent) => void;
}

export interface TextField {
  element: HTMLElement;
  value: string;
  focus(): void;
}

export function textField(o: TextFieldOptions): TextField {
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  f.setAttribute('placeholder', o.placeholder);
  f.title = o.title;
  f.setAttribute('aria-label', o.title);
  if (o.id) f.id = o.id;
  f.addEventListener('input', () => o.onInput(f.value ?? ''));
  if (o.onKeyDown) f.addEventListener('keydown', o.onKeyDown as EventListener);
  return {
    element: f,
    get value() { return f.value ?? ''; },
    set value(v: string) { f.value = v; },
    focus() { f.focus(); },
  };
}

export function divider(): HTMLElement {
  const d = document.createElement('vscode-divider');
  d.setAttribute('role', 'separator');
  d.setAttribute('orientation', 'vertical');
  return d;
}

export interface GridColumn {
  key: string;
  title: string;
  /** CSS grid track, e.g. "3em" or "1fr". */
  width: string;
  numeric?: boolean;
}

export interface GridRow {
  id: string;
  cells: Record<string, string>;
  className?: string;
  title?: string;
}

export interface DataGridOptions {
  label: string;
  columns: GridColumn[];
  rows: GridRow[];
  sort: { key: string; descending: boolean } | null;
  onSort: (key: string) => void;
  onRowClick: (rowId: string) => void;
}

/** A table with clickable (sortable) column headers; rows carry `data-row-id`. */
export function dataGrid(o: DataGridOptions): HTMLElement {
  const grid = document.createElement('vscode-data-grid');
  grid.setAttribute('generate-header', 'none');
  grid.setAttribute('aria-label', o.label);
  grid.setAttribute('grid-template-columns', o.columns.map((c) => c.width).join(' '));
  const header = document.createElement('vscode-data-grid-row');
  header.setAttribute('row-type', 'sticky-header');
  o.columns.forEach((c, i) => {
    const cell = document.createElement('vscode-data-grid-cell');
    cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(i + 1));
    cell.dataset.sortKey = c.key;
    const arrow = o.sort?.key === c.key ? (o.sort.descending ? ' ▼' : ' ▲') : '';
    cell.textContent = c.title + arrow;
    if (o.sort?.key === c.key) cell.setAttribute('aria-sort', o.sort.descending ? 'descending' : 'ascending');
    if (c.numeric) cell.classList.add('numeric');
    cell.addEventListener('click', () => o.onSort(c.key));
    cell.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); o.onSort(c.key); } });
    header.appendChild(cell);
  });
  grid.appendChild(header);
  const fragment = document.createDocumentFragment();
  for (const r of o.rows) {
    const row = document.createElement('vscode-data-grid-row');
    row.dataset.rowId = r.id;
    if (r.className) row.className = r.className;
    if (r.title) row.title = r.title;
    o.columns.forEach((c, i) => {
      const cell = document.createElement('vscode-data-grid-cell');
      cell.setAttribute('grid-column', String(i + 1));
      if (c.numeric) cell.classList.add('numeric');
      cell.textContent = r.cells[c.key] ?? '';
      row.appendChild(cell);
    });
    row.addEventListener('click', () => o.onRowClick(r.id));
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter') o.onRowClick(r.id); });
    fragment.appendChild(row);
  }
  grid.appendChild(fragment);
  return grid;
}
