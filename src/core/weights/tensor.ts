import { WeightsError } from './errors';

/** Dtype names as PyTorch prints them (`str(t.dtype)` without the `torch.`). */
export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** float16 and bfloat16 keep their raw bits in a Uint16Array; bool is 0/1 in a Uint8Array. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** A contiguous (row-major) tensor. A 0-dim tensor has shape [] and one element. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export const ITEM_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) count *= size;
  return count;
}

/** The typed array that holds each dtype's elements. */
const ARRAY_TYPES: Readonly<Record<DType, { new (length: number): TensorData; new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData }>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

export function allocate(dtype: DType, length: number): TensorData {
  return new ARRAY_TYPES[dtype](length);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes a reader allocates for one file's tensors, checked before each allocation. */
export class TensorBudget {
  /** Storage bytes inflated or copied (each storage once). */
  storageBytes = 0;
  /** Bytes copied for views that cannot share their storage (strided, expanded, byte-swapped). */
  viewBytes = 0;
  constructor(
    readonly file: string,
    /** Most storage bytes one file may hold. */
    readonly maxStorageBytes: number,
    /** View copies may add at most this much beyond the storages themselves. */
    readonly minViewAllowance = 64 << 20,
  ) {}
  /** Records `bytes` more of storage; false when over the budget. */
  addStorage(bytes: number): boolean {
    if (this.storageBytes + bytes > this.maxStorageBytes) return false;
    this.storageBytes += bytes;
    return true;
  }
  /** Records `bytes` more of view copies; false when the copies would outgrow the storages they come from. */
  addView(bytes: number): boolean {
    if (this.viewBytes + bytes > Math.max(this.storageBytes, this.minViewAllowance)) return false;
    this.viewBytes += bytes;
    return true;
  }
}

/**
 * `bytes` itself when typed arrays of any item size can view it, else an aligned copy. Node's Buffer#slice shares
 * memory, so the copy is made with the Uint8Array constructor.
 */
export function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
}

/**
 * The tensor a strided view of `storage` selects: a view sharing the storage's memory when the view is contiguous,
 * aligned and in the host's byte order, else a copy (`copied` says how many bytes; the caller budgets them).
 * The caller has checked that every selected element lies inside `storage`.
 */
export function viewOrGather(
  storage: Uint8Array,
  fileIsLittleEndian: boolean,
  dtype: DType,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
  budget?: TensorBudget,
): Tensor {
  const itemSize = ITEM_SIZE[dtype];
  const count = elementCount(shape);
  const start = storage.byteOffset + offset * itemSize;
  if (count > 0 && isContiguous(shape, stride) && start % itemSize === 0 && (fileIsLittleEndian === HOST_IS_LITTLE_ENDIAN || itemSize === 1)) {
    return { dtype, shape: [...shape], data: typedView(dtype, storage.buffer, start, count) };
  }
  if (budget && !budget.addView(count * itemSize)) {
    throw new WeightsError(
      'unsupported',
      budget.file,
      `copying its strided tensor views would take more than ${Math.max(budget.storageBytes, budget.minViewAllowance)} bytes beyond ` +
        `its ${budget.storageBytes} bytes of storage (views that repeat or expand a storage, as no saved model does); refusing it`,
    );
  }
  return gatherView(storage, fileIsLittleEndian, dtype, offset, shape, stride);
}

function typedView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData {
  return new ARRAY_TYPES[dtype](buffer, byteOffset, length);
}

/**
 * Copies the elements a strided view selects out of its storage bytes into a new contiguous tensor.
 * The caller has checked that every selected element lies inside `storage`.
 */
export function gatherView(
  storage: Uint8Array,
  fileIsLittleEndian: boolean,
  dtype: DType,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): Tensor {
  const itemSize = ITEM_SIZE[dtype];
  const count = elementCount(shape);
  const data = allocate(dtype, count);
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (count > 0) {
    if (isContiguous(shape, stride)) {
      out.set(storage.subarray(offset * itemSize, (offset + count) * itemSize));
    } else {
      copyStrided(storage, out, itemSize, offset, shape, stride);
    }
    if (fileIsLittleEndian !== HOST_IS_LITTLE_ENDIAN && itemSize > 1) swapBytes(out, itemSize);
  }
  return { dtype, shape: [...shape], data };
}

