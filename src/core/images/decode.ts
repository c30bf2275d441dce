/**
 * Image files -> 8-bit RGBA, in Node and in the webview alike (no Buffer, no fs): PNG by fast-png, JPEG by jpeg-js,
 * GIF (first frame) by omggif, BMP by bmp.ts. WebP is left to the webview's own decoder (see decodeImage).
 * Pixels are what Pillow's Image.open gives, so that convert('RGB') of both agree (JPEG aside: libjpeg and jpeg-js
 * differ by a few levels).
 */
import { decode as decodePng } from 'fast-png';
import decodeJpeg from 'jpeg-js/lib/decoder.js';
import { GifReader } from 'omggif';
import { decodeBmp } from './bmp';
import { checkGifLzw } from './gif-lzw';
import { ImageError } from './errors';
import {
  FORMAT_NAMES,
  MAX_PIXELS,
  type ImageFormat,
  type JpegFrame,
  checkDeclaredSize,
  detectImageFormat,
  readDeclaredSize,
  readJpegFrame,
  unsupportedFormatName,
} from './format';
import { decodePngInterlacedLowDepth } from './png-adam7';
import { idatChunks, inflateCapped, pngDataSize } from './png-inflate';
import { pngToRgba } from './png-pixels';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 8 bits a sample, rows top to bottom; alpha is straight (not premultiplied). */
  data: Uint8Array;
  format: ImageFormat;
}

export const WEBP_IN_WEBVIEW =
  "is a WebP image: WebP is decoded by the editor's webview (classify it from VS Code); the CLI cannot decode it";

/** Decodes an image file's bytes; `file` names it in errors. Every failure is an ImageError. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length === 0) throw new ImageError('empty', file, 'is an empty file, not an image');
  const format = detectImageFormat(bytes);
  if (!format) {
    const other = unsupportedFormatName(bytes);
    if (other) throw new ImageError('unsupported', file, `is a ${other} image, which cannot be classified; convert it to PNG or JPEG`);
    throw new ImageError('not-an-image', file, 'is not an image: its bytes are not PNG, JPEG, GIF, BMP or WebP, whatever its name says');
  }
  checkDeclaredSize(readDeclaredSize(bytes, format, file), format, file);
  if (format === 'webp') throw new ImageError('webp-needs-webview', file, WEBP_IN_WEBVIEW);
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = format === 'png' ? readPng(bytes, file) : format === 'jpeg' ? readJpeg(bytes, file) : format === 'gif' ? readGif(bytes, file) : decodeBmp(bytes, file);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw decoderFailure(error, bytes, format, file);
  }
  // the decoders' own sizes may differ from the header read above (a GIF frame, a JPEG DNL): check again
  checkDeclaredSize(image, format, file);
  if (image.data.length !== image.width * image.height * 4) {
    throw new ImageError('corrupt', file, `is a corrupt ${FORMAT_NAMES[format]} file: it decoded to the wrong number of pixels`);
  }
  return { width: image.width, height: image.height, data: image.data, format };
}

/** A decoder's exception as an ImageError: truncated when the file's end marker is missing, corrupt otherwise. */
function decoderFailure(error: unknown, bytes: Uint8Array, format: ImageFormat, file: string): ImageError {
  const reason = error instanceof Error ? error.message : String(error);
  const name = FORMAT_NAMES[format];
  if (!hasEndMarker(bytes, format)) return new ImageError('truncated', file, `is a truncated ${name} file (${reason})`);
  return new ImageError('corrupt', file, `is a corrupt ${name} file: ${reason}`);
}

