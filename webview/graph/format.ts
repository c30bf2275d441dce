// Number, shape and layer-label formatting for the graph and the table.
import type { Shape } from '../../src/core/model/ir';

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
