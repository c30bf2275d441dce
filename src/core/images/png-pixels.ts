/** PNG samples of any depth and colour type as 8-bit RGBA, the way Pillow loads them. */
import type { DecodedPng } from 'fast-png';
import { ImageError } from './errors';

/** fast-png's samples (any depth, gray/GA/RGB/RGBA/palette, tRNS) as 8-bit RGBA, the way Pillow loads them. */
export function pngToRgba(png: Pick<DecodedPng, 'width' | 'height' | 'depth' | 'channels' | 'data' | 'palette' | 'transparency'>, file: string): Uint8Array {
  const { width, height, depth, channels, data, palette, transparency } = png;
  const n = width * height;
  const out = new Uint8Array(n * 4);
  if (depth < 8) {
    // packed rows of gray or palette indices
    const rowBytes = Math.ceil((width * depth) / 8);
    if (data.length < rowBytes * height) throw new ImageError('truncated', file, 'is a truncated PNG file: too little image data');
    const scale = 255 / ((1 << depth) - 1);
    const key = transparency && transparency.length > 0 && !palette ? transparency[0] : -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = x * depth;
        const v = (data[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        setIndexedOrGray(out, (y * width + x) * 4, v, palette, scale, key);
      }
    }
    return out;
  }
  const expected = n * channels;
  if (data.length < expected) throw new ImageError('truncated', file, 'is a truncated PNG file: too little image data');
  // 16-bit samples keep their high byte, as Pillow's "RGB;16B"-style unpackers do
  const shift = depth === 16 ? 8 : 0;
  if (channels === 1 && palette) {
    for (let i = 0; i < n; i++) setIndexedOrGray(out, i * 4, data[i]!, palette, 1, -1);
    return out;
  }
  const trns = transparency && transparency.length > 0 ? transparency : null;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const s = i * channels;
    if (channels === 1 || channels === 2) {
      const g = data[s]! >> shift;
      out[o] = out[o + 1] = out[o + 2] = g;
      out[o + 3] = channels === 2 ? data[s + 1]! >> shift : trns && data[s] === trns[0] ? 0 : 255;
    } else {
      out[o] = data[s]! >> shift;
      out[o + 1] = data[s + 1]! >> shift;
      out[o + 2] = data[s + 2]! >> shift;
      out[o + 3] =
        channels === 4 ? data[s + 3]! >> shift : trns && data[s] === trns[0] && data[s + 1] === trns[1] && data[s + 2] === trns[2] ? 0 : 255;
    }
  }
  return out;
}

function setIndexedOrGray(out: Uint8Array, o: number, v: number, palette: number[][] | undefined, scale: number, key: number): void {
  if (palette) {
    const color = palette[v] ?? [0, 0, 0, 255]; // an index past the palette reads as black, as in Pillow
    out[o] = color[0]!;
    out[o + 1] = color[1]!;
    out[o + 2] = color[2]!;
    out[o + 3] = color[3] ?? 255;
  } else {
    const g = Math.round(v * scale);
    out[o] = out[o + 1] = out[o + 2] = g;
    out[o + 3] = v === key ? 0 : 255;
  }
}
