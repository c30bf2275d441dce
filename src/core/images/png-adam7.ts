/**
 * Interlaced (Adam7) PNGs with 1, 2 or 4 bits a sample, which fast-png 8.0 de-interlaces as if each pixel were a
 * whole byte. Rare (Pillow never writes them) but valid: read here with fflate, the rest stays with fast-png.
 */
import { pngToRgba } from './png-pixels';
import { ImageError } from './errors';
import { ADAM7, inflateCapped, pngDataSize } from './png-inflate';

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePngInterlacedLowDepth(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24]!;
  const colorType = bytes[25]!;
  if (colorType !== 0 && colorType !== 3) throw new ImageError('corrupt', file, `is a corrupt PNG file: colour type ${colorType} cannot have ${depth}-bit samples`);
  const idat: Uint8Array[] = [];
  let palette: number[][] | undefined;
  let transparency: Uint16Array | undefined;
  let end = false;
  for (let p = 8; p + 8 <= bytes.length; ) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    const body = p + 8;
    if (body + length + 4 > bytes.length) break;
    const chunk = bytes.subarray(body, body + length);
    if (type === 'IDAT') idat.push(chunk);
    else if (type === 'PLTE') {
      palette = [];
      for (let i = 0; i + 3 <= length; i += 3) palette.push([chunk[i]!, chunk[i + 1]!, chunk[i + 2]!]);
    } else if (type === 'tRNS') {
      if (colorType === 3 && palette) palette.forEach((c, i) => c.push(i < length ? chunk[i]! : 255));
      else if (colorType === 0 && length >= 2) transparency = Uint16Array.of(view.getUint16(body));
    } else if (type === 'IEND') {
      end = true;
      break;
    }
    p = body + length + 4;
  }
  if (!end) throw new ImageError('truncated', file, 'is a truncated PNG file: it ends before the IEND chunk');
  if (colorType === 3 && !palette) throw new ImageError('corrupt', file, 'is a corrupt PNG file: a palette image without a PLTE chunk');
  const raw = inflateCapped(idat, pngDataSize(width, height, depth, colorType, true), file, true);
  // de-interlace into the packed row layout of a non-interlaced image
  const rowBytes = Math.ceil((width * depth) / 8);
  const packed = new Uint8Array(rowBytes * height);
  const mask = (1 << depth) - 1;
  let at = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const passWidth = Math.ceil((width - x0) / dx);
    const passHeight = Math.ceil((height - y0) / dy);
    if (passWidth <= 0 || passHeight <= 0) continue;
    const passRowBytes = Math.ceil((passWidth * depth) / 8);
    let previous = new Uint8Array(passRowBytes);
    for (let y = 0; y < passHeight; y++) {
      if (at + 1 + passRowBytes > raw.length) throw new ImageError('truncated', file, 'is a truncated PNG file: too little image data');
      const filter = raw[at]!;
      const line = raw.slice(at + 1, at + 1 + passRowBytes);
      at += 1 + passRowBytes;
      for (let i = 0; i < passRowBytes; i++) {
        const a = i > 0 ? line[i - 1]! : 0; // filters work on whole bytes below 8 bits a pixel
        const b = previous[i]!;
        const c = i > 0 ? previous[i - 1]! : 0;
        if (filter === 1) line[i] = line[i]! + a;
        else if (filter === 2) line[i] = line[i]! + b;
        else if (filter === 3) line[i] = line[i]! + ((a + b) >> 1);
        else if (filter === 4) line[i] = line[i]! + paeth(a, b, c);
        else if (filter !== 0) throw new ImageError('corrupt', file, `is a corrupt PNG file: unknown row filter ${filter}`);
      }
      previous = line;
      const outY = y0 + y * dy;
      for (let x = 0; x < passWidth; x++) {
        const bit = x * depth;
        const v = (line[bit >> 3]! >> (8 - depth - (bit & 7))) & mask;
        const outBit = (x0 + x * dx) * depth;
        packed[outY * rowBytes + (outBit >> 3)]! |= v << (8 - depth - (outBit & 7));
      }
    }
  }
  const data = pngToRgba({ width, height, depth: depth as 1 | 2 | 4, channels: 1, data: packed, palette, transparency }, file);
  return { width, height, data };
}
