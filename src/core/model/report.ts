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
  const suggestion = a.diagnostics.find((d) => d.code === 'input-size');
  const m = suggestion && /# input\[(\d+), (\d+), (\d+)\]/.exec(suggestion.message);
  if (m) out.suggestedInput = [Number(m[1]), Number(m[2]), Number(m[3])];
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

/** A torchinfo-like table. */
export function formatInspectTable(a: Analysis, file: string): string {
  const rows: string[][] = [['Layer (path)', 'Type', 'Line', 'Output shape', 'Params', 'MACs']];
  for (const l of a.layers) {
    const node = a.graph.nodes.find((n) => n.id === l.nodeId);
    rows.push([
      l.path ?? '(function)',
      node ? node.title : l.type,
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
