import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import {
  type Checkpoint,
  type ExpectedModule,
  type Tensor,
  WeightsError,
  bindStateDict,
  readCheckpoint,
  readPth,
  readSafetensors,
  toFloat32,
  toFloat64,
  unpickle,
} from '../../src/core/weights';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'weights');
const PAYLOAD_FILE = '/tmp/pwned'; // what the malicious fixtures' payloads would create

interface ExpectedTensor {
  dtype: string;
  shape: number[];
  values: number[];
  last: number | null;
  sum: number;
}
interface ExpectedFile {
  keys: string[];
  tensors: Record<string, ExpectedTensor>;
  source?: string;
  strippedPrefix?: string;
  metadata?: Record<string, string>;
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  files: Record<string, ExpectedFile>;
  bind: Record<string, unknown> & { modelName: string; modules: ExpectedModule[] };
};

const fixture = (name: string): Uint8Array => readFileSync(join(FIXTURES, name));

/** Asserts that `read` throws a WeightsError with `code`, naming `file`, and returns it. */
function refuses(read: () => unknown, code: string, file: string, pattern?: RegExp): WeightsError {
  let caught: unknown;
  try {
    read();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WeightsError, `expected a WeightsError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.startsWith(`${file}: `), caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

/** Either reads or throws a WeightsError; anything else fails the test. */
function readsOrRefuses(bytes: Uint8Array, file: string): void {
  try {
    readCheckpoint(bytes, file);
  } catch (error) {
    assert.ok(error instanceof WeightsError, `${file}: threw ${String(error)}`);
  }
}

function assertMatchesTorch(checkpoint: Checkpoint, want: ExpectedFile): void {
  assert.deepEqual([...checkpoint.tensors.keys()], want.keys);
  for (const [key, tensor] of checkpoint.tensors) {
    const w = want.tensors[key];
    assert.equal(tensor.dtype, w.dtype, key);
    assert.deepEqual(tensor.shape, w.shape, key);
    const values = toFloat64(tensor);
    assert.equal(values.length, w.shape.reduce((a, b) => a * b, 1), key);
    assert.deepEqual([...values.subarray(0, 6)], w.values, key);
    if (w.last !== null) assert.equal(values[values.length - 1], w.last, key);
    let sum = 0;
    for (const v of values) sum += v;
    assert.ok(Math.abs(sum - w.sum) <= 1e-9 * Math.max(1, Math.abs(w.sum)), `${key}: sum ${sum} != ${w.sum}`);
  }
}

// ---- reading what PyTorch wrote ----

for (const name of Object.keys(expected.files)) {
  test(`reads ${name} as PyTorch wrote it`, () => {
    const checkpoint = readCheckpointFile(join(FIXTURES, name));
    const want = expected.files[name];
    assertMatchesTorch(checkpoint, want);
    assert.equal(checkpoint.format, name.endsWith('.safetensors') ? 'safetensors' : 'pth');
    assert.equal(checkpoint.source, want.source ?? null);
    assert.equal(checkpoint.strippedPrefix, want.strippedPrefix ?? null);
    if (want.metadata) assert.deepEqual(checkpoint.fileMetadata, want.metadata);
  });
}

test('a wrapped checkpoint ignores epoch, optimizer (with its tensors) and numpy/bytes extras', () => {
  const checkpoint = readPth(fixture('wrapped_state_dict.pth'), 'wrapped_state_dict.pth');
  assert.equal(checkpoint.source, 'state_dict');
  assert.deepEqual(checkpoint.ignoredKeys, ['epoch', 'optimizer', 'best_acc', 'arch', 'tag']);
  assert.match(checkpoint.notes.join('\n'), /checkpoint\['state_dict'\]; ignored 'epoch', 'optimizer'/);
});

test('DataParallel prefixes are stripped, with a note, from keys and module metadata', () => {
  const checkpoint = readPth(fixture('data_parallel.pth'), 'data_parallel.pth');
  assert.ok([...checkpoint.tensors.keys()].every((key) => !key.startsWith('module.')));
  assert.match(checkpoint.notes.join('\n'), /'module\.' prefix/);
  assert.deepEqual(checkpoint.moduleMetadata?.get('features.1'), { version: 2 });
  assert.ok(checkpoint.moduleMetadata?.has(''));
});

test('a state_dict keeps the _metadata versions load_state_dict uses', () => {
  const checkpoint = readPth(fixture('tiny_f32.pth'), 'tiny_f32.pth');
  assert.deepEqual(checkpoint.moduleMetadata?.get('features.1'), { version: 2 });
  assert.deepEqual(checkpoint.moduleMetadata?.get('features.0'), { version: 1 });
});

test('views: contiguous views share their storage (read once), transposes and expands come out contiguous', () => {
  const checkpoint = readPth(fixture('views.pth'), 'views.pth');
  const a = checkpoint.tensors.get('shared_a')!;
  const b = checkpoint.tensors.get('shared_b')!;
  assert.equal(a.data.buffer, b.data.buffer, 'two views of one storage share its memory');
  assert.deepEqual([...toFloat32(b)], [...toFloat32(a).subarray(3, 7)]);
  const transpose = toFloat32(checkpoint.tensors.get('transpose')!);
  const base = toFloat32(checkpoint.tensors.get('base')!);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) assert.equal(transpose[i * 4 + j], base[j * 6 + i]);
});

test('toFloat32 decodes float16, bfloat16, int64 and bool', () => {
  const checkpoint = readPth(fixture('dtypes.pth'), 'dtypes.pth');
  const t = checkpoint.tensors;
  const f32 = toFloat32(t.get('f32')!);
  assert.equal(toFloat32(t.get('f32')!), t.get('f32')!.data, 'float32 is returned as is');
  const f16 = toFloat32(t.get('f16')!);
  const bf16 = toFloat32(t.get('bf16')!);
  for (let i = 0; i < f32.length; i++) {
    assert.ok(Math.abs(f16[i] - f32[i]) <= 1e-3 * Math.abs(f32[i]) + 1e-4);
    assert.ok(Math.abs(bf16[i] - f32[i]) <= 1e-2 * Math.abs(f32[i]) + 1e-3);
  }
  assert.deepEqual([...toFloat32(t.get('bool')!)], [1, 0, 1]);
  assert.equal(toFloat32(t.get('i64')!)[5], 2 ** 40);
  assert.equal((t.get('i64')!.data as BigInt64Array)[0], -(2n ** 40n));
  assert.deepEqual(t.get('scalar')!.shape, []);
  assert.equal(t.get('empty')!.data.length, 0);
});

test('a deflated archive (re-zipped by another tool) reads the same', () => {
  const original = readPth(fixture('tiny_f32.pth'), 'tiny_f32.pth');
  const entries = unzipStored(fixture('tiny_f32.pth'));
  const rezipped = zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 6 }]])));
  const again = readPth(rezipped, 'rezipped.pth');
  assert.deepEqual([...again.tensors.keys()], [...original.tensors.keys()]);
  for (const [key, tensor] of original.tensors) assert.deepEqual(again.tensors.get(key), tensor);
});

// ---- load_state_dict(strict=True) ----

test('bindStateDict accepts matching checkpoints (float16 too, as copy_ converts)', () => {
  for (const name of ['tiny_f32.pth', 'tiny_f16.pth', 'tiny_f32.safetensors', 'data_parallel.pth', 'wrapped_model.pth']) {
    const result = bindStateDict(expected.bind.modules, readCheckpointFile(join(FIXTURES, name)));
    assert.equal(result.error, null, name);
    assert.ok(result.ok);
    assert.equal(result.tensors.size, 12, name);
    assert.deepEqual(result.tensors.get('classifier.3.weight')?.shape, [5, 8]);
  }
});

for (const name of ['mismatch.pth', 'missing_nbt.pth', 'no_metadata.pth', 'tiny_f32.pth']) {
  test(`bindStateDict reports ${name} in PyTorch's words`, () => {
    const result = bindStateDict(expected.bind.modules, readCheckpointFile(join(FIXTURES, name)), {
      modelName: expected.bind.modelName,
    });
    assert.equal(result.error, expected.bind[name]);
    assert.equal(result.ok, expected.bind[name] === null);
  });
}

