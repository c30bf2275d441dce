// The .pth writer: what torch said of a file it wrote (tools/check-pth-writer.py, committed), that it still writes
// that very file, and that our reader reads back exactly what was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStateDictPth } from '../../src/core/training/pth-writer';
import { readCheckpoint, type Tensor } from '../../src/core/weights';
import { readZipDirectory } from '../../src/core/weights/zip';
import { TRAINING_FIXTURES, WRITTEN_BY_US, writtenByUs } from '../fixtures/training/written-by-us';

interface Check {
  sha256: string;
  load_state_dict: string;
  type: string;
  metadata: Record<string, { version: number }>;
  data_pkl_identical_to_torch_save: boolean;
  data_aligned_64: boolean;
  tensors: { key: string; dtype: string; shape: number[]; sum: number; first: number | null }[];
}
const check = JSON.parse(readFileSync(join(TRAINING_FIXTURES, 'pth-writer-check.json'), 'utf8')) as Check;

test('torch 1.13 loaded our .pth into TinyNet with load_state_dict(strict=True), and its data.pkl is what torch.save writes', () => {
  assert.equal(check.load_state_dict, '<All keys matched successfully>');
  assert.equal(check.type, 'collections.OrderedDict');
  assert.equal(check.data_pkl_identical_to_torch_save, true);
  assert.equal(check.data_aligned_64, true);
  assert.equal(check.metadata['features.1']?.version, 2); // BatchNorm's _version
});

test('the writer still writes the very file torch checked (rerun tools/check-pth-writer.py when it changes)', () => {
  const bytes = writtenByUs();
  assert.equal(createHash('sha256').update(readFileSync(WRITTEN_BY_US)).digest('hex'), check.sha256, 'the committed file is the one torch checked');
  assert.equal(createHash('sha256').update(bytes).digest('hex'), check.sha256, 'the writer writes that file today');
});

test('our reader reads what torch read: keys, dtypes, shapes, sums', () => {
  const cp = readCheckpoint(readFileSync(WRITTEN_BY_US), 'written-by-us.pth');
  assert.deepEqual([...cp.tensors.keys()], check.tensors.map((t) => t.key));
  for (const t of check.tensors) {
    const ours = cp.tensors.get(t.key)!;
    assert.equal(ours.dtype, t.dtype, t.key);
    assert.deepEqual(ours.shape, t.shape, t.key);
    const values = Array.from(ours.data as ArrayLike<number | bigint>, Number);
    assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - t.sum) <= 1e-9 * (1 + Math.abs(t.sum)), `${t.key} sum`);
    if (t.first !== null) assert.equal(Math.fround(values[0]!), Math.fround(t.first), `${t.key}[0]`);
  }
  assert.deepEqual(Object.fromEntries([...cp.moduleMetadata!].map(([k, v]) => [k, v])), check.metadata);
});

test('every dtype, 0-d and 5-d shapes, and more than 1000 keys (batched SETITEMS, 4-byte memo indices) read back exactly', () => {
  const tensors = new Map<string, Tensor>();
  tensors.set('scalar', { dtype: 'int64', shape: [], data: BigInt64Array.of(-(2n ** 40n)) });
  tensors.set('five', { dtype: 'float32', shape: [1, 2, 3, 1, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) });
  tensors.set('f64', { dtype: 'float64', shape: [2], data: Float64Array.of(Math.PI, -1e300) });
  tensors.set('half', { dtype: 'float16', shape: [2], data: Uint16Array.of(0x3c00, 0xc000) });
  tensors.set('bytes', { dtype: 'uint8', shape: [3], data: Uint8Array.of(0, 128, 255) });
  tensors.set('big', { dtype: 'float32', shape: [70000], data: Float32Array.from({ length: 70000 }, (_, i) => Math.sin(i)) });
  for (let i = 0; i < 1200; i++) tensors.set(`layer${i}.weight`, { dtype: 'float32', shape: [1], data: Float32Array.of(i) });
  const bytes = writeStateDictPth(tensors);
  const back = readCheckpoint(bytes, 'many.pth');
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [k, t] of tensors) {
    assert.equal(back.tensors.get(k)!.dtype, t.dtype, k);
    assert.deepEqual(back.tensors.get(k)!.shape, t.shape, k);
    assert.deepEqual(back.tensors.get(k)!.data, t.data, k);
  }
  for (const e of readZipDirectory(bytes, 'many.pth').values()) {
    const nameLength = new DataView(bytes.buffer, bytes.byteOffset + e.localHeaderOffset).getUint16(26, true);
    const extraLength = new DataView(bytes.buffer, bytes.byteOffset + e.localHeaderOffset).getUint16(28, true);
    assert.equal((e.localHeaderOffset + 30 + nameLength + extraLength) % 64, 0, `${e.name} data is 64-byte aligned`);
    assert.equal(e.method, 0, `${e.name} is stored`);
  }
});
