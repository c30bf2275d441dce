/**
 * A state_dict as `torch.save` writes it (torch 1.13): a zip of stored entries `archive/data.pkl` (pickle protocol 2,
 * opcode for opcode what Python's pickler emits for model.state_dict(): an OrderedDict of
 * torch._utils._rebuild_tensor_v2 calls whose storages are persistent ids ('storage', torch.FloatStorage, key,
 * 'cpu', numel), then its `_metadata`), `archive/data/<key>` (each storage's bytes, little-endian, aligned to
 * 64 bytes as PyTorchStreamWriter aligns them) and `archive/version`. torch.load and our reader read it.
 */
import { zipSync } from 'fflate';
import type { Analysis } from '../model/ir';
import { type DType, type Tensor, ITEM_SIZE, elementCount } from '../weights/tensor';

/** torch's legacy storage class per dtype (what `TypedStorage.pickle_storage_type()` names). */
const STORAGE_TYPE: Record<DType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** PyTorchStreamWriter's kFieldAlignment. */
const ALIGNMENT = 64;
/** The zip format version torch 1.13 writes in `version`. */
const FILE_FORMAT_VERSION = '3\n';

/** Python's pickler, protocol 2, for the few kinds of object a state_dict holds; memo indices as Python assigns them. */
class Pickler {
  private readonly out: number[] = [];
  private memoSize = 0;
  /** Objects Python would find in its memo (the same object saved again): globals and the shared strings. */
  private readonly memo = new Map<string, number>();

  constructor() {
    this.out.push(0x80, 2);
  }

  private byte(...b: number[]): void {
    for (const v of b) this.out.push(v);
  }

  private u32(v: number): void {
    this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  /** BINPUT / LONG_BINPUT; `shared` names an object that will be saved again (memo hits use BINGET). */
  put(shared?: string): void {
    const i = this.memoSize++;
    if (shared !== undefined) this.memo.set(shared, i);
    if (i < 256) this.byte(0x71, i);
    else {
      this.byte(0x72);
      this.u32(i);
    }
  }

  private get(shared: string): boolean {
    const i = this.memo.get(shared);
    if (i === undefined) return false;
    if (i < 256) this.byte(0x68, i);
    else {
      this.byte(0x6a);
      this.u32(i);
    }
    return true;
  }

  mark(): void {
    this.byte(0x28);
  }

  /** GLOBAL 'module\nname\n', memoized as Python memoizes the class or function object. */
  global(module: string, name: string): void {
    const id = `global:${module}.${name}`;
    if (this.get(id)) return;
    this.byte(0x63, ...utf8(`${module}\n${name}\n`));
    this.put(id);
  }

  /** BINUNICODE; `shared` for one string object saved several times ('storage', 'cpu', 'version'). */
  str(s: string, shared?: boolean): void {
    if (shared && this.get(`str:${s}`)) return;
    const b = utf8(s);
    this.byte(0x58);
    this.u32(b.length);
    this.byte(...b);
    this.put(shared ? `str:${s}` : undefined);
  }

  int(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`cannot pickle ${v} as an int`);
    if (v >= 0 && v <= 0xff) this.byte(0x4b, v);
    else if (v >= 0 && v <= 0xffff) this.byte(0x4d, v & 0xff, v >> 8);
    else if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.byte(0x4a);
      this.u32(v >>> 0);
    } else {
      // LONG1: little-endian two's complement, as few bytes as hold the sign
      const bytes: number[] = [];
      let x = BigInt(v);
      for (;;) {
        const b = Number(x & 0xffn);
        bytes.push(b);
        x >>= 8n;
        if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
      }
      this.byte(0x8a, bytes.length, ...bytes);
    }
  }

  /** A tuple of ints as save_tuple writes it: EMPTY_TUPLE, TUPLE1..3, or MARK ... TUPLE; memoized when not empty. */
  intTuple(values: readonly number[]): void {
    if (values.length === 0) {
      this.byte(0x29);
      return;
    }
    if (values.length > 3) this.mark();
    for (const v of values) this.int(v);
    this.byte(values.length === 1 ? 0x85 : values.length === 2 ? 0x86 : values.length === 3 ? 0x87 : 0x74);
    this.put();
  }

  /** Closes a MARK-ed tuple (TUPLE) and memoizes it. */
  tuple(): void {
    this.byte(0x74);
    this.put();
  }

  /** `cls()` as save_reduce writes it for an OrderedDict: the class, (), REDUCE, memoized. */
  newOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.byte(0x29, 0x52);
    this.put();
  }

  emptyDict(): void {
    this.byte(0x7d);
    this.put();
  }

  /** _batch_setitems: batches of 1000, SETITEM for a batch of one, MARK ... SETITEMS otherwise. */
  setItems<T>(items: readonly T[], save: (item: T) => void): void {
    for (let start = 0; start < items.length; start += 1000) {
      const batch = items.slice(start, start + 1000);
      if (batch.length === 1) {
        save(batch[0]!);
        this.byte(0x73);
        continue;
      }
      this.mark();
      for (const item of batch) save(item);
      this.byte(0x75);
    }
  }

  raw(...b: number[]): void {
    this.byte(...b);
  }

  finish(): Uint8Array {
    this.byte(0x2e);
    return Uint8Array.from(this.out);
  }
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Row-major strides of a contiguous tensor. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/** A module path and its class's `_version`, in named_modules() order: the state_dict's `_metadata`. */
export type ModuleVersions = [path: string, version: number][];