test('bindStateDict lists what is missing, unexpected and mismatched', () => {
  const result = bindStateDict(expected.bind.modules, readPth(fixture('mismatch.pth'), 'mismatch.pth'));
  assert.deepEqual(result.missing, ['features.1.running_var']);
  assert.deepEqual(result.unexpected, ['fc.weight', 'features.7.weight', 'classifier.1.extra']);
  assert.deepEqual(
    result.sizeMismatches.map((m) => [m.key, m.checkpointShape, m.modelShape]),
    [
      ['classifier.3.weight', [10, 8], [5, 8]],
      ['classifier.3.bias', [10], [5]],
    ],
  );
  assert.ok(result.error?.startsWith('Error(s) in loading state_dict for AlexNet:\n\tMissing key(s) in state_dict: "features.1.running_var". \n\t'));
});

test('bindStateDict fills num_batches_tracked only for state_dicts without BatchNorm version 2 metadata', () => {
  const plain = bindStateDict(expected.bind.modules, readPth(fixture('no_metadata.pth'), 'no_metadata.pth'));
  assert.deepEqual(plain.filled, ['features.1.num_batches_tracked']);
  assert.equal(plain.tensors.get('features.1.num_batches_tracked')?.dtype, 'int64');
  const versioned = bindStateDict(expected.bind.modules, readPth(fixture('missing_nbt.pth'), 'missing_nbt.pth'));
  assert.deepEqual(versioned.filled, []);
  assert.deepEqual(versioned.missing, ['features.1.num_batches_tracked']);
});

