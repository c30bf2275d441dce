// Training data: ImageFolder's order, Fashion-MNIST's IDX files through torchvision's transforms (numbers from
// torchvision 0.14), the shipped subset, seeded batches, augmentation boxes and dropout masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { type SampleTransform, dropoutMasks, epochBatches, loadBatch, randomResizedCropBox, sampleTensor } from '../../src/core/training/data';
import { imageFolderListing, openDataset } from '../../src/core/training/data.node';
import { FASHION_MNIST_CLASSES, readIdx } from '../../src/core/training/idx';
import { Rng } from '../../src/core/training/random';
import { torchTraining } from '../fixtures/training/torch-training';

const FASHION = '/usr/share/datasets/fashion-mnist';
const SUBSET = join(__dirname, '..', '..', 'models', 'fashion-mnist', 'subset');

test('ImageFolder: classes sorted, files walked and sorted as torchvision does, only its extensions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imagefolder-'));
  for (const f of torchTraining.imagefolder.files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  const listing = imageFolderListing(dir);
  assert.deepEqual(listing.classes, torchTraining.imagefolder.classes);
  assert.deepEqual(listing.samples.map((s) => [s.path.slice(dir.length + 1), s.label]), torchTraining.imagefolder.samples);
});

test('Fashion-MNIST IDX files: Resize((20, 24)), ToTensor, Normalize(0.5) give torchvision\'s numbers exactly, 1 and 3 channels', () => {
  const { size, labels, gray, rgb0 } = torchTraining.fashion_mnist;
  const t: SampleTransform = { channels: 1, size: { height: size[0], width: size[1] }, preset: 'seed', augment: false };
  const data = openDataset(FASHION, { channels: 1, split: 'train' });
  assert.equal(data.labels.length, 60000);
  assert.deepEqual(data.classes, FASHION_MNIST_CLASSES);
  const batch = loadBatch(data, [0, 1, 2], t, null);
  assert.deepEqual(Array.from(batch.classes), labels);
  assert.deepEqual(Array.from(batch.input), gray.flat().map(Math.fround));
  const rgb = openDataset(FASHION, { channels: 3, split: 't10k' });
  assert.equal(rgb.labels.length, 10000, 'the t10k split for evaluation');
  const out = new Float32Array(3 * 20 * 24);
  sampleTensor(openDataset(FASHION, { channels: 3, split: 'train' }).pixels(0), { ...t, channels: 3 }, out, 0, null);
  assert.deepEqual(Array.from(out), rgb0.map(Math.fround));
});

test('the shipped subset: 200 images a class for training and 50 for testing, each an image of Debian\'s Fashion-MNIST with its label', () => {
  const train = openDataset(SUBSET, { channels: 1, split: 'train' });
  const test10k = openDataset(SUBSET, { channels: 1, split: 't10k' });
  assert.equal(train.labels.length, 2000);
  assert.equal(test10k.labels.length, 500);
  for (let k = 0; k < 10; k++) assert.equal(train.labels.filter((l) => l === k).length, 200);
  const full = openDataset(FASHION, { channels: 1, split: 'train' });
  // the first image of each class in the subset is the first of that class in the full set
  for (let k = 0; k < 10; k++) {
    const i = train.labels.indexOf(k);
    const j = full.labels.indexOf(k);
    assert.deepEqual(train.pixels(i).data, full.pixels(j).data, `class ${k}`);
  }
  const bytes = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']
    .reduce((n, f) => n + readFileSync(join(SUBSET, f)).length, 0);
  assert.ok(bytes < 3 * 1024 * 1024, `${bytes} bytes`);
});

test('IDX files that are not, or are cut short, are named with what is wrong', () => {
  assert.throws(() => readIdx(Uint8Array.of(1, 2, 3, 4), 'x.idx'), /x\.idx: is not an IDX file/);
  assert.throws(() => readIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1), 'f.idx'), /holds IDX type 0x0d; only unsigned bytes/);
  assert.throws(() => readIdx(gzipSync(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 9, 1, 2)), 'short.gz'), /short\.gz: is truncated: 9 needs 9 bytes, it has 2/);
});

test('batches: a seeded permutation per epoch (the same for the same seed), dataset order with no shuffle, the last partial batch dropped', () => {
  const a = epochBatches(10, 3, true, new Rng(4));
  const b = epochBatches(10, 3, true, new Rng(4));
  assert.deepEqual(a, b);
  assert.equal(a.length, 3);
  assert.equal(new Set(a.flatMap((x) => Array.from(x))).size, 9);
  assert.notDeepEqual(a, epochBatches(10, 3, true, new Rng(5)));
  assert.deepEqual(epochBatches(7, 3, false, new Rng(0)).map((x) => Array.from(x)), [[0, 1, 2], [3, 4, 5]]);
});

test('dropout masks: 0 or 1/(1-p), zeros at rate p, per element (or per channel as the spec shapes it); p=1 all zeros', () => {
  const rng = new Rng(9);
  const m = dropoutMasks([{ name: 'd', shape: [64, 2048], p: 0.5 }, { name: 'd2', shape: [8, 16, 1, 1], p: 0.2 }, { name: 'all', shape: [4], p: 1 }], rng);
  const d = m.get('d')!;
  assert.ok(d.every((v) => v === 0 || v === 2));
  const zeros = d.filter((v) => v === 0).length / d.length;
  assert.ok(Math.abs(zeros - 0.5) < 0.01, `${zeros}`);
  assert.equal(m.get('d2')!.length, 128);
  assert.ok(m.get('d2')!.every((v) => v === 0 || v === Math.fround(1 / 0.8)));
  assert.deepEqual(Array.from(m.get('all')!), [0, 0, 0, 0]);
});

test('RandomResizedCrop boxes lie inside the image with torchvision\'s scale and ratio; augmentation is seeded', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 2000; i++) {
    const b = randomResizedCropBox(40, 30, rng);
    assert.ok(b.top >= 0 && b.left >= 0 && b.top + b.height <= 30 && b.left + b.width <= 40, JSON.stringify(b));
    const area = (b.width * b.height) / 1200;
    assert.ok(area >= 0.06 && area <= 1.0001, `area ${area}`);
  }
  // a very wide image falls back to the central crop of ratio 4/3
  const r = new Rng(0);
  const box = randomResizedCropBox(1000, 2, r);
  assert.ok(box.height <= 2 && box.width <= 1000);
  const t: SampleTransform = { channels: 1, size: { height: 8, width: 8 }, preset: 'seed', augment: true };
  const px = { width: 28, height: 28, channels: 1 as const, data: Uint8Array.from({ length: 784 }, (_, i) => i % 251) };
  const one = new Float32Array(64);
  const two = new Float32Array(64);
  sampleTensor(px, t, one, 0, new Rng(8));
  sampleTensor(px, t, two, 0, new Rng(8));
  assert.deepEqual(one, two);
});
