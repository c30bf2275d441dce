/**
 * A small BMP reader (bmp-js relies on Node's Buffer, which the webview lacks): uncompressed 1/4/8-bit palette,
 * 16/24/32-bit, BI_BITFIELDS masks, bottom-up and top-down rows, the OS/2 core header. Pixels come out as
 * Pillow's BmpImagePlugin reads them: 32-bit BI_RGB has no alpha, masked channels scale as `v * 255 / max`.
 */
import { ImageError } from './errors';

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

interface Mask {
  mask: number;
  shift: number;
  max: number;
}

function toMask(mask: number): Mask | null {
  if (mask === 0) return null;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { mask: mask >>> 0, shift, max: (mask >>> 0) >>> shift };
}

export function decodeBmp(bytes: Uint8Array, file: string): RgbaImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string) => new ImageError('corrupt', file, `is a corrupt BMP file: ${why}`);
  if (bytes.length < 26) throw new ImageError('truncated', file, 'is a truncated BMP file: its header ends early');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number;
  let height: number;
  let bits: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
  } else if (headerSize >= 40 && 14 + headerSize <= bytes.length) {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else if (headerSize >= 40) {
    throw new ImageError('truncated', file, 'is a truncated BMP file: its header ends early');
  } else {
    throw corrupt(`unknown header size ${headerSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (compression === BI_RLE8 || compression === BI_RLE4) {
    throw new ImageError('unsupported', file, `is a run-length compressed BMP (RLE${compression === BI_RLE8 ? 8 : 4}), which is not supported; save it as an uncompressed BMP or a PNG`);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new ImageError('unsupported', file, `is a BMP with compression type ${compression}, which is not supported`);
  }

  // channel masks for 16/32-bit pixels
  let masks: (Mask | null)[] | null = null;
  if (bits === 16 || bits === 32) {
    let r: number, g: number, b: number, a = 0;
    if (compression === BI_RGB) {
      [r, g, b] = bits === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
    } else {
      // in the header (V2+ headers) or right after a 40-byte one
      const at = 54;
      if (at + 12 > bytes.length) throw new ImageError('truncated', file, 'is a truncated BMP file: its colour masks are missing');
      r = view.getUint32(at, true);
      g = view.getUint32(at + 4, true);
      b = view.getUint32(at + 8, true);
      if ((headerSize >= 56 || compression === BI_ALPHABITFIELDS) && at + 16 <= bytes.length) a = view.getUint32(at + 12, true);
    }
    masks = [toMask(r), toMask(g), toMask(b), toMask(a)];
    if (!masks[0] || !masks[1] || !masks[2]) throw corrupt('a colour mask is empty');
  } else if (bits !== 1 && bits !== 4 && bits !== 8 && bits !== 24) {
    throw new ImageError('unsupported', file, `is a ${bits}-bit BMP, which is not supported`);
  }

  // palette for 1/4/8-bit pixels
  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    const entrySize = headerSize === 12 ? 3 : 4;
    const count = colorsUsed > 0 && colorsUsed <= 1 << bits ? colorsUsed : 1 << bits;
    const at = 14 + headerSize;
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const p = at + i * entrySize;
      if (p + 3 > bytes.length) throw new ImageError('truncated', file, 'is a truncated BMP file: its palette ends early');
      palette[i * 3] = bytes[p + 2]!;
      palette[i * 3 + 1] = bytes[p + 1]!;
      palette[i * 3 + 2] = bytes[p]!;
    }
  }

  const stride = Math.floor((bits * width + 31) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) {
    throw new ImageError('truncated', file, `is a truncated BMP file: ${stride * height} bytes of pixels expected, ${Math.max(0, bytes.length - dataOffset)} found`);
  }
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (palette) {
        const perByte = 8 / bits;
        const byte = bytes[row + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bits * ((x % perByte) + 1))) & ((1 << bits) - 1);
        out[o] = palette[index * 3]!;
        out[o + 1] = palette[index * 3 + 1]!;
        out[o + 2] = palette[index * 3 + 2]!;
        out[o + 3] = 255;
      } else if (bits === 24) {
        const p = row + x * 3;
        out[o] = bytes[p + 2]!;
        out[o + 1] = bytes[p + 1]!;
        out[o + 2] = bytes[p]!;
        out[o + 3] = 255;
      } else {
        const pixel = bits === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
        for (let c = 0; c < 4; c++) {
          const m = masks![c];
          if (!m) out[o + c] = 255;
          else out[o + c] = m.max === 255 ? (pixel & m.mask) >>> m.shift : Math.floor((((pixel & m.mask) >>> m.shift) * 255) / m.max);
        }
      }
    }
  }
  return { width, height, data: out };
}
