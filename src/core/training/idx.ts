/**
 * Fashion-MNIST's (and MNIST's) IDX files: a big-endian header (magic 0x0000 08 NN: unsigned bytes, NN dimensions,
 * then NN 32-bit sizes) and the bytes, gzipped or not. Pure: the caller reads the files.
 */
import { gunzipSync } from 'fflate';
import type { Dataset } from './data';
import { toChannels } from './data';
import type { Channels } from '../images';

export class IdxError extends Error {
  override readonly name = 'IdxError';
}

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Fashion-MNIST's classes, in label order (the names class_indices.json gets). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The split's file names without `.gz`: train-images-idx3-ubyte, t10k-labels-idx1-ubyte. */
export function idxFileName(split: 'train' | 't10k', what: 'images' | 'labels'): string {
  return `${split}-${what}-${what === 'images' ? 'idx3' : 'idx1'}-ubyte`;
}

/** Reads an IDX file of unsigned bytes (gunzipped first when it starts with gzip's magic). */
export function readIdx(bytes: Uint8Array, file: string): IdxArray {
  let raw = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new IdxError(`${file}: is not a readable gzip file (${(e as Error).message})`);
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw new IdxError(`${file}: is not an IDX file (it does not start with 00 00)`);
  if (raw[2] !== 0x08) throw new IdxError(`${file}: holds IDX type 0x${raw[2]!.toString(16).padStart(2, '0')}; only unsigned bytes (0x08) are read`);
  const ndim = raw[3]!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4 + 4 * ndim) throw new IdxError(`${file}: is truncated in its header`);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (raw.length < start + count) throw new IdxError(`${file}: is truncated: ${shape.join('x')} needs ${count} bytes, it has ${raw.length - start}`);
  return { shape, data: raw.subarray(start, start + count) };
}

/** Images [N, H, W] and labels [N] as a Dataset (gray pixels, as the model's channels). */
export function idxDataset(images: IdxArray, labels: IdxArray, channels: Channels, name: string, classes = FASHION_MNIST_CLASSES): Dataset {
  if (images.shape.length !== 3) throw new IdxError(`${name}: the images file has shape [${images.shape.join(', ')}], expected [N, H, W]`);
  if (labels.shape.length !== 1) throw new IdxError(`${name}: the labels file has shape [${labels.shape.join(', ')}], expected [N]`);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new IdxError(`${name}: ${n} images but ${labels.shape[0]} labels`);
  const labelArray = Int32Array.from(labels.data);
  const bad = labelArray.findIndex((l) => l >= classes.length);
  if (bad >= 0) throw new IdxError(`${name}: label ${labelArray[bad]} at index ${bad} is out of range for ${classes.length} classes`);
  return {
    name,
    classes,
    labels: labelArray,
    pixels: (i) => ({ width: w, height: h, channels, data: toChannels(images.data.subarray(i * h * w, (i + 1) * h * w), channels) }),
  };
}
