// Number, shape and layer-label formatting for the graph and the table.
import type { ArgValue, GraphNode, Shape } from '../../src/core/model/ir';

/** "{0} of {1}" with its arguments. */
export function fill(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
}

export function formatShape(shape: Shape | null | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}

/** 17472 -> "17.5K", 52707600 -> "52.7M" (torchinfo style, powers of 1000). */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  for (const [div, unit] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (abs >= div) {
      const v = n / div;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${unit}`;
    }
  }
  return String(n);
}

/** Exact integer with thin grouping: 16630440 -> "16,630,440". */
export function formatInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes in MB (10^6, as torchinfo). */
export function formatMB(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb >= 100 ? mb.toFixed(1) : mb >= 1 ? mb.toFixed(2) : mb.toFixed(3)} MB`;
}

/** "11x11" for 11 or [11, 11]; "3x5" for [3, 5]. */
function kernel(v: ArgValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join('x');
  return `${v}x${v}`;
}

function allEqual(v: ArgValue | undefined, n: number): boolean {
  if (v === undefined || v === null) return true;
  return Array.isArray(v) ? v.every((x) => x === n) : v === n;
}

function scalarOrTuple(v: ArgValue | undefined): string {
  if (Array.isArray(v)) return v.every((x) => x === v[0]) ? String(v[0]) : v.map(String).join(',');
  return String(v);
}

/** "torch.nn.functional.relu" -> "relu", ".view" -> "view", "Conv2d" -> "Conv2d". */
export function bareOp(op: string): string {
  return op.slice(op.lastIndexOf('.') + 1);
}

/** How an op is named on a node: F.relu, torch.flatten, view. */
export function displayOp(op: string): string {
  if (op.startsWith('torch.nn.functional.')) return `F.${op.slice('torch.nn.functional.'.length)}`;
  if (op.startsWith('.')) return op.slice(1);
  return op;
}

/** The node's title: type plus its key arguments, e.g. "Conv2d 11x11 s4 p2", "Linear 4608→2048", "Dropout p=0.5". */
export function layerTitle(node: GraphNode): string {
  const a = node.args ?? {};
  const op = bareOp(node.op);
  const parts: string[] = [displayOp(node.op)];
  if (/^Conv(Transpose)?[123]d$/.test(op) || /^(Max|Avg)Pool[123]d$/.test(op) || /^(max|avg)_pool[123]d$/.test(op) || /^conv[123]d$/.test(op)) {
    const k = kernel(a.kernel_size);
    if (k) parts.push(k);
    const isPool = /pool/i.test(op);
    const stride = a.stride === null || a.stride === undefined ? (isPool ? a.kernel_size : 1) : a.stride;
    if (isPool || !allEqual(stride, 1)) parts.push(`s${scalarOrTuple(stride)}`);
    if (typeof a.padding === 'string') parts.push(`p=${a.padding}`);
    else if (!allEqual(a.padding, 0)) parts.push(`p${scalarOrTuple(a.padding)}`);
    if (!allEqual(a.dilation, 1)) parts.push(`d${scalarOrTuple(a.dilation)}`);
    if (typeof a.groups === 'number' && a.groups > 1) parts.push(`g${a.groups}`);
  } else if (op === 'Linear' && a.in_features !== undefined) {
    parts.push(`${a.in_features}→${a.out_features}`);
  } else if (/^(Dropout[123]?d?|dropout[123]?d?)$/.test(op) && a.p !== undefined) {
    parts.push(`p=${a.p}`);
  } else if (op === 'LocalResponseNorm' && a.size !== undefined) {
    parts.push(`n=${a.size}`);
  } else if (/^BatchNorm[123]d$/.test(op) && a.num_features !== undefined) {
    parts.push(String(a.num_features));
  } else if (/^Adaptive(Avg|Max)Pool[123]d$/.test(op) && a.output_size !== undefined) {
    parts.push(kernel(a.output_size) ?? '');
  } else if ((op === 'flatten' || op === 'Flatten') && a.start_dim !== undefined && a.start_dim !== 1) {
    parts.push(`start_dim=${a.start_dim}`);
  }
  return parts.filter(Boolean).join(' ');
}

/** Channels and spatial size of a tensor, for the size glyph: [N, C, H, W] -> C, H; [N, F] -> F, 1. */
export function tensorExtent(shape: Shape | null | undefined): { channels: number; spatial: number } | null {
  if (!shape || shape.length < 2) return null;
  const channels = shape[1];
  const spatial = shape.length >= 3 ? Math.max(...shape.slice(2)) : 1;
  return { channels, spatial };
}

/** Cuts a text to `max` characters with an ellipsis. */
export function ellipsize(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/** Splits a message into lines of at most `width` characters (at spaces when possible). */
export function wrapText(s: string, width: number, maxLines: number): string[] {
  const words = s.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (let w of words) {
    while (w.length > width) {
      if (line) { lines.push(line); line = ''; }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else { lines.push(line); line = w; }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = ellipsize(`${kept[maxLines - 1]} ${lines[maxLines]}`, width);
    return kept;
  }
  return lines;
}
