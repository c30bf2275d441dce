// Formatting shared by every webview: message templates, counts, sizes, percentages, times, adapter names.
import type { BackendReport } from '../../src/shared/classifyProtocol';

/** "{0} of {1}" with its arguments. */
export function fill(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
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

/** Cuts a text to `max` characters with an ellipsis. */
export function ellipsize(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/** A probability as a percentage; tiny values as "<0.1%". */
export function percent(p: number): string {
  return p >= 0.0005 || p === 0 ? `${(p * 100).toFixed(1)}%` : '<0.1%';
}

/** Milliseconds, two decimals below 10. */
export function formatMs(v: number): string {
  return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
}

/** A readable adapter name: "NVIDIA GeForce RTX 3060" or "google swiftshader". */
export function adapterName(a: BackendReport['adapter']): string {
  if (!a) return '';
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
}
