/** Reader for `.safetensors`: an 8-byte little-endian header length, a JSON header, then the raw tensor bytes. */
import { type Checkpoint, stripDataParallelPrefix } from './checkpoint';
import { WeightsError, guarded } from './errors';
import { escapeControls } from '../text';
import { type DType, ITEM_SIZE, aligned, elementCount, viewOrGather } from './tensor';

// a Map: a dtype named '__proto__' or 'constructor' in the file must not reach Object.prototype
const DTYPES: ReadonlyMap<string, DType> = new Map(Object.entries({
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
} satisfies Record<string, DType>));

/** The format's own cap on the header size. */
const MAX_HEADER_BYTES = 100 << 20;

/** True when the bytes start like a safetensors file (a sane header length, then '{'). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(0, true);
  return length >= 2n && length <= BigInt(MAX_HEADER_BYTES) && bytes[8] === 0x7b;
}

export function readSafetensors(bytes: Uint8Array, file: string): Checkpoint {
  return guarded(file, () => readUnguarded(bytes, file));
}

function readUnguarded(bytes: Uint8Array, file: string): Checkpoint {
  const bad = (detail: string): never => {
    throw new WeightsError('bad-safetensors', file, detail);
  };
  if (bytes.length < 8) bad('is too short to be a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) bad(`declares a ${declared}-byte header, over the format's 100 MB limit`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    throw new WeightsError('truncated', file, `declares a ${headerLength}-byte header but the file has ${bytes.length} bytes (truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return bad('has a header that is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return bad('has a header that is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const checkpoint: Checkpoint = {
    format: 'safetensors',
    file,
    tensors: new Map(),
    source: null,
    ignoredKeys: [],
    strippedPrefix: null,
    moduleMetadata: null,
    fileMetadata: null,
    notes: [],
  };
  const ranges: [number, number, string][] = [];
  const planned: [string, DType, number[], number][] = [];
  for (const [key, info] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      checkpoint.fileMetadata = readMetadata(info, bad);
      continue;
    }
    const name = escapeControls(key.slice(0, 200));
    if (typeof info !== 'object' || info === null) return bad(`describes tensor '${name}' with something that is not an object`);
    const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
    const dtype = typeof code === 'string' ? DTYPES.get(code) : undefined;
    if (!dtype) return bad(`gives tensor '${name}' the unsupported dtype ${escapeControls(JSON.stringify(code) ?? 'undefined').slice(0, 80)}`);
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return bad(`gives tensor '${name}' a shape that is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return bad(`gives tensor '${name}' data_offsets that are not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const count = elementCount(shape as number[]);
    const needed = count * ITEM_SIZE[dtype];
    if (begin > end || end > data.length) {
      return bad(`gives tensor '${name}' the byte range [${begin}, ${end}), outside the ${data.length} data bytes`);
    }
    if (end - begin !== needed) {
      return bad(`gives tensor '${name}' ${end - begin} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${needed}`);
    }
    ranges.push([begin, end, name]);
    planned.push([key, dtype, shape as number[], begin]);
  }
  // overlaps are refused before any tensor is built, so nothing is copied for a file that aliases its bytes
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1] && ranges[i][0] !== ranges[i][1]) {
      bad(`stores tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' in overlapping bytes`);
    }
  }
  // one aligned copy of the data at most; tensors are views of it (a tensor at an odd offset is copied alone)
  const storage = aligned(data);
  for (const [key, dtype, shape, begin] of planned) {
    const itemSize = ITEM_SIZE[dtype];
    const tensor =
      begin % itemSize === 0
        ? viewOrGather(storage, true, dtype, begin / itemSize, shape, contiguousStrides(shape))
        : viewOrGather(storage.subarray(begin), true, dtype, 0, shape, contiguousStrides(shape));
    checkpoint.tensors.set(key, tensor);
  }
  stripDataParallelPrefix(checkpoint);
  return checkpoint;
}

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    strides[dim] = step;
    step *= shape[dim];
  }
  return strides;
}

function readMetadata(value: unknown, bad: (detail: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('has a __metadata__ that is not an object');
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
    if (typeof text !== 'string') bad(`has a __metadata__ value for '${key}' that is not a string`);
    out[key] = text as string;
  }
  return out;
}
