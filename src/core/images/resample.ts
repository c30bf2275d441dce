/**
 * Pillow's `Image.resize(size, Image.BILINEAR)` for 8-bit images, bit for bit (Pillow 9.4, libImaging/Resample.c):
 * a separable triangle filter whose support grows with the downscale factor (antialiasing), horizontal pass
 * first, each pass in fixed point with PRECISION_BITS = 22 and rounded/clipped to 8 bits in between.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** Taps per output sample (the filter's largest width). */
  ksize: number;
  /** For output sample i: first input index at 2i, tap count at 2i+1. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output sample. */
  weights: Int32Array;
}

function bilinearFilter(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** precompute_coeffs + normalize_coeffs_8bpc over the whole input (box = 0..inSize). */
function coefficients(inSize: number, outSize: number): Coefficients {
  const support0 = 1; // BILINEAR's support
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = support0 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5); // C's (int) cast truncates toward zero
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

/** clip8(): the accumulator shifted back to 8 bits, clipped to 0..255. */
function clip8(ss: number): number {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes an interleaved 8-bit image of `bands` channels (1 for L, 3 for RGB) to outWidth x outHeight, exactly as
 * Pillow's bilinear resize does for modes L and RGB.
 */
export function resizeBilinear(
  src: Uint8Array,
  width: number,
  height: number,
  bands: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  if (outWidth === width && outHeight === height) return src.slice();
  let image = src;
  let w = width;
  if (outWidth !== width) {
    const { ksize, bounds, weights } = coefficients(width, outWidth);
    const out = new Uint8Array(outWidth * height * bands);
    for (let y = 0; y < height; y++) {
      const row = y * width * bands;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = bounds[xx * 2]!;
        const xmax = bounds[xx * 2 + 1]!;
        const kOffset = xx * ksize;
        for (let b = 0; b < bands; b++) {
          let ss = HALF;
          for (let x = 0; x < xmax; x++) ss += image[row + (x + xmin) * bands + b]! * weights[kOffset + x]!;
          out[(y * outWidth + xx) * bands + b] = clip8(ss);
        }
      }
    }
    image = out;
    w = outWidth;
  }
  if (outHeight !== height) {
    const { ksize, bounds, weights } = coefficients(height, outHeight);
    const out = new Uint8Array(w * outHeight * bands);
    const rowLength = w * bands;
    for (let yy = 0; yy < outHeight; yy++) {
      const ymin = bounds[yy * 2]!;
      const ymax = bounds[yy * 2 + 1]!;
      const kOffset = yy * ksize;
      for (let i = 0; i < rowLength; i++) {
        let ss = HALF;
        for (let y = 0; y < ymax; y++) ss += image[(y + ymin) * rowLength + i]! * weights[kOffset + y]!;
        out[yy * rowLength + i] = clip8(ss);
      }
    }
    image = out;
  }
  return image;
}
