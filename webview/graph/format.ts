// Shape and layer-label formatting for the graph and the table (numbers: ../ui/format).
import type { Shape } from '../../src/core/model/ir';
import { ellipsize } from '../ui/format';

export function formatShape(shape: Shape | null | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}

/** Channels and spatial size of a tensor, for the size glyph: [N, C, H, W] -> C, H; [N, F] -> F, 1. */
export function tensorExtent(shape: Shape | null | undefined): { channels: number; spatial: number } | null {
  if (!shape || shape.length < 2) return null;
  const channels = shape[1];
  const spatial = shape.length >= 3 ? Math.max(...shape.slice(2)) : 1;
  return { channels, spatial };
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