function hasEndMarker(bytes: Uint8Array, format: ImageFormat): boolean {
  const n = bytes.length;
  switch (format) {
    case 'png': // ...IEND + CRC
      return n >= 12 && String.fromCharCode(...bytes.subarray(n - 8, n - 4)) === 'IEND';
    case 'jpeg':
      for (let i = n - 2; i >= Math.max(2, n - 64); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
      return false;
    case 'gif': // the trailer byte
      return bytes[n - 1] === 0x3b;
    default:
      return true;
  }
}

// ---- PNG -------------------------------------------------------------------------------------------------------

function readPng(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  // Adam7 with fewer than 8 bits a sample is mis-read by fast-png 8.0: de-interlaced by png-adam7.ts instead
  const ihdrDepth = bytes[24]!;
  const interlaced = bytes[28] === 1;
  if (interlaced && ihdrDepth < 8) return decodePngInterlacedLowDepth(bytes, file);
  if (!hasEndMarker(bytes, 'png')) {
    // fast-png would read past the end or return a partial image; say what is wrong instead
    throw new ImageError('truncated', file, 'is a truncated PNG file: it ends before the IEND chunk');
  }
  // fast-png inflates without a limit: the data is first inflated here, counted against what the header implies
  const { width, height } = readDeclaredSize(bytes, 'png', file);
  inflateCapped(idatChunks(bytes), pngDataSize(width, height, ihdrDepth, bytes[25]!, interlaced), file, false);
  const png = decodePng(bytes, { checkCrc: true });
  return { width: png.width, height: png.height, data: pngToRgba(png, file) };
}

// ---- JPEG ------------------------------------------------------------------------------------------------------

/** Most memory a JPEG decode may take, as estimated below: a 24-megapixel 4:2:0 photo needs about 400 MB. */
export const JPEG_MEMORY_BUDGET = 1 << 30;

/** What jpeg-js allocates for a frame: an Int32Array(64) per block (about 450 bytes with its header), RGBA and lines. */
export function jpegDecodeBytes(frame: JpegFrame): number {
  const maxH = Math.max(...frame.components.map((c) => c.h));
  const maxV = Math.max(...frame.components.map((c) => c.v));
  const mcusPerLine = Math.ceil(frame.width / 8 / maxH);
  const mcusPerColumn = Math.ceil(frame.height / 8 / maxV);
  let blocks = 0;
  for (const c of frame.components) blocks += mcusPerLine * c.h * mcusPerColumn * c.v;
  return blocks * 450 + frame.width * frame.height * (4 + frame.components.length);
}

function readJpeg(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  const frame = readJpegFrame(bytes, file);
  if (frame.precision !== 8) {
    throw new ImageError('unsupported', file, `is a ${frame.precision}-bit JPEG, which cannot be decoded here; convert it to an 8-bit JPEG or a PNG`);
  }
  const { components } = frame;
  if (components.length === 0 || components.length > 4 || components.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) {
    throw new ImageError('corrupt', file, 'is a corrupt JPEG file: its frame header declares invalid components or sampling factors');
  }
  const needed = jpegDecodeBytes(frame);
  if (needed > JPEG_MEMORY_BUDGET) {
    throw new ImageError(
      'too-large',
      file,
      `is too large to classify: decoding its ${frame.width}x${frame.height} JPEG frame (sampling ` +
        `${components.map((c) => `${c.h}x${c.v}`).join(', ')}) would take about ${Math.round(needed / 2 ** 20)} MB; the limit is ` +
        `${JPEG_MEMORY_BUDGET / 2 ** 20} MB`,
    );
  }
  const image = decodeJpeg(bytes, {
    useTArray: true, // Uint8Array, not Node's Buffer
    formatAsRGBA: true,
    tolerantDecoding: true, // like libjpeg, which warns and goes on over minor damage
    maxResolutionInMP: MAX_PIXELS / 1e6,
    maxMemoryUsageInMB: JPEG_MEMORY_BUDGET / 2 ** 20, // jpeg-js's own count, about half of the estimate above
  });
  return { width: image.width, height: image.height, data: image.data };
}

/**
 * omggif reports a short or long LZW stream with console.log, which would land in the CLI's output: caught here,
 * and a short stream (pixels missing) is an error, as in Pillow.
 */
function blitQuietly(reader: GifReader, pixels: Uint8Array, file: string): void {
  const log = console.log;
  let short = false;
  console.log = (...args: unknown[]) => {
    if (String(args[0]).includes('shorter than expected')) short = true;
  };
  try {
    reader.decodeAndBlitFrameRGBA(0, pixels);
  } finally {
    console.log = log;
  }
  if (short) throw new ImageError('truncated', file, 'is a truncated GIF file: its first frame has fewer pixels than it declares');
}

// ---- GIF -------------------------------------------------------------------------------------------------------

function readGif(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  const reader = new GifReader(bytes);
  if (reader.numFrames() === 0) throw new ImageError('corrupt', file, 'is a corrupt GIF file: it has no frames');
  const frame = reader.frameInfo(0);
  if (frame.width * frame.height > MAX_PIXELS) {
    throw new ImageError('too-large', file, `is too large to classify: its first GIF frame declares ${frame.width}x${frame.height} pixels`);
  }
  checkGifLzw(bytes, frame.data_offset, file);
  const { width, height } = reader;
  // Pillow's convert('RGB') keeps a transparent pixel's palette colour: blit once without transparency for the
  // colours, once with it for the alpha (frameInfo returns omggif's own record, so the change is seen)
  const transparent = frame.transparent_index;
  const data = new Uint8Array(width * height * 4);
  frame.transparent_index = null;
  blitQuietly(reader, data, file);
  frame.transparent_index = transparent;
  if (transparent !== null) {
    const alpha = new Uint8Array(width * height * 4);
    blitQuietly(reader, alpha, file);
    for (let i = 3; i < data.length; i += 4) data[i] = alpha[i]!;
  }
  return { width, height, data };
}

/**
 * Pixels a browser decoded (canvas getImageData, for WebP in the webview) as a DecodedImage. Decode them with
 * createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }) so the colours stay as stored.
 */
export function fromBrowserPixels(width: number, height: number, data: Uint8Array | Uint8ClampedArray, format: ImageFormat, file: string): DecodedImage {
  checkDeclaredSize({ width, height }, format, file);
  if (data.length !== width * height * 4) throw new ImageError('corrupt', file, `decoded to ${data.length} bytes, not ${width}x${height} RGBA`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), format };
}
