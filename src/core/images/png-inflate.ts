/**
 * PNG image data is inflated against the size its header implies: a 1 MB file whose data inflates to gigabytes
 * (a "decompression bomb") stops at that size instead of filling memory.
 */
import { Unzlib } from 'fflate';
import { ImageError } from './errors';

const SAMPLES_PER_PIXEL: ReadonlyMap<number, number> = new Map([
  [0, 1], // gray
  [2, 3], // RGB
  [3, 1], // palette index
  [4, 2], // gray + alpha
  [6, 4], // RGBA
]);

/** Adam7's passes: first column and row, then column and row steps. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Compressed bytes fed at a time: deflate expands at most ~1032x, so one step's output stays small. */
const STEP = 16 * 1024;

/** Bytes of filtered scanlines (a filter byte a row) the header implies, interlaced or not. */
export function pngDataSize(width: number, height: number, depth: number, colorType: number, interlaced: boolean): number {
  const bitsPerPixel = depth * (SAMPLES_PER_PIXEL.get(colorType) ?? 4);
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

/** The IDAT chunks of a PNG, in order (their bodies, not copied). */
export function idatChunks(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let p = 8; p + 8 <= bytes.length; ) {
    const length = view.getUint32(p);
    const body = p + 8;
    if (body + length > bytes.length) break;
    if (bytes[p + 4] === 0x49 && bytes[p + 5] === 0x44 && bytes[p + 6] === 0x41 && bytes[p + 7] === 0x54) out.push(bytes.subarray(body, body + length));
    if (bytes[p + 4] === 0x49 && bytes[p + 5] === 0x45 && bytes[p + 6] === 0x4e && bytes[p + 7] === 0x44) break; // IEND
    p = body + length + 4;
  }
  return out;
}

/**
 * Inflates the zlib stream split over `chunks`, stopping with an ImageError as soon as it passes `cap` bytes.
 * `keep` false only counts (a check before another decoder runs); the result is then empty.
 */
export function inflateCapped(chunks: readonly Uint8Array[], cap: number, file: string, keep: boolean): Uint8Array {
  const out = keep ? new Uint8Array(cap) : new Uint8Array(0);
  let written = 0;
  const inflater = new Unzlib((chunk) => {
    if (written + chunk.length > cap) {
      throw new ImageError(
        'corrupt',
        file,
        `is a corrupt PNG file: its image data inflates past the ${cap} bytes its header implies; refusing it (a decompression bomb?)`,
      );
    }
    if (keep) out.set(chunk, written);
    written += chunk.length;
  });
  try {
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      for (let at = 0; at < chunk.length; at += STEP) {
        const stop = Math.min(at + STEP, chunk.length);
        inflater.push(chunk.subarray(at, stop), c === chunks.length - 1 && stop === chunk.length);
      }
    }
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError('corrupt', file, `is a corrupt PNG file: ${error instanceof Error ? error.message : String(error)}`);
  }
  return keep ? out.subarray(0, written) : out;
}
