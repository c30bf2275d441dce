/**
 * Training data, whatever its source (an ImageFolder, Fashion-MNIST's IDX files, the subset shipped with the
 * extension): samples as 8-bit pixels, turned into the model's input as the seed's training script does
 * (preset geometry or RandomResizedCrop + RandomHorizontalFlip, then ToTensor + Normalize), batched in a seeded
 * order, with seeded dropout masks.
 */
import { type Channels, type ImageSize, type Preset, normalizeInto, resizeBilinear, resizePixels } from '../images';
import type { MaskSpec } from './types';
import { Rng } from './random';

/** 8-bit pixels, interleaved (HWC), `channels` a pixel: 1 (L) or 3 (RGB) as the model takes them. */
export interface Pixels {
  width: number;
  height: number;
  channels: Channels;
  data: Uint8Array;
}

/** A labelled set of images. `pixels(i)` may throw an ImageError (a file that no longer decodes). */
export interface Dataset {
  /** Where it came from, for messages ("data/train (ImageFolder)"). */
  name: string;
  classes: string[];
  /** The class index of each sample. */
  labels: Int32Array;
  pixels(index: number): Pixels;
}

/** How a sample becomes the model's input. */
export interface SampleTransform {
  channels: Channels;
  size: ImageSize;
  preset: Preset;
  /** RandomResizedCrop(size) + RandomHorizontalFlip() instead of the preset's geometry. */
  augment: boolean;
}

/** The transforms as torchvision spells them, for training.json and messages. */
export function describeTransform(t: SampleTransform): string {
  const size = `(${t.size.height}, ${t.size.width})`;
  const norm = t.preset === 'seed' ? 'Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))' : 'Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])';
  const geometry = t.augment
    ? `RandomResizedCrop(${size}), RandomHorizontalFlip()`
    : t.preset === 'seed' ? `Resize(${size})` : `Resize(${Math.floor((Math.min(t.size.height, t.size.width) * 256) / 224)}), CenterCrop(${size})`;
  return `${geometry}, ToTensor(), ${norm}`;
}

/** torchvision's RandomResizedCrop.get_params (scale (0.08, 1), ratio (3/4, 4/3)): top, left, height, width. */
export function randomResizedCropBox(width: number, height: number, rng: Rng): { top: number; left: number; height: number; width: number } {
  const area = width * height;
  const logRatio = [Math.log(3 / 4), Math.log(4 / 3)] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.between(0.08, 1);
    const aspect = Math.exp(rng.between(logRatio[0], logRatio[1]));
    const w = pyRound(Math.sqrt(targetArea * aspect));
    const h = pyRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.below(height - h + 1), left: rng.below(width - w + 1), height: h, width: w };
    }
  }
  // fallback to the central crop, as torchvision does
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < 3 / 4) h = pyRound(w / (3 / 4));
  else if (inRatio > 4 / 3) w = pyRound(h * (4 / 3));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** Python's round() for the non-negative values above (halves to even). */
function pyRound(x: number): number {
  const r = Math.round(x);
  return x % 1 === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The preset geometry (or the seeded augmentation), then ToTensor + Normalize: CHW float32 written at `out[offset]`. */
export function sampleTensor(p: Pixels, t: SampleTransform, out: Float32Array, offset: number, rng: Rng | null, file = 'image'): void {
  const { height: H, width: W } = t.size;
  let resized: Pixels;
  if (t.augment) {
    if (!rng) throw new Error('augmentation needs a random stream');
    const box = randomResizedCropBox(p.width, p.height, rng);
    const crop = new Uint8Array(box.width * box.height * p.channels);
    const row = box.width * p.channels;
    for (let y = 0; y < box.height; y++) {
      const from = ((box.top + y) * p.width + box.left) * p.channels;
      crop.set(p.data.subarray(from, from + row), y * row);
    }
    const data = resizeBilinear(crop, box.width, box.height, p.channels, W, H);
    if (rng.uniform() < 0.5) flipHorizontal(data, W, H, p.channels);
    resized = { width: W, height: H, channels: p.channels, data };
  } else {
    resized = resizePixels(p.data, p.width, p.height, p.channels, t.preset, file, t.size);
  }
  normalizeInto(resized, t.preset, out, offset);
}

function flipHorizontal(data: Uint8Array, width: number, height: number, channels: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width >> 1; x++) {
      const a = row + x * channels;
      const b = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) {
        const v = data[a + c]!;
        data[a + c] = data[b + c]!;
        data[b + c] = v;
      }
    }
  }
}

/** Gray (1 channel) to the model's channels: Pillow's convert('RGB') of an L image repeats the value. */
export function toChannels(gray: Uint8Array, channels: Channels): Uint8Array {
  if (channels === 1) return gray;
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = gray[i]!;
  return out;
}

/**
 * The sample indices of each step of an epoch: a seeded permutation (or the dataset's order with `shuffle` false),
 * cut into full batches. The last, incomplete batch is dropped (DataLoader's drop_last=True): the step graph has
 * a fixed batch size.
 */
export function epochBatches(size: number, batch: number, shuffle: boolean, rng: Rng): Int32Array[] {
  const order = shuffle ? rng.permutation(size) : Int32Array.from({ length: size }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start + batch <= size; start += batch) out.push(order.subarray(start, start + batch));
  return out;
}

/** One batch: the model's input [B, C, H, W] and the labels [B] as float32 class indices, as the step takes them. */
export interface Batch {
  input: Float32Array;
  labels: Float32Array;
  /** The same labels as numbers, for accuracy. */
  classes: Int32Array;
}

/** Makes the batch of `indices` (augmentation draws from `rng`). */
export function loadBatch(data: Dataset, indices: ArrayLike<number>, t: SampleTransform, rng: Rng | null): Batch {
  const per = t.channels * t.size.height * t.size.width;
  const input = new Float32Array(indices.length * per);
  const labels = new Float32Array(indices.length);
  const classes = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    sampleTensor(data.pixels(i), t, input, b * per, rng);
    classes[b] = data.labels[i]!;
    labels[b] = data.labels[i]!;
  }
  return { input, labels, classes };
}

/** F.dropout's masks for one step: each element (each channel for Dropout2d) 0 with probability p, else 1/(1-p). */
export function dropoutMasks(masks: readonly MaskSpec[], rng: Rng): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const m of masks) {
    const n = m.shape.reduce((a, b) => a * b, 1);
    const mask = new Float32Array(n);
    // p = 1 zeroes everything, as torch does (no division by zero)
    if (m.p < 1) {
      const keep = Math.fround(1 / (1 - m.p));
      for (let i = 0; i < n; i++) mask[i] = rng.uniform() < m.p ? 0 : keep;
    }
    out.set(m.name, mask);
  }
  return out;
}