/**
 * The `_metadata` model.state_dict() carries: the root, each container and each module the forward calls, with
 * `_version` (2 for BatchNorm, 1 for the rest). Modules forward never calls are not known and not listed.
 */
export function moduleVersions(analysis: Analysis): ModuleVersions {
  const out = new Map<string, number>([['', 1]]);
  for (const node of analysis.graph.nodes) {
    if (node.kind !== 'module' || !node.path) continue;
    const parts = node.path.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (!out.has(prefix)) out.set(prefix, 1);
    }
    if (!out.has(node.path)) out.set(node.path, node.parameters.some((p) => p.name === 'running_mean') ? 2 : 1);
  }
  return [...out];
}

export interface PthWriteOptions {
  /** The state_dict's `_metadata` (omitted when not given: a plain OrderedDict). */
  metadata?: ModuleVersions;
  /** The archive's folder inside the zip (torch.save names it after the file; 'archive' for a buffer). */
  archiveName?: string;
}

/** torch.save(state_dict) for contiguous tensors: the .pth file's bytes. */
export function writeStateDictPth(tensors: ReadonlyMap<string, Tensor>, options: PthWriteOptions = {}): Uint8Array {
  const archive = options.archiveName ?? 'archive';
  const p = new Pickler();
  const storages: Uint8Array[] = [];
  p.newOrderedDict();
  p.setItems([...tensors], ([key, t]) => {
    if (t.data.length !== elementCount(t.shape)) throw new RangeError(`${key}: ${t.data.length} elements for shape [${t.shape.join(', ')}]`);
    p.str(key);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.mark();
    // the storage's persistent id
    p.mark();
    p.str('storage', true);
    p.global('torch', STORAGE_TYPE[t.dtype]);
    p.str(String(storages.length));
    p.str('cpu', true);
    p.int(t.data.length);
    p.tuple();
    p.raw(0x51); // BINPERSID
    p.int(0); // storage_offset
    p.intTuple(t.shape);
    p.intTuple(strides(t.shape));
    p.raw(0x89); // requires_grad=False
    p.newOrderedDict(); // backward_hooks
    p.tuple();
    p.raw(0x52); // REDUCE
    p.put();
    storages.push(littleEndian(t));
  });
  if (options.metadata) {
    p.emptyDict();
    p.setItems([0], () => {
      p.str('_metadata');
      p.newOrderedDict();
      p.setItems(options.metadata!, ([path, version]) => {
        p.str(path);
        p.emptyDict();
        p.setItems([0], () => {
          p.str('version', true);
          p.int(version);
        });
      });
    });
    p.raw(0x62); // BUILD
  }
  const pickle = p.finish();

  // torch writes the storages in sorted(key) order: '0', '1', '10', '11', ..., '2'
  const keys = storages.map((_, i) => String(i)).sort();
  const entries: [string, Uint8Array][] = [[`${archive}/data.pkl`, pickle], ...keys.map((k): [string, Uint8Array] => [`${archive}/data/${k}`, storages[Number(k)]!]), [`${archive}/version`, utf8(FILE_FORMAT_VERSION)]];
  const files: Record<string, [Uint8Array, { level: 0; mtime: Date; extra: Record<number, Uint8Array> }]> = {};
  let offset = 0;
  for (const [name, data] of entries) {
    const nameLength = utf8(name).length;
    // an 'FB' extra field of 'Z's pads the local header so the data starts on a 64-byte boundary
    const pad = (ALIGNMENT - ((offset + 30 + nameLength + 4) % ALIGNMENT)) % ALIGNMENT;
    files[name] = [data, { level: 0, mtime: new Date(1980, 0, 1), extra: { 0x4246: new Uint8Array(pad).fill(0x5a) } }];
    offset += 30 + nameLength + 4 + pad + data.length;
  }
  return zipSync(files);
}

function littleEndian(t: Tensor): Uint8Array {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * ITEM_SIZE[t.dtype]);
  const bigEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
  if (!bigEndianHost) return bytes.slice();
  const out = bytes.slice();
  const size = ITEM_SIZE[t.dtype];
  for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}