export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    // dims of size 1 may carry any stride, as in PyTorch's is_contiguous()
    if (shape[dim] !== 1 && stride[dim] !== expected) return false;
    expected *= shape[dim];
  }
  return true;
}

/** Copies element by element in whole words (1, 2 or 4 bytes; an 8-byte item is two words). */
function copyStrided(
  storage: Uint8Array,
  out: Uint8Array,
  itemSize: number,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): void {
  const wordSize = Math.min(itemSize, 4);
  const words = itemSize / wordSize;
  // typed views need aligned offsets; a misaligned storage is copied once to an aligned buffer
  const source = storage.byteOffset % wordSize === 0 ? storage : aligned(storage);
  const from = wordView(source, wordSize);
  const to = wordView(out, wordSize);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const innerSize = shape[last];
  const innerStep = stride[last] * words;
  let base = offset * words;
  let written = 0;
  for (;;) {
    let at = base;
    if (words === 1) {
      for (let i = 0; i < innerSize; i++, at += innerStep) to[written++] = from[at];
    } else {
      for (let i = 0; i < innerSize; i++, at += innerStep) {
        to[written++] = from[at];
        to[written++] = from[at + 1];
      }
    }
    // odometer over the outer dims
    let dim = last - 1;
    while (dim >= 0) {
      index[dim]++;
      base += stride[dim] * words;
      if (index[dim] < shape[dim]) break;
      base -= stride[dim] * words * shape[dim];
      index[dim] = 0;
      dim--;
    }
    if (dim < 0) return;
  }
}

function wordView(bytes: Uint8Array, wordSize: number): Uint8Array | Uint16Array | Uint32Array {
  const length = Math.floor(bytes.byteLength / wordSize);
  if (wordSize === 4) return new Uint32Array(bytes.buffer, bytes.byteOffset, length);
  if (wordSize === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, length);
  return bytes;
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let at = 0; at < bytes.length; at += itemSize) {
    for (let i = 0, j = itemSize - 1; i < j; i++, j--) {
      const t = bytes[at + i];
      bytes[at + i] = bytes[at + j];
      bytes[at + j] = t;
    }
  }
}

/** IEEE half-precision bits -> number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | null = null;

/** Every float16 bit pattern widened once: a checkpoint's millions of halves then cost a lookup each. */
function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = halfToNumber(i);
  }
  return halfTable;
}

/** The tensor's values as float32; a float32 tensor's own array is returned, not a copy. */
export function toFloat32(tensor: Tensor): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === 'float32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'bfloat16') {
    // bfloat16 is the top half of a float32
    const bits = new Uint32Array(out.buffer);
    const source = data as Uint16Array;
    for (let i = 0; i < source.length; i++) bits[i] = source[i] << 16;
  } else if (dtype === 'float16') {
    const source = data as Uint16Array;
    const table = halfValues();
    for (let i = 0; i < source.length; i++) out[i] = table[source[i]];
  } else if (dtype === 'int64') {
    const source = data as BigInt64Array;
    for (let i = 0; i < source.length; i++) out[i] = Number(source[i]);
  } else {
    out.set(data as Exclude<TensorData, BigInt64Array>);
  }
  return out;
}

/** The tensor's values as float64 (exact for every dtype but int64 beyond 2^53). */
export function toFloat64(tensor: Tensor): Float64Array {
  const { dtype, data } = tensor;
  // Halves and bfloat16 are exact in float32, so their float32 widening is exact here too.
  if (dtype === 'float32' || dtype === 'bfloat16' || dtype === 'float16') return Float64Array.from(toFloat32(tensor));
  if (dtype === 'int64') return Float64Array.from(data as BigInt64Array, Number);
  return Float64Array.from(data as Exclude<TensorData, BigInt64Array>);
}

/** PyTorch's rendering of a shape, as in its error messages: `torch.Size([10, 2048])`. */
export function formatTorchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}
