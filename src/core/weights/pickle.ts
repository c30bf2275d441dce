/**
 * A pickle reader that only builds data. Globals are looked up in an allow-list of what a tensor checkpoint
 * needs and replaced by our own implementations; nothing named in the pickle is ever called.
 */
import { WeightsError } from './errors';
import type { DType } from './tensor';

/** A global the allow-list admitted (a storage class, a dtype, a rebuild function), by its Python 3 name. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python dict or OrderedDict; `state` is what BUILD gave it (an OrderedDict state_dict's `_metadata`). */
export class PyDict extends Map<unknown, unknown> {
  state: unknown = undefined;
}

/** A storage named by a persistent id; its bytes are read later, and only if a selected tensor uses it. */
export class StorageRef {
  constructor(
    readonly key: string,
    /** 'untyped' for torch.UntypedStorage, whose size counts bytes. */
    readonly dtype: DType | 'untyped',
    readonly size: number,
    readonly location: string,
  ) {}
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, ...)` as data: a strided view of a storage. */
export class PickledTensor {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A numpy dtype as numpy pickles it (`numpy.dtype('f8', False, True)` then BUILD with the byte order). */
export class NumpyDtype {
  byteOrder = '<';
  constructor(readonly code: string) {}
}

export interface UnpickleOptions {
  /** Named in every error. */
  file: string;
  /** The archive member being read, named in errors ("archive/data.pkl"). */
  member?: string;
  /** Resolves a persistent id (torch: a storage). */
  persistentLoad?: (pid: unknown) => unknown;
  /** Deepest nesting of containers accepted (default 256). */
  maxDepth?: number;
  /** Most values the pickle may create or store (pushes, container items, memo entries; default 2,000,000). */
  maxObjects?: number;
}

/** The default of maxObjects: a state_dict of 10,000 tensors needs about 200,000; 2M empty dicts take about 450 MB. */
export const MAX_PICKLE_OBJECTS = 2_000_000;

// Maps, not objects: names from the file must never reach Object.prototype ('constructor', '__proto__')
const STORAGE_DTYPES: ReadonlyMap<string, DType | 'untyped'> = new Map(Object.entries({
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'untyped',
} satisfies Record<string, DType | 'untyped'>));

const TORCH_DTYPES: ReadonlyMap<string, DType> = new Map(Object.entries({
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
} satisfies Record<string, DType>));

/** Python 2 module names that protocol 2 writes (pickle's fix_imports), by their Python 3 names. */
const PY2_MODULES: ReadonlyMap<string, string> = new Map(Object.entries({
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  commands: 'subprocess',
  cPickle: 'pickle',
  exceptions: 'builtins',
  UserDict: 'collections',
}));

const REBUILD_FUNCTIONS = new Set([
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

const TENSOR_CLASSES = new Set(['torch._tensor.Tensor', 'torch.Tensor', 'torch.nn.parameter.Parameter']);

const OTHER_ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Size',
  'torch.device',
  '_codecs.encode',
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'numpy.dtype',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
]);

function isAllowed(qualifiedName: string, module: string, name: string): boolean {
  if (REBUILD_FUNCTIONS.has(qualifiedName) || TENSOR_CLASSES.has(qualifiedName) || OTHER_ALLOWED.has(qualifiedName)) {
    return true;
  }
  if ((module === 'torch' || module === 'torch.storage') && STORAGE_DTYPES.has(name)) return true;
  return module === 'torch' && TORCH_DTYPES.has(name);
}

/** What the error says about a refused global. */
function refusal(module: string, name: string, written: string): string {
  const qualified = `${module}.${name}`;
  const alias = written !== qualified ? ` (written as '${written}')` : '';
  let hint = ' A tensor checkpoint never needs it: the file may be malicious. Nothing in it was run.';
  if (module === '__main__' || module.startsWith('torch.nn.') || module.startsWith('torchvision.')) {
    hint =
      ' The file looks like a whole pickled model (torch.save(model)), which needs its Python classes;' +
      ' re-save its weights with torch.save(model.state_dict(), path). Nothing in it was run.';
  }
  return `refused to load global '${qualified}'${alias}: only tensor-checkpoint globals are allowed.${hint}`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toInt(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

class Reader {
  at = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8');
  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: (detail: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(count: number): number {
    if (count < 0 || this.at + count > this.bytes.length) this.fail(`ends inside an opcode at byte ${this.at} (truncated?)`);
    const start = this.at;
    this.at += count;
    return start;
  }
  u8(): number {
    return this.bytes[this.need(1)];
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u64(): number {
    const value = this.view.getBigUint64(this.need(8), true);
    if (value > MAX_SAFE) this.fail(`declares a length of ${value} bytes`);
    return Number(value);
  }
  f64be(): number {
    return this.view.getFloat64(this.need(8), false);
  }
  raw(count: number): Uint8Array {
    const start = this.need(count);
    return this.bytes.subarray(start, start + count);
  }
  utf8(count: number): string {
    return this.decoder.decode(this.raw(count));
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.at);
    if (end < 0) this.fail(`ends inside a text opcode at byte ${this.at} (truncated?)`);
    let text = '';
    for (let i = this.at; i < end; i++) text += String.fromCharCode(this.bytes[i]);
    this.at = end + 1;
    return text;
  }
}

/** Unpickles `bytes` into plain data: see the classes above for what stands for tensors, storages and dicts. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const { file } = options;
  const member = options.member ?? 'the pickle';
  const maxDepth = options.maxDepth ?? 256;
  const fail = (detail: string, code: 'bad-pickle' | 'too-deep' | 'unsupported' = 'bad-pickle'): never => {
    throw new WeightsError(code, file, `${member} ${detail}`);
  };
  const reader = new Reader(bytes, fail);
  const maxObjects = options.maxObjects ?? MAX_PICKLE_OBJECTS;
  let objects = 0;
  /** Counts `n` more values created or stored; a pickle of a few KB can otherwise build millions of dicts. */
  const spend = (n: number): void => {
    objects += n;
    if (objects > maxObjects) {
      fail(`creates more than ${maxObjects} objects, far more than a state_dict needs; refusing it (a pickle bomb?)`, 'unsupported');
    }
  };
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const depth = new WeakMap<object, number>();
  const frozen = new WeakSet<unknown[]>();

  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? depth.get(value) ?? 1 : 0;
  /** Records that `child` now sits inside `parent`; deep structures are refused as they are built. */
  const nest = (parent: object, child: unknown): void => {
    const nested = depthOf(child) + 1;
    if (nested > (depth.get(parent) ?? 1)) {
      if (nested > maxDepth) fail(`nests containers deeper than ${maxDepth} levels`, 'too-deep');
      depth.set(parent, nested);
    }
  };
  const tuple = (items: unknown[]): unknown[] => {
    for (const item of items) nest(items, item);
    frozen.add(items);
    return items;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`pops an empty stack at byte ${reader.at}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(`reads an empty stack at byte ${reader.at}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) fail(`uses a MARK that was never set at byte ${reader.at}`);
    stack = previous as unknown[];
    return items;
  };
  const list = (value: unknown): unknown[] => {
    if (!Array.isArray(value) || frozen.has(value)) fail(`appends to something that is not a list at byte ${reader.at}`);
    return value as unknown[];
  };
  const dict = (value: unknown): PyDict => {
    if (!(value instanceof PyDict)) fail(`sets an item on something that is not a dict at byte ${reader.at}`);
    return value as PyDict;
  };
  const setItem = (target: PyDict, key: unknown, value: unknown): void => {
    target.set(key, value);
    nest(target, value);
  };
  const global = (module: string, name: string): PyGlobal => {
    const written = `${module}.${name}`;
    const python3Module = PY2_MODULES.get(module) ?? module;
    if (!isAllowed(`${python3Module}.${name}`, python3Module, name)) {
      throw new WeightsError('forbidden-global', file, refusal(python3Module, name, written));
    }
    return new PyGlobal(python3Module, name);
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PyGlobal)) fail(`calls something that is not a global at byte ${reader.at}`);
    if (!Array.isArray(args)) fail(`calls ${(callable as PyGlobal).qualifiedName} without an argument tuple`);
    // the stand-ins copy their list, bytes and text arguments: the same big list passed again and again is paid for
    for (const arg of args as unknown[]) {
      if (Array.isArray(arg)) spend(arg.length);
      else if (arg instanceof Uint8Array || typeof arg === 'string') spend(Math.ceil(arg.length / 8));
    }
    return construct(callable as PyGlobal, args as unknown[], fail);
  };

  for (;;) {
    if (reader.at >= bytes.length) fail('ends without a STOP opcode (truncated?)');
    const opcodeAt = reader.at;
    const opcode = reader.u8();
    spend(1);
    switch (opcode) {
      case 0x80: {
        // PROTO
        const protocol = reader.u8();
        if (protocol > 5) fail(`uses pickle protocol ${protocol}; at most 5 is supported`, 'unsupported');
        break;
      }
      case 0x95: // FRAME: framing only groups opcodes
        reader.u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        if (marks.length >= maxDepth) fail(`nests containers deeper than ${maxDepth} levels`, 'too-deep');
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0 && marks.length > 0) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(reader.u8());
        break;
      case 0x4d: // BININT2
        stack.push(reader.u16());
        break;
      case 0x4a: // BININT
        stack.push(reader.i32());
        break;
      case 0x8a: // LONG1
        stack.push(readLong(reader.raw(reader.u8()), fail));
        break;
      case 0x8b: {
        // LONG4
        const length = reader.i32();
        stack.push(readLong(reader.raw(length), fail));
        break;
      }
      case 0x49: {
        // INT: text; 00 and 01 are protocol 0's False and True
        const text = reader.line();
        if (text === '00') stack.push(false);
        else if (text === '01') stack.push(true);
        else stack.push(parseIntText(text, fail));
        break;
      }
      case 0x4c: // LONG: text with a trailing L
        stack.push(parseIntText(reader.line().replace(/L$/, ''), fail));
        break;
      case 0x46: {
        // FLOAT: text
        const text = reader.line();
        const value = Number(text);
        if (Number.isNaN(value) && !/nan/i.test(text)) fail(`holds a malformed FLOAT at byte ${opcodeAt}`);
        stack.push(value);
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(reader.f64be());
        break;
      case 0x58: // BINUNICODE
        stack.push(reader.utf8(reader.u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(reader.utf8(reader.u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(reader.utf8(reader.u64()));
        break;
      case 0x56: // UNICODE: raw-unicode-escape text
        stack.push(decodeRawUnicodeEscape(reader.line()));
        break;
      case 0x53: // STRING: a quoted Python 2 str, read as text as torch.load does
        stack.push(decodeQuotedString(reader.line(), fail));
        break;
      case 0x54: // BINSTRING
        stack.push(reader.utf8(reader.i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(reader.utf8(reader.u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(reader.raw(reader.u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(reader.raw(reader.u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(reader.raw(reader.u64()).slice());
        break;
      case 0x97: // NEXT_BUFFER
        fail('uses out-of-band buffers (NEXT_BUFFER), which a checkpoint never needs', 'unsupported');
        break;
      case 0x98: // READONLY_BUFFER: the buffer on top stays as it is
        top();
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so it runs before the push is looked up)
        const items = tuple(popMark());
        stack.push(items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        for (const item of items) nest(items, item);
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        const target = list(top());
        target.push(item);
        nest(target, item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const target = list(top());
        for (const item of items) {
          target.push(item);
          nest(target, item);
        }
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const target = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) setItem(target, items[i], items[i + 1]);
        stack.push(target);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItem(dict(top()), key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const target = dict(top());
        if (items.length % 2) fail(`has an odd number of SETITEMS operands at byte ${opcodeAt}`);
        for (let i = 0; i < items.length; i += 2) setItem(target, items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const target = top();
        if (!(target instanceof Set)) fail(`adds items to something that is not a set at byte ${opcodeAt}`);
        for (const item of items) {
          (target as Set<unknown>).add(item);
          nest(target as Set<unknown>, item);
        }
        break;
      }
      case 0x91: {
        // FROZENSET
        const set = new Set(popMark());
        for (const item of set) nest(set, item);
        stack.push(set);
        break;
      }
      case 0x70: // PUT
        memo.set(parseIndex(reader.line(), fail), top());
        break;
      case 0x71: // BINPUT
        memo.set(reader.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(reader.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(recall(memo, parseIndex(reader.line(), fail), fail));
        break;
      case 0x68: // BINGET
        stack.push(recall(memo, reader.u8(), fail));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(recall(memo, reader.u32(), fail));
        break;
      case 0x63: {
        // GLOBAL
        const module = reader.line();
        stack.push(global(module, reader.line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(`has a STACK_GLOBAL without names at byte ${opcodeAt}`);
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: the copyreg extension registry names globals by number; none is allowed
        const code = opcode === 0x82 ? reader.u8() : opcode === 0x83 ? reader.u16() : reader.i32();
        throw new WeightsError(
          'forbidden-global',
          file,
          `${member} refers to a global through the extension registry (code ${code}): refused, only tensor-checkpoint globals are allowed. Nothing in it was run.`,
        );
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(call(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof PyDict) || kwargs.size > 0) fail(`passes keyword arguments to a constructor at byte ${opcodeAt}`);
        stack.push(call(cls, args));
        break;
      }
      case 0x69: {
        // INST: module and name on the line, arguments since the mark
        const module = reader.line();
        const cls = global(module, reader.line());
        const made = call(cls, popMark());
        stack.push(made);
        break;
      }
      case 0x6f: {
        // OBJ: class then arguments since the mark
        const items = popMark();
        if (items.length === 0) fail(`has an OBJ without a class at byte ${opcodeAt}`);
        const made = call(items[0], items.slice(1));
        stack.push(made);
        break;
      }
      case 0x62: {
        // BUILD: state onto the object; only data is stored, no __setstate__ exists here
        const state = pop();
        const target = top();
        if (target instanceof PyDict) {
          target.state = state;
          nest(target, state);
        } else if (target instanceof NumpyDtype && Array.isArray(state) && typeof state[1] === 'string') {
          target.byteOrder = state[1];
        }
        break;
      }
      case 0x50: {
        // PERSID
        const pid = reader.line();
        stack.push(persistent(pid));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      default:
        fail(`holds an unknown opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${opcodeAt}: not a pickle, or damaged`);
    }
  }

  function persistent(pid: unknown): unknown {
    if (!options.persistentLoad) fail('refers to external data (a persistent id) that this reader cannot resolve');
    return options.persistentLoad!(pid);
  }
}

function recall(memo: Map<number, unknown>, index: number, fail: (detail: string) => never): unknown {
  if (!memo.has(index)) fail(`reads memo entry ${index}, which was never stored`);
  return memo.get(index);
}

/** Longest integer accepted, in bytes or digits: checkpoints hold small ints, and BigInt parsing is quadratic. */
const MAX_INT_LENGTH = 1024;

function readLong(bytes: Uint8Array, fail: (detail: string) => never): number | bigint {
  if (bytes.length === 0) return 0;
  if (bytes.length > MAX_INT_LENGTH) fail(`holds a ${bytes.length}-byte integer, longer than any checkpoint needs`);
  let hex = '0x';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, '0');
  let value = BigInt(hex);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return toInt(value);
}

function parseIntText(text: string, fail: (detail: string) => never): number | bigint {
  if (text.length > MAX_INT_LENGTH) fail(`holds a ${text.length}-digit integer, longer than any checkpoint needs`);
  if (!/^[+-]?\d+$/.test(text.trim())) fail(`holds a malformed integer '${text.slice(0, 40)}'`);
  return toInt(BigInt(text.trim()));
}

function parseIndex(text: string, fail: (detail: string) => never): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) fail(`holds a malformed memo index '${text.slice(0, 40)}'`);
  return value;
}

function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, short: string, long: string) =>
    String.fromCodePoint(parseInt(short ?? long, 16)),
  );
}

const ESCAPES: ReadonlyMap<string, string> = new Map(Object.entries({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' }));

function decodeQuotedString(text: string, fail: (detail: string) => never): string {
  const quote = text[0];
  if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) {
    fail(`holds a malformed STRING '${text.slice(0, 40)}'`);
  }
  return text
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escape: string) =>
      escape[0] === 'x' && escape.length === 3 ? String.fromCharCode(parseInt(escape.slice(1), 16)) : ESCAPES.get(escape) ?? `\\${escape}`,
    );
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function intList(value: unknown): number[] | null {
  if (!Array.isArray(value) || !value.every(isSafeCount)) return null;
  return [...(value as number[])];
}

/** Our stand-ins for the allowed callables: each only checks its arguments and builds data. */
function construct(callable: PyGlobal, args: unknown[], fail: (detail: string) => never): unknown {
  const name = callable.qualifiedName;
  const bad = (why: string): never => fail(`calls ${name} with ${why}`);
  switch (name) {
    case 'collections.OrderedDict': {
      const dict = new PyDict();
      if (args.length === 0) return dict;
      const pairs = args[0];
      if (args.length > 1 || !Array.isArray(pairs)) bad('arguments other than a list of pairs');
      for (const pair of pairs as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2) bad('an item that is not a (key, value) pair');
        dict.set((pair as unknown[])[0], (pair as unknown[])[1]);
      }
      return dict;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor_v3': {
      const [storage, offset, size, stride] = args;
      const minimum = name.endsWith('v3') ? 7 : 4;
      if (args.length < minimum) bad(`${args.length} arguments`);
      if (!(storage instanceof StorageRef)) bad('a storage that is not a persistent storage reference');
      const ref = storage as StorageRef;
      let dtype: DType | 'untyped' = ref.dtype;
      if (name.endsWith('v3')) {
        const given = args[6];
        if (!(given instanceof PyGlobal) || given.module !== 'torch' || !TORCH_DTYPES.has(given.name)) bad('an unknown dtype');
        dtype = TORCH_DTYPES.get((given as PyGlobal).name)!;
      }
      if (dtype === 'untyped') bad('an untyped storage and no dtype');
      const shape = intList(size);
      const strides = intList(stride);
      if (!isSafeCount(offset)) bad('a storage offset that is not a non-negative integer');
      if (!shape || !strides || shape.length !== strides.length) bad('sizes and strides that are not matching integer tuples');
      return new PickledTensor(ref, dtype as DType, offset as number, shape as number[], strides as number[]);
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!(args[0] instanceof PickledTensor)) bad('data that is not a tensor');
      return args[0];
    case 'torch._tensor._rebuild_from_type_v2': {
      const [func, newType, funcArgs] = args;
      if (!(func instanceof PyGlobal) || !REBUILD_FUNCTIONS.has(func.qualifiedName)) bad('a function that is not a tensor rebuild');
      if (!(newType instanceof PyGlobal) || !TENSOR_CLASSES.has(newType.qualifiedName)) bad('a type that is not a tensor class');
      if (!Array.isArray(funcArgs)) bad('arguments that are not a tuple');
      return construct(func as PyGlobal, funcArgs as unknown[], fail);
    }
    case 'torch.Size': {
      const sizes = intList(args[0]);
      if (!sizes) bad('something that is not a tuple of sizes');
      return sizes;
    }
    case 'torch.device':
      if (typeof args[0] !== 'string') bad('a device that is not a string');
      return args.length > 1 && args[1] !== null ? `${args[0]}:${String(args[1])}` : args[0];
    case '_codecs.encode': {
      // protocol 2 pickles bytes as encode(text, 'latin1')
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) bad('an encoding other than latin1');
      const out = new Uint8Array((text as string).length);
      for (let i = 0; i < out.length; i++) {
        const code = (text as string).charCodeAt(i);
        if (code > 0xff) bad('text outside latin1');
        out[i] = code;
      }
      return out;
    }
    case 'builtins.set':
    case 'builtins.frozenset':
      if (args.length === 0) return new Set();
      if (!Array.isArray(args[0])) bad('something that is not a list');
      return new Set(args[0] as unknown[]);
    case 'builtins.bytearray':
      if (args.length === 0) return new Uint8Array(0);
      if (args[0] instanceof Uint8Array) return (args[0] as Uint8Array).slice();
      if (typeof args[0] === 'string' && args[1] === 'latin-1') return construct(new PyGlobal('_codecs', 'encode'), [args[0], 'latin1'], fail);
      return bad('something that is not bytes');
    case 'numpy.dtype':
      if (typeof args[0] !== 'string') bad('a dtype code that is not a string');
      return new NumpyDtype(args[0] as string);
    case 'numpy.core.multiarray.scalar':
    case 'numpy._core.multiarray.scalar': {
      const [dtype, raw] = args;
      if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) bad('something other than a dtype and bytes');
      return numpyScalar(dtype as NumpyDtype, raw as Uint8Array, bad);
    }
    default:
      return fail(`calls ${name}, which is data here, not a function`);
  }
}

function numpyScalar(dtype: NumpyDtype, raw: Uint8Array, bad: (why: string) => never): number | bigint | boolean {
  const little = dtype.byteOrder !== '>';
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const expect = (size: number): void => {
    if (raw.length !== size) bad(`${raw.length} bytes for a numpy ${dtype.code}`);
  };
  switch (dtype.code) {
    case 'f8':
      expect(8);
      return view.getFloat64(0, little);
    case 'f4':
      expect(4);
      return view.getFloat32(0, little);
    case 'i8':
      expect(8);
      return toInt(view.getBigInt64(0, little));
    case 'u8':
      expect(8);
      return toInt(view.getBigUint64(0, little));
    case 'i4':
      expect(4);
      return view.getInt32(0, little);
    case 'u4':
      expect(4);
      return view.getUint32(0, little);
    case 'i2':
      expect(2);
      return view.getInt16(0, little);
    case 'u2':
      expect(2);
      return view.getUint16(0, little);
    case 'i1':
      expect(1);
      return view.getInt8(0);
    case 'u1':
      expect(1);
      return view.getUint8(0);
    case 'b1':
      expect(1);
      return raw[0] !== 0;
    default:
      return bad(`the unsupported numpy dtype '${dtype.code}'`);
  }
}

/** The dtype of a storage class global such as torch.FloatStorage, or undefined if it is none. */
export function storageDtype(value: unknown): DType | 'untyped' | undefined {
  if (!(value instanceof PyGlobal)) return undefined;
  if (value.module !== 'torch' && value.module !== 'torch.storage') return undefined;
  return STORAGE_DTYPES.get(value.name);
}