test('bindStateDict takes a plain Map and a 1-element tensor for a 0-dim buffer, and names the model', () => {
  const tensors = new Map<string, Tensor>([
    ['weight', { dtype: 'float32', shape: [2], data: new Float32Array(2) }],
    ['count', { dtype: 'int64', shape: [1], data: new BigInt64Array([7n]) }],
  ]);
  const modules = [{ path: '', params: [{ name: 'weight', shape: [3] }, { name: 'count', shape: [] }] }];
  const result = bindStateDict(modules, tensors, { modelName: 'LeNet' });
  assert.equal(
    result.error,
    'Error(s) in loading state_dict for LeNet:\n\tsize mismatch for weight: copying a param with shape torch.Size([2]) from checkpoint, the shape in current model is torch.Size([3]).',
  );
  assert.deepEqual(result.tensors.get('count')?.shape, []);
});

// ---- refusing what must not load ----

for (const [name, global] of [
  ['evil_os_system.pth', 'posix.system'],
  ['evil_os_global.pth', 'os.system'],
  ['evil_eval.pth', 'builtins.eval'],
  ['evil_subprocess.pth', 'subprocess.Popen'],
]) {
  test(`refuses ${name} naming ${global}, and runs nothing`, () => {
    const before = existsSync(PAYLOAD_FILE) ? statSync(PAYLOAD_FILE).mtimeMs : null;
    const error = refuses(() => readCheckpointFile(join(FIXTURES, name)), 'forbidden-global', join(FIXTURES, name));
    assert.ok(error.message.includes(`'${global}'`), error.message);
    assert.match(error.message, /Nothing in it was run/);
    refuses(() => readPth(fixture(name), name), 'forbidden-global', name);
    const after = existsSync(PAYLOAD_FILE) ? statSync(PAYLOAD_FILE).mtimeMs : null;
    assert.equal(after, before, `${PAYLOAD_FILE} was touched`);
  });
}

test('a whole pickled model is refused with how to re-save its state_dict', () => {
  refuses(() => readPth(fixture('whole_model.pth'), 'whole_model.pth'), 'forbidden-global', 'whole_model.pth', /'__main__\.AlexNet'.*model\.state_dict\(\)/);
});

test('a legacy-format file says how to re-save it', () => {
  refuses(() => readCheckpoint(fixture('legacy.pth'), 'legacy.pth'), 'legacy-format', 'legacy.pth', /_use_new_zipfile_serialization=True/);
});

test('truncated, short-storage, not-a-checkpoint and zip bombs are refused, naming the file (time and memory: hostile.test.ts, in a child)', () => {
  refuses(() => readCheckpoint(fixture('truncated.pth'), 'truncated.pth'), 'truncated', 'truncated.pth');
  refuses(() => readCheckpoint(fixture('short_storage.pth'), 's.pth'), 'storage-too-short', 's.pth', /216 bytes.*108 float32 elements \(432 bytes\)/);
  refuses(() => readCheckpoint(fixture('not_a_checkpoint.pth'), 'n.pth'), 'not-a-checkpoint', 'n.pth');
  refuses(() => readCheckpoint(fixture('bomb_declared.pth'), 'b.pth'), 'zip-bomb', 'b.pth', /declares 33554432 .*needs 432/);
  refuses(() => readCheckpoint(fixture('bomb_lying.pth'), 'l.pth'), 'zip-bomb', 'l.pth', /inflates past its declared size of 432/);
});

