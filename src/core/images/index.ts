/**
 * Images for classification: decode, then preprocess exactly as torchvision + Pillow do. Works on bytes, in Node and
 * in browsers (no Buffer, no fs). Decisions:
 * - Formats by magic bytes: PNG (fast-png; all depths and colour types, palette, tRNS, Adam7 - the sub-byte
 *   interlaced case read by png-adam7.ts), JPEG (jpeg-js; baseline and progressive), GIF (omggif; first frame),
 *   BMP (bmp.ts; uncompressed 1/4/8/16/24/32-bit, bit fields, either row order; RLE refused).
 * - WebP: no maintained pure-JS decoder exists (the wasm ones load their .wasm with fs or fetch), so the webview
 *   decodes it with the browser's createImageBitmap and hands the pixels to fromBrowserPixels; decodeImage throws
 *   ImageError 'webp-needs-webview' ("...the CLI cannot decode it").
 * - Limits read from the header before decoding: 16384 pixels a side, 50 megapixels; 0x0 is an error.
 * - Pixels are Pillow's: convert('RGB') drops alpha without compositing, palette/gray expanded, 16-bit PNG samples
 *   keep their high byte. One deliberate difference: Pillow 9.4 opens 16-bit grayscale PNGs as mode I and
 *   convert('RGB') clips them to white; we keep the high byte, as for 16-bit RGB. EXIF orientation is ignored,
 *   as Image.open ignores it.
 * - PNG, GIF and BMP decode and the resize/crop are bit-exact with Pillow 9.4; ToTensor+Normalize bit-exact with
 *   torch 1.13. JPEG: jpeg-js differs from libjpeg-turbo by a few levels in luma and more at sharp colour edges
 *   of chroma-subsampled files (it replicates chroma where libjpeg interpolates); see test/unit/images.test.ts.
 */
export { type DecodedImage, WEBP_IN_WEBVIEW, decodeImage, fromBrowserPixels } from './decode';
export { ImageError, type ImageErrorCode } from './errors';
export { type ImageFormat, MAX_PIXELS, MAX_SIDE, detectImageFormat } from './format';
export {
  type Channels,
  DEFAULT_IMAGE_SIZE,
  type ImageSize,
  INPUT_SIZE,
  PRESETS,
  type Preset,
  type PresetInfo,
  type ResizedImage,
  convertPixels,
  imagenetResize,
  normalize,
  normalizeInto,
  normalizationTable,
  preprocess,
  resizeForPreset,
  resizePixels,
  shorterSideSize,
} from './preprocess';
export { resizeBilinear } from './resample';
