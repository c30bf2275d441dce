/**
 * The model's input as torchvision + Pillow make it, so a prediction here is the prediction in Python:
 * Pillow's convert('RGB') / convert('L'), Pillow's bilinear resize (resample.ts), torchvision's Resize/CenterCrop
 * arithmetic, then ToTensor and Normalize in float32 as torch computes them.
 */
import type { DecodedImage } from './decode';
import { ImageError } from './errors';
import { MAX_PIXELS } from './format';
import { resizeBilinear } from './resample';

export type Preset = 'seed' | 'imagenet';
export type Channels = 1 | 3;

/** The size the presets were written for; a model's own size (its `# input[...]`) replaces it. */
export const INPUT_SIZE = 224;

/** The model's input height and width: what the preset resizes (and crops) to. */
export interface ImageSize {
  height: number;
  width: number;
}

export const DEFAULT_IMAGE_SIZE: ImageSize = { height: INPUT_SIZE, width: INPUT_SIZE };

export interface PresetInfo {
  /** The torchvision transforms at the model's size, as Python, for messages and docs. */
  transforms: (size?: ImageSize) => string;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Mean and std for a single (grayscale) channel. */
  grayMean: number;
  grayStd: number;
}

export const PRESETS: Record<Preset, PresetInfo> = {
  // the study note's training script; Normalize((0.5,), (0.5,)) for one channel
  seed: {
    transforms: (size = DEFAULT_IMAGE_SIZE) => `Resize((${size.height}, ${size.width})), ToTensor(), Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))`,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    grayMean: 0.5,
    grayStd: 0.5,
  },
  // torchvision's ImageNet recipe; one channel uses the averages 0.449 / 0.226 (torchvision defines none)
  imagenet: {
    transforms: (size = DEFAULT_IMAGE_SIZE) =>
      `Resize(${imagenetResize(size)}), CenterCrop(${cropText(size)}), ToTensor(), Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    grayMean: 0.449,
    grayStd: 0.226,
  },
};

/**
 * The shorter side the imagenet preset resizes to before the center crop: the crop keeps 7/8 of it (timm's
 * crop_pct 0.875), so 224 -> Resize(256) as torchvision's recipe, 227 -> 259, 32 -> 36, 28 -> 32.
 */
export function imagenetResize(size: ImageSize): number {
  return Math.floor((Math.min(size.height, size.width) * 8) / 7);
}

function cropText(size: ImageSize): string {
  return size.height === size.width ? String(size.height) : `(${size.height}, ${size.width})`;
}

/**
 * Pillow's convert('RGB') (alpha dropped, not composited) or convert('L') (ITU-R 601-2 luma in Pillow's fixed point:
 * (R*19595 + G*38470 + B*7471 + 0x8000) >> 16), as interleaved 8-bit samples.
 */
export function convertPixels(img: DecodedImage, channels: Channels): Uint8Array {
  const n = img.width * img.height;
  const { data } = img;
  if (channels === 3) {
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      out[i * 3] = data[i * 4]!;
      out[i * 3 + 1] = data[i * 4 + 1]!;
      out[i * 3 + 2] = data[i * 4 + 2]!;
    }
    return out;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (data[i * 4]! * 19595 + data[i * 4 + 1]! * 38470 + data[i * 4 + 2]! * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop offsets use it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision.transforms.functional.resize's output size for an int size: the shorter side to `size`. */
export function shorterSideSize(width: number, height: number, size: number): { width: number; height: number } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}

export interface ResizedImage {
  width: number;
  height: number;
  channels: Channels;
  /** Interleaved 8-bit samples (HWC), before ToTensor: what Pillow's image holds at the end of the transforms. */
  data: Uint8Array;
}

/**
/**
 * The preset's geometric transforms on the converted image: the 8-bit image of the model's size (`out`, default
 * 224x224) ToTensor receives. `file` names the image in the error for a shape too extreme for Resize(S).
 */
export function resizeForPreset(img: DecodedImage, preset: Preset, channels: Channels, file = 'image', out: ImageSize = DEFAULT_IMAGE_SIZE): ResizedImage {
  return resizePixels(convertPixels(img, channels), img.width, img.height, channels, preset, file, out);
}

/**
 * The preset's geometry on converted pixels (HWC, `channels` a pixel). seed: Resize((H, W)), the whole image squeezed
 * to the model's size; imagenet: Resize(S) of the shorter side (S = imagenetResize) then CenterCrop((H, W))
 * (a 16384x1 strip would become 4194304x256: refused, naming `file`).
 */
export function resizePixels(pixels: Uint8Array, width: number, height: number, channels: Channels, preset: Preset, file = 'image', out: ImageSize = DEFAULT_IMAGE_SIZE): ResizedImage {
  if (preset === 'seed') {
    const data = resizeBilinear(pixels, width, height, channels, out.width, out.height);
    return { width: out.width, height: out.height, channels, data };
  }
  const shorter = imagenetResize(out);
  const size = shorterSideSize(width, height, shorter);
  if (size.width * size.height > MAX_PIXELS) {
    throw new ImageError('too-large', file, `is too elongated for Resize(${shorter}): ${width}x${height} would become ${size.width}x${size.height}; crop it first`);
  }
  const resized = resizeBilinear(pixels, width, height, channels, size.width, size.height);
  const top = roundHalfEven((size.height - out.height) / 2);
  const left = roundHalfEven((size.width - out.width) / 2);
  const data = new Uint8Array(out.height * out.width * channels);
  const rowLength = out.width * channels;
  for (let y = 0; y < out.height; y++) {
    const from = ((top + y) * size.width + left) * channels;
    data.set(resized.subarray(from, from + rowLength), y * rowLength);
  }
  return { width: out.width, height: out.height, channels, data };
}

/**
 * ToTensor + Normalize as torch does them in float32: x = fl(v / 255), then fl(fl(x - mean) / std), with mean and
 * std rounded to float32 first. Returns, per channel, the value for each of the 256 byte values.
 */
export function normalizationTable(preset: Preset, channels: Channels): Float32Array[] {
  const info = PRESETS[preset];
  const means = channels === 3 ? info.mean : [info.grayMean];
  const stds = channels === 3 ? info.std : [info.grayStd];
  return means.map((m, c) => {
    const mean = Math.fround(m);
    const std = Math.fround(stds[c]!);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(Math.fround(v / 255) - mean) / std;
    return table;
  });
}

/** The model input: CHW float32, channels x H x W (default 224x224), exactly as the preset's torchvision transforms make it. */
export function preprocess(img: DecodedImage, preset: Preset, channels: Channels, file = 'image', size: ImageSize = DEFAULT_IMAGE_SIZE): Float32Array {
  return normalize(resizeForPreset(img, preset, channels, file, size), preset);
}

/** ToTensor + Normalize of an already resized image (HWC bytes -> CHW float32). */
export function normalize(img: ResizedImage, preset: Preset): Float32Array {
  const out = new Float32Array(img.width * img.height * img.channels);
  normalizeInto(img, preset, out, 0);
  return out;
}

/** normalize() written into `out` at `offset` (a batch being assembled: no tensor per image). */
export function normalizeInto(img: ResizedImage, preset: Preset, out: Float32Array, offset: number): void {
  const tables = normalizationTable(preset, img.channels);
  const plane = img.width * img.height;
  const data = img.data;
  if (img.channels === 3) {
    // one pass over the pixels (HWC read in order): twice as fast as a pass per channel
    const [r, g, b] = tables as [Float32Array, Float32Array, Float32Array];
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      out[offset + i] = r[data[p]!]!;
      out[offset + plane + i] = g[data[p + 1]!]!;
      out[offset + 2 * plane + i] = b[data[p + 2]!]!;
    }
    return;
  }
  for (let c = 0; c < img.channels; c++) {
    const table = tables[c]!;
    const at = offset + c * plane;
    for (let i = 0; i < plane; i++) out[at + i] = table[data[i * img.channels + c]!]!;
  }
}