test('every truncation of a checkpoint is a WeightsError', () => {
  for (const name of ['tiny_f32.pth', 'dtypes.safetensors']) {
    const bytes = fixture(name);
    for (let length = 0; length < bytes.length; length += length < 64 ? 1 : 7) readsOrRefuses(bytes.subarray(0, length), name);
  }
});

test('random byte damage never throws anything but a WeightsError', () => {
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const name of ['tiny_f32.pth', 'wrapped_state_dict.pth', 'views.pth', 'dtypes.safetensors']) {
    const original = fixture(name);
    for (let round = 0; round < 150; round++) {
      const bytes = original.slice();
      for (let flips = 1 + random(4); flips > 0; flips--) bytes[random(bytes.length)] = random(256);
      readsOrRefuses(bytes, name);
    }
  }
});

test('random damage inside data.pkl (CRC fixed up) never throws anything but a WeightsError', () => {
  let seed = 777;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const entries = unzipStored(fixture('wrapped_state_dict.pth'));
  const pickleName = Object.keys(entries).find((k) => k.endsWith('data.pkl'))!;
  for (let round = 0; round < 300; round++) {
    const damaged = entries[pickleName].slice();
    for (let flips = 1 + random(3); flips > 0; flips--) damaged[random(damaged.length)] = random(256);
    const bytes = zipSync({ ...Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 0 }]])), [pickleName]: [damaged, { level: 0 }] });
    readsOrRefuses(bytes, 'damaged.pth');
  }
});

// ---- crafted pickles and archives ----

/** A tiny pickle writer for crafted inputs. */
const op = {
  proto: (n: number) => [0x80, n],
  mark: [0x28],
  stop: [0x2e],
  tuple: [0x74],
  reduce: [0x52],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  append: [0x61],
  setitems: [0x75],
  newFalse: [0x89],
  binpersid: [0x51],
  global: (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)],
  str: (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return [0x58, ...u32(bytes.length), ...bytes];
  },
  int: (n: number) => [0x4a, ...u32(n)],
};
function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
const bytesOf = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());

interface CraftedTensor {
  key: string;
  storageType?: string;
  storageKey: string;
  storageSize: number;
  offset?: number;
  shape: number[];
  stride: number[];
  v3Dtype?: string;
}

function tensorPickle(tensors: CraftedTensor[]): Uint8Array {
  const parts: number[][] = [op.proto(2), op.emptyDict, op.mark];
  const ints = (list: number[]) => [...op.mark, ...list.flatMap(op.int), ...op.tuple];
  for (const t of tensors) {
    parts.push(op.str(t.key));
    parts.push(op.global('torch._utils', t.v3Dtype ? '_rebuild_tensor_v3' : '_rebuild_tensor_v2'));
    parts.push(op.mark, op.mark, op.str('storage'), op.global('torch', t.storageType ?? 'FloatStorage'));
    parts.push(op.str(t.storageKey), op.str('cpu'), op.int(t.storageSize), op.tuple, op.binpersid);
    parts.push(op.int(t.offset ?? 0), ints(t.shape), ints(t.stride), op.newFalse);
    parts.push(op.global('collections', 'OrderedDict'), [0x29], op.reduce);
    if (t.v3Dtype) parts.push(op.global('torch', t.v3Dtype));
    parts.push(op.tuple, op.reduce);
  }
  parts.push(op.setitems, op.stop);
  return bytesOf(...parts);
}

function archive(pickle: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = { 'crafted/data.pkl': [pickle, { level: 0 }] };
  for (const [key, data] of Object.entries(storages)) files[`crafted/data/${key}`] = [data, { level: 0 }];
  for (const [name, data] of Object.entries(extra)) files[`crafted/${name}`] = [data, { level: 0 }];
  return zipSync(files);
}

function unzipStored(bytes: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(bytes);
}

