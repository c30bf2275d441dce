/**
 * A check of a GIF frame's LZW codes before omggif decodes them. omggif never clears its code table, so a damaged
 * stream that names a code not yet defined can link the table into a cycle, and its decoder then loops forever
 * (found by the fuzz). This walks the codes exactly as omggif reads them, keeping only the table's size: every code
 * must already be defined (or be the one being defined), which keeps each entry pointing below itself.
 */
import { ImageError } from './errors';

export function checkGifLzw(bytes: Uint8Array, dataOffset: number, file: string): void {
  let p = dataOffset;
  const minCodeSize = bytes[p++] ?? 0;
  if (minCodeSize < 2 || minCodeSize > 11) {
    throw new ImageError('corrupt', file, `is a corrupt GIF file: its first frame declares an LZW code size of ${minCodeSize}`);
  }
  const clearCode = 1 << minCodeSize;
  const eoiCode = clearCode + 1;
  let nextCode = eoiCode + 1;
  let codeSize = minCodeSize + 1;
  let codeMask = (1 << codeSize) - 1;
  let shift = 0;
  let current = 0;
  let subblock = bytes[p++] ?? 0;
  let previous: number | null = null;
  for (;;) {
    while (shift < 16) {
      if (subblock === 0) break;
      current |= (bytes[p++] ?? 0) << shift;
      shift += 8;
      if (subblock === 1) subblock = bytes[p++] ?? 0;
      else subblock--;
    }
    if (shift < codeSize) return;
    const code = current & codeMask;
    current >>= codeSize;
    shift -= codeSize;
    if (code === clearCode) {
      nextCode = eoiCode + 1;
      codeSize = minCodeSize + 1;
      codeMask = (1 << codeSize) - 1;
      previous = null;
      continue;
    }
    if (code === eoiCode) return;
    if (code > nextCode || (code === nextCode && previous === null)) {
      throw new ImageError('corrupt', file, 'is a corrupt GIF file: its LZW data uses a code before defining it');
    }
    if (previous !== null && nextCode < 4096) {
      nextCode++;
      if (nextCode >= codeMask + 1 && codeSize < 12) {
        codeSize++;
        codeMask = (codeMask << 1) | 1;
      }
    }
    previous = code;
  }
}
