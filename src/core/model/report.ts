// Views of an Analysis shared by the CLI and the editor: the inspect JSON and the torchinfo-like table.
import type { Analysis, LayerRow, Shape } from './ir';

/** A row of the inspect JSON: the analysis's layer row without its graph node id. */
export type InspectLayer = Omit<LayerRow, 'nodeId'>;

export interface InspectJson {
  entry: string | null;
  input: Shape;
  output?: Shape;
  totalParams: number;
  totalMacs: number;
  layers: InspectLayer[];
  /** kind 'model': PyTorch would raise this; 'unsupported': the analysis cannot follow a construct (named with its line). */
  error?: { message: string; line: number; kind?: 'model' | 'unsupported' };
  suggestedInput?: number[];
}

/** Why an analysis with a model has no output shape and no model error: the diagnostic that says so, or null. */
export function missingOutputReason(a: Analysis): { message: string; line: number } | null {
  if (a.output || a.error || !a.entry) return null;
  const rank = (d: Analysis['diagnostics'][number]) => (d.severity === 'error' ? 0 : d.severity === 'warning' ? 1 : 2) * 10 + (d.code === 'entry' || d.code === 'import' ? 0 : d.code === 'unknown-output' ? 2 : 1);
  const best = [...a.diagnostics].sort((x, y) => rank(x) - rank(y))[0];
  return best ? { message: best.message, line: best.range.line } : { message: "The model's output shape is unknown.", line: 1 };
}

export function toInspectJson(a: Analysis): InspectJson {
  const out: InspectJson = {
    entry: a.entry,
    input: a.input,
    totalParams: a.totalParams,
    totalMacs: a.totalMacs,
    layers: a.layers.map((l) => ({ path: l.path, type: l.type, line: l.line, outputShape: l.outputShape, params: l.params, macs: l.macs })),
  };
  if (a.output) out.output = a.output;
  if (a.error) out.error = { ...a.error, kind: 'model' };
  const unsupported = missingOutputReason(a);
  if (unsupported) out.error = { ...unsupported, kind: 'unsupported' };
  if (a.fitsInput) out.suggestedInput = a.fitsInput;
  return out;
}

export function formatShape(s: Shape | null | undefined): string {
  return s ? `[${s.join(', ')}]` : '?';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 52.7M, 1.1G: MACs and bytes at a glance. */
export function formatCompact(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  let x = n;
  while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i++; }
  return i === 0 ? String(n) : `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)}${units[i]}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let x = n / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(2)} ${units[i]}`;
}

/** A row of the table: a layer call, or with a depth the block (module instance) holding several. */
type TableRow = InspectLayer;

/**
 * The layer rows with every module nested deeper than `depth` levels folded into its enclosing module's row, as
 * torchview's `depth`: 1 shows the model's own attributes (`features`, `layer1`, `a3`), 2 their children
 * (`layer1.0`, a BasicBlock)... A folded row has its last layer's output shape, its parameters (each module once)
 * and the sum of its MACs.
 */
export function foldedRows(a: Analysis, depth?: number): TableRow[] {
  const nodes = new Map(a.graph.nodes.map((n) => [n.id, n]));
  const rows: TableRow[] = [];
  let open = null as { key: string; row: TableRow; paths: Set<string>; count: number } | null;
  for (const l of a.layers) {
    const node = nodes.get(l.nodeId);
    const key = depth !== undefined && node && node.groups.length >= depth ? node.groups[depth - 1] : null;
    if (key === null) {
      open = null;
      rows.push({ path: l.path, type: node ? node.title : l.type, line: l.line, outputShape: l.outputShape, params: l.params, macs: l.macs });
      continue;
    }
    if (open?.key !== key) {
      open = { key, row: { path: key, type: '', line: l.line, outputShape: null, params: 0, macs: 0 }, paths: new Set(), count: 0 };
      rows.push(open.row);
    }
    open.count += 1;
    open.row.type = `(${open.count} layers)`;
    open.row.outputShape = l.outputShape;
    open.row.macs += l.macs;
    // a module called twice (one ReLU after every conv) has its parameters once
    if (!l.path || !open.paths.has(l.path)) open.row.params += l.params;
    if (l.path) open.paths.add(l.path);
  }
  return rows;
}

/** A torchinfo-like table; with `depth`, modules nested deeper are folded into their blocks' rows (see foldedRows). */
export function formatInspectTable(a: Analysis, file: string, depth?: number): string {
  const rows: string[][] = [['Layer (path)', 'Type', 'Line', 'Output shape', 'Params', 'MACs']];
  for (const l of foldedRows(a, depth)) {
    rows.push([
      l.path ?? '(function)',
      l.type,
      String(l.line),
      formatShape(l.outputShape),
      l.params ? formatCount(l.params) : '--',
      l.macs ? formatCount(l.macs) : '--',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = '='.repeat(widths.reduce((x, y) => x + y + 2, -2));
  const paramBytes = a.totalParams * 4;
  const act = a.graph.nodes.reduce((s, n) => s + (n.kind !== 'input' && n.kind !== 'output' ? n.cost?.activationBytes ?? 0 : 0), 0);
  const out = [
    `${file}: ${a.entry}  input ${formatShape(a.input)}${a.inputSource === 'comment' ? ' (from # input comment)' : a.inputSource === 'option' ? ' (--input)' : ' (default: the first layer\'s channels at 224x224)'}`,
    rule, line(rows[0]), rule.replace(/=/g, '-'), ...rows.slice(1).map(line), rule,
    `Total params: ${formatCount(a.totalParams)}`,
    `Total MACs: ${formatCount(a.totalMacs)} (${formatCompact(a.totalMacs)})`,
    `Output: ${a.output ? formatShape(a.output) : a.error ? 'none (the model is wrong)' : 'unknown (see the warnings below)'}`,
    `Params size (fp32): ${formatBytes(paramBytes)}   Activations (batch ${a.input[0]}): ${formatBytes(act)}`,
  ];
  for (const d of a.diagnostics) out.push(`${d.severity}: line ${d.range.line}: ${d.message}`);
  return out.join('\n') + '\n';
}