const floats = (...values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

test('crafted: a strided view is gathered, a big-endian archive is swapped', () => {
  const pickle = tensorPickle([{ key: 'w', storageKey: '0', storageSize: 6, offset: 1, shape: [2, 2], stride: [1, 2] }]);
  const little = readPth(archive(pickle, { '0': floats(0, 1, 2, 3, 4, 5) }), 'c.pth');
  assert.deepEqual([...toFloat32(little.tensors.get('w')!)], [1, 3, 2, 4]);
  const bigEndian = floats(0, 1, 2, 3, 4, 5).slice();
  for (let i = 0; i < bigEndian.length; i += 4) bigEndian.subarray(i, i + 4).reverse();
  const big = readPth(archive(pickle, { '0': bigEndian }, { byteorder: new TextEncoder().encode('big') }), 'c.pth');
  assert.deepEqual([...toFloat32(big.tensors.get('w')!)], [1, 3, 2, 4]);
});

test('crafted: newer torch forms (UntypedStorage with _rebuild_tensor_v3) are read', () => {
  const pickle = tensorPickle([
    { key: 'h', storageType: 'UntypedStorage', storageKey: '0', storageSize: 8, shape: [4], stride: [1], v3Dtype: 'float16' },
  ]);
  const halfOnes = new Uint8Array(new Uint16Array([0x3c00, 0x4000, 0xc000, 0]).buffer);
  const checkpoint = readPth(archive(pickle, { '0': halfOnes }), 'v3.pth');
  assert.deepEqual([...toFloat32(checkpoint.tensors.get('h')!)], [1, 2, -2, 0]);
});

test('crafted: a view reaching past its storage, a missing storage entry, an oversized expand', () => {
  const past = tensorPickle([{ key: 'w', storageKey: '0', storageSize: 4, offset: 2, shape: [3], stride: [1] }]);
  refuses(() => readPth(archive(past, { '0': floats(1, 2, 3, 4) }), 'p.pth'), 'storage-too-short', 'p.pth', /tensor 'w'.*reaches element 4 of storage 0, which holds 4/);
  refuses(() => readPth(archive(past, {}), 'm.pth'), 'corrupt', 'm.pth', /lacks the zip entry crafted\/data\/0/);
  const expand = tensorPickle([{ key: 'e', storageKey: '0', storageSize: 1, shape: [1 << 20, 1 << 10], stride: [0, 0] }]);
  refuses(() => readPth(archive(expand, { '0': floats(1) }), 'e.pth'), 'unsupported', 'e.pth', /expand/);
});

test('crafted: TorchScript archives, zips without data.pkl and bare pickles are named as such', () => {
  const torchscript = zipSync({ 'm/data.pkl': [bytesOf(op.proto(2), op.emptyDict, op.stop), {}], 'm/constants.pkl': [new Uint8Array([0x80, 2, 0x29, 0x2e]), {}] });
  refuses(() => readPth(torchscript, 'ts.pt'), 'torchscript', 'ts.pt', /torch\.jit\.save/);
  refuses(() => readPth(zipSync({ 'a/readme.txt': new Uint8Array(3) }), 'z.pth'), 'not-a-checkpoint', 'z.pth', /without data\.pkl/);
  refuses(() => readCheckpoint(bytesOf(op.proto(2), op.emptyDict, op.stop), 'p.pkl'), 'not-a-checkpoint', 'p.pkl', /bare pickle/);
  refuses(() => readCheckpoint(new Uint8Array(0), 'empty.pth'), 'not-a-checkpoint', 'empty.pth');
});

test('crafted: checkpoints without a state_dict say what they hold', () => {
  const noTensors = bytesOf(op.proto(2), op.emptyDict, op.mark, op.str('epoch'), op.int(3), op.setitems, op.stop);
  refuses(() => readPth(archive(noTensors, {}), 'n.pth'), 'no-state-dict', 'n.pth', /top-level keys are 'epoch'/);
  refuses(() => readPth(archive(bytesOf(op.proto(2), op.emptyList, op.stop), {}), 'l.pth'), 'no-state-dict', 'l.pth', /list/);
});

const unpickleIn = (bytes: Uint8Array) => unpickle(bytes, { file: 'x.pkl', member: 'data.pkl' });

test('unpickler: dangerous globals are refused however they are reached', () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytesOf(op.proto(4), [0x8c, 8], ascii('builtins'), [0x8c, 4], ascii('exec'), [0x93], op.stop), /'builtins\.exec'/],
    [bytesOf(op.mark, op.str('id'), [0x69], ascii('os\nsystem\n'), op.stop), /'os\.system'/],
    [bytesOf(op.proto(2), op.global('__builtin__', 'getattr'), op.stop), /'builtins\.getattr'.*written as '__builtin__\.getattr'/],
    [bytesOf(op.proto(2), op.global('copy_reg', '_reconstructor'), op.stop), /'copyreg\._reconstructor'/],
    [bytesOf(op.proto(2), op.global('torch', 'load'), op.stop), /'torch\.load'/],
    [bytesOf(op.proto(2), [0x82, 1], op.stop), /extension registry/],
  ];
  for (const [bytes, pattern] of cases) refuses(() => unpickleIn(bytes), 'forbidden-global', 'x.pkl', pattern);
});

