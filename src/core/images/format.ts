/** Tells image formats apart by their first bytes, and reads the declared size before anything is decoded. */
import { ImageError } from './errors';

export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp';

/** The largest image decoded: a side of 16384 pixels and 50 megapixels in all (about 200 MB of RGBA). */
export const MAX_SIDE = 16384;
export const MAX_PIXELS = 50_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** The format the bytes are in, by magic number (never by file extension), or null. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return null;
}

/** Names image formats that are recognised but not read, so the error can say which one it is. */
export function unsupportedFormatName(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ascii('II*\0')) || startsWith(bytes, ascii('MM\0*'))) return 'TIFF';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (/^avi[fs]$/.test(brand)) return 'AVIF';
    if (/^(heic|heix|hevc|mif1|msf1)$/.test(brand)) return 'HEIC';
  }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ICO';
  if (startsWith(bytes, ascii('8BPS'))) return 'Photoshop (PSD)';
  const head = String.fromCharCode(...bytes.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'SVG';
  return null;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const i32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);

export interface DeclaredSize {
  width: number;
  height: number;
}

/** The size the header declares, read without decoding; throws 'truncated' when the header itself is cut short. */
export function readDeclaredSize(bytes: Uint8Array, format: ImageFormat, file: string): DeclaredSize {
  const short = (what: string) => new ImageError('truncated', file, `is a truncated ${what} file: its header ends early`);
  switch (format) {
    case 'png': {
      if (bytes.length < 24) throw short('PNG');
      if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
        throw new ImageError('corrupt', file, 'is a corrupt PNG file: it does not start with an IHDR chunk');
      }
      return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
    }
    case 'jpeg': {
      const { width, height } = readJpegFrame(bytes, file);
      return { width, height };
    }
    case 'gif':
      if (bytes.length < 10) throw short('GIF');
      return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
    case 'bmp': {
      if (bytes.length < 26) throw short('BMP');
      const headerSize = i32le(bytes, 14);
      if (headerSize === 12) return { width: u16le(bytes, 18), height: u16le(bytes, 20) };
      return { width: i32le(bytes, 18), height: Math.abs(i32le(bytes, 22)) };
    }
    case 'webp': {
      if (bytes.length < 30) throw short('WebP');
      const chunk = String.fromCharCode(...bytes.subarray(12, 16));
      if (chunk === 'VP8 ') return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
      if (chunk === 'VP8L') {
        const bits = (bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24)) >>> 0;
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8X') return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
      throw new ImageError('corrupt', file, `is a corrupt WebP file: unknown first chunk '${chunk}'`);
    }
  }
}

/** A JPEG frame header (SOFn): size, sample precision and each component's sampling factors. */
export interface JpegFrame extends DeclaredSize {
  precision: number;
  components: { h: number; v: number }[];
}

/** Walks the JPEG markers up to the frame header (SOFn), which holds the size. */
export function readJpegFrame(bytes: Uint8Array, file: string): JpegFrame {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) throw new ImageError('corrupt', file, `is a corrupt JPEG file: no marker at byte ${i}`);
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 10 > bytes.length) break;
      const count = bytes[i + 9]!;
      if (i + 10 + 3 * count > bytes.length) break;
      const components = [];
      for (let c = 0; c < count; c++) {
        const factors = bytes[i + 11 + 3 * c]!;
        components.push({ h: factors >> 4, v: factors & 15 });
      }
      return { width: u16be(bytes, i + 7), height: u16be(bytes, i + 5), precision: bytes[i + 4]!, components };
    }
    if (marker === 0xda || marker === 0xd9) {
      throw new ImageError('corrupt', file, 'is a corrupt JPEG file: image data starts before the frame header');
    }
    if (marker < 0xc0 && marker !== 0x01) {
      throw new ImageError('corrupt', file, `is a corrupt JPEG file: invalid marker 0x${marker.toString(16)} at byte ${i}`);
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    i += 2 + u16be(bytes, i + 2);
  }
  throw new ImageError('truncated', file, 'is a truncated JPEG file: it ends before the frame header');
}

/** Refuses empty images and images too large to decode safely, before any pixel is allocated. */
export function checkDeclaredSize(size: DeclaredSize, format: ImageFormat, file: string): void {
  const { width, height } = size;
  const name = FORMAT_NAMES[format];
  if (width <= 0 || height <= 0) {
    throw new ImageError('empty', file, `is an empty ${name} image: it declares ${width}x${height} pixels`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new ImageError(
      'too-large',
      file,
      `is too large to classify: its ${name} header declares ${width}x${height} pixels ` +
        `(${(width * height / 1e6).toFixed(1)} megapixels); the limit is ${MAX_SIDE} pixels a side and ${MAX_PIXELS / 1e6} megapixels`,
    );
  }
}

export const FORMAT_NAMES: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', gif: 'GIF', bmp: 'BMP', webp: 'WebP' };