test('unpickler: allowed globals are data, never called on the wrong things', () => {
  const callStorage = bytesOf(op.proto(2), op.global('torch', 'FloatStorage'), [0x29], op.reduce, op.stop);
  refuses(() => unpickleIn(callStorage), 'bad-pickle', 'x.pkl', /torch\.FloatStorage, which is data here/);
  const rebuildWithoutStorage = bytesOf(op.proto(2), op.global('torch._utils', '_rebuild_tensor_v2'), op.mark, op.int(1), op.int(0), op.mark, op.tuple, op.mark, op.tuple, op.tuple, op.reduce, op.stop);
  refuses(() => unpickleIn(rebuildWithoutStorage), 'bad-pickle', 'x.pkl', /not a persistent storage reference/);
  const reduceOnString = bytesOf(op.proto(2), op.str('os.system'), [0x29], op.reduce, op.stop);
  refuses(() => unpickleIn(reduceOnString), 'bad-pickle', 'x.pkl', /not a global/);
});

test('unpickler: protocol 4 and 5 data opcodes are read', () => {
  const bytes = bytesOf(
    op.proto(5),
    [0x95, 30, 0, 0, 0, 0, 0, 0, 0], // FRAME
    [0x8f, 0x94], // EMPTY_SET, MEMOIZE
    op.mark, [0x4b, 1, 0x4b, 2], [0x90], // ADDITEMS
    [0x8e, 2, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x62], // BINBYTES8
    [0x8c, 3], ascii('abc'), // SHORT_BINUNICODE
    [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5
    [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1], // LONG1 2^64
    [0x87], // TUPLE3
    [0x87], // TUPLE3
    op.stop,
  );
  assert.deepEqual(unpickleIn(bytes), [new Set([1, 2]), new Uint8Array([0x61, 0x62]), ['abc', 1.5, 2n ** 64n]]);
  refuses(() => unpickleIn(bytesOf(op.proto(5), [0x97], op.stop)), 'unsupported', 'x.pkl', /out-of-band/);
  refuses(() => unpickleIn(bytesOf(op.proto(6), op.stop)), 'unsupported', 'x.pkl', /protocol 6/);
});

test('unpickler: too-deep nesting, damaged and truncated pickles are refused', () => {
  const deepLists = bytesOf(op.proto(2), new Array(5000).fill(op.emptyList).flat(), new Array(4999).fill(op.append).flat(), op.stop);
  refuses(() => unpickleIn(deepLists), 'too-deep', 'x.pkl', /deeper than 256/);
  const deepMarks = bytesOf(op.proto(2), new Array(100000).fill(op.mark).flat(), op.stop);
  refuses(() => unpickleIn(deepMarks), 'too-deep', 'x.pkl');
  // dict i+1 = {'k': dict i}, built through the memo
  const deepDicts: number[][] = [op.proto(2), op.emptyDict, [0x72, ...u32(0)], [0x30]];
  for (let i = 0; i < 300; i++) {
    deepDicts.push(op.emptyDict, op.str('k'), [0x6a, ...u32(i)], [0x73], [0x72, ...u32(i + 1)], [0x30]);
  }
  deepDicts.push([0x6a, ...u32(300)], op.stop);
  refuses(() => unpickleIn(bytesOf(...deepDicts)), 'too-deep', 'x.pkl', /deeper than 256/);
  const shallow = deepDicts.slice(0, 4 + 6 * 200).concat([[0x6a, ...u32(200)], op.stop]);
  assert.ok(unpickleIn(bytesOf(...shallow)) instanceof Map);
  refuses(() => unpickleIn(bytesOf(op.proto(2), [0xff], op.stop)), 'bad-pickle', 'x.pkl', /unknown opcode 0xff at byte 2/);
  refuses(() => unpickleIn(bytesOf(op.proto(2), op.emptyDict)), 'bad-pickle', 'x.pkl', /without a STOP/);
  refuses(() => unpickleIn(bytesOf(op.proto(2), [0x58, 0xff, 0xff, 0xff, 0x7f], op.stop)), 'bad-pickle', 'x.pkl', /truncated/);
  refuses(() => unpickleIn(bytesOf(op.proto(2), [0x68, 9], op.stop)), 'bad-pickle', 'x.pkl', /memo entry 9/);
  refuses(() => unpickleIn(bytesOf(op.proto(2), op.stop)), 'bad-pickle', 'x.pkl', /empty stack/);
  const hugeLong = bytesOf(op.proto(2), [0x8b, ...u32(1 << 20)], new Array(1 << 20).fill(0x7f), op.stop);
  refuses(() => unpickleIn(hugeLong), 'bad-pickle', 'x.pkl', /1048576-byte integer/);
  assert.equal(unpickleIn(bytesOf(op.proto(2), [0x8a, 2, 0x00, 0xff], op.stop)), -256);
});

// ---- safetensors ----

function safetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors: bad headers, offsets, sizes and dtypes are refused', () => {
  const data = floats(1, 2, 3, 4);
  const good = safetensors({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, data);
  assert.deepEqual([...toFloat32(readSafetensors(good, 'g.safetensors').tensors.get('w')!)], [1, 2, 3, 4]);
  const cases: [Uint8Array, string, RegExp][] = [
    [safetensors({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 20] } }, data), 'bad-safetensors', /outside the 16 data bytes/],
    [safetensors({ w: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 16] } }, data), 'bad-safetensors', /needs 24/],
    [safetensors({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, data), 'bad-safetensors', /unsupported dtype "F8_E4M3"/],
    [safetensors({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 16] } }, data), 'bad-safetensors', /non-negative/],
    [safetensors({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data), 'bad-safetensors', /overlapping/],
    [safetensors([1, 2], data), 'bad-safetensors', /not a JSON object/],
    [good.subarray(0, 20), 'truncated', /truncated/],
  ];
  for (const [bytes, code, pattern] of cases) refuses(() => readSafetensors(bytes, 'b.safetensors'), code, 'b.safetensors', pattern);
  const hugeHeader = good.slice();
  new DataView(hugeHeader.buffer).setBigUint64(0, 1n << 40n, true);
  refuses(() => readSafetensors(hugeHeader, 'h.safetensors'), 'bad-safetensors', 'h.safetensors', /100 MB/);
  const notJson = good.slice();
  notJson[10] = 0xff;
  refuses(() => readSafetensors(notJson, 'j.safetensors'), 'bad-safetensors', 'j.safetensors', /JSON/);
});

test('a safetensors header of 128 bytes (first byte 0x80, like a pickle) is still safetensors', () => {
  const header = { w: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, __metadata__: { pad: '' } };
  header.__metadata__.pad = 'x'.repeat(128 - JSON.stringify(header).length);
  const bytes = safetensors(header, new Uint8Array([9]));
  assert.equal(bytes[0], 0x80);
  assert.deepEqual([...readCheckpoint(bytes, 'p.safetensors').tensors.get('w')!.data], [9]);
});

test('safetensors with DataParallel keys are stripped too', () => {
  const bytes = safetensors({ 'module.fc.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, floats(1, 2, 3, 4));
  const checkpoint = readCheckpoint(bytes, 'dp.safetensors');
  assert.deepEqual([...checkpoint.tensors.keys()], ['fc.weight']);
  assert.equal(checkpoint.strippedPrefix, 'module.');
});

// ---- layering ----

test('the readers use neither vscode nor fs; only read-file.node.ts touches the file system', () => {
  const dir = join(ROOT, 'src', 'core', 'weights');
  for (const name of readdirSync(dir)) {
    const source = readFileSync(join(dir, name), 'utf8');
    assert.doesNotMatch(source, /from 'vscode'/, name);
    if (!name.endsWith('.node.ts')) assert.doesNotMatch(source, /from 'node:|from 'fs'|require\(/, name);
  }
});
