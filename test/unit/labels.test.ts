// Class labels: the user's class_indices.json / labels.txt, the built-in ImageNet names, torch.hub's cache folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  IMAGENET_CLASSES,
  LabelsError,
  TORCHVISION_ALEXNET_FILE,
  isTorchvisionAlexNetCheckpoint,
  readLabels,
} from '../../src/core/labels';
import { findTorchvisionAlexNet, torchHubCheckpointsDir } from '../../src/core/torch-hub.node';

const ROOT = join(__dirname, '..', '..');

function fails(text: string, code: string, message: RegExp) {
  assert.throws(() => readLabels(text, 'labels/class_indices.json'), (e: unknown) => {
    assert.ok(e instanceof LabelsError, String(e));
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith('labels/class_indices.json: '), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('class_indices.json as the study note writes it', () => {
  const text = '{\n    "0": "daisy",\n    "1": "dandelion",\n    "2": "roses",\n    "3": "sunflowers",\n    "4": "tulips"\n}';
  assert.deepEqual(readLabels(text, 'class_indices.json'), ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']);
});

test('keys out of order, ImageFolder class_to_idx (name -> index), JSON arrays, BOM', () => {
  assert.deepEqual(readLabels('{"1": "b", "0": "a", "2": "c"}', 'f'), ['a', 'b', 'c']);
  assert.deepEqual(readLabels('{"cat": 1, "dog": 0}', 'f'), ['dog', 'cat']);
  assert.deepEqual(readLabels('["x", "y"]', 'f'), ['x', 'y']);
  assert.deepEqual(readLabels('\uFEFF["x"]', 'f'), ['x']);
});

test("the shipped model's own class_indices.json reads as the 10 Fashion-MNIST classes", () => {
  const file = join(ROOT, 'models', 'fashion-mnist', 'class_indices.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = JSON.stringify(Object.fromEntries(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'].map((c, i) => [String(i), c])), null, 4);
  }
  const labels = readLabels(text, file);
  assert.equal(labels.length, 10);
  assert.equal(labels[0], 'T-shirt/top');
  assert.equal(labels[9], 'Ankle boot');
});

test('labels.txt: one per line, blank lines ignored, optional index', () => {
  assert.deepEqual(readLabels('daisy\n\n  dandelion  \r\nroses\n\n', 'labels.txt'), ['daisy', 'dandelion', 'roses']);
  assert.deepEqual(readLabels('1 dandelion\n0 daisy\n2 roses\n', 'labels.txt'), ['daisy', 'dandelion', 'roses']);
  assert.deepEqual(readLabels('0: tench, Tinca tinca\n1: goldfish\n', 'labels.txt'), ['tench, Tinca tinca', 'goldfish']);
  // numbers that are not 0..n-1 indices are part of the label
  assert.deepEqual(readLabels('3 little pigs\n7 dwarfs\n', 'labels.txt'), ['3 little pigs', '7 dwarfs']);
  assert.deepEqual(readLabels('n01440764 tench\nn01443537 goldfish', 'synsets.txt'), ['n01440764 tench', 'n01443537 goldfish']);
});

test('a Python dict literal (the imagenet1000 labels file) is read too', () => {
  const text = "{0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus',\n 2: \"great white shark, man-eater\",\n 3: 'it\\'s',\n}";
  assert.deepEqual(readLabels(text, 'imagenet1000_clsidx_to_labels.txt'), [
    'tench, Tinca tinca',
    'goldfish, Carassius auratus',
    'great white shark, man-eater',
    "it's",
  ]);
});

test('empty and malformed files are errors naming the file', () => {
  fails('', 'empty', /is empty: it has no class labels/);
  fails('  \n\n ', 'empty', /is empty/);
  fails('{}', 'empty', /empty JSON object/);
  fails('[]', 'empty', /empty JSON array/);
  fails('{"0": "a", "1": }', 'malformed', /is not valid JSON \(.+\); expected \{"0": "class name", \.\.\.\}/);
  fails('{"zero": "a"}', 'malformed', /the key "zero", which is not a class index/);
  fails('{"0": ["a"]}', 'malformed', /non-string label for class 0/);
  fails('[1, {"a": 1}]', 'malformed', /non-string label at index 1/);
  fails('{"0": "a", "2": "c"}', 'not-contiguous', /class index 2 but only 2 labels: indices must run from 0 to 1/);
  fails('{"a": 0, "b": 0}', 'not-contiguous', /gives class 0 twice \("a" and "b"\)/);
});

test('the 1000 ImageNet classes are built in, in torchvision order', () => {
  assert.equal(IMAGENET_CLASSES.length, 1000);
  assert.equal(IMAGENET_CLASSES[0], 'tench');
  assert.equal(IMAGENET_CLASSES[1], 'goldfish');
  assert.equal(IMAGENET_CLASSES[281], 'tabby');
  assert.equal(IMAGENET_CLASSES[999], 'toilet tissue');
  assert.equal(new Set(IMAGENET_CLASSES).size, 1000); // torchvision tells the two cranes and maillots apart
  const file = JSON.parse(readFileSync(join(ROOT, 'media', 'imagenet-classes.json'), 'utf8'));
  assert.deepEqual(readLabels(JSON.stringify(file), 'imagenet-classes.json'), IMAGENET_CLASSES);
});

test("torchvision's AlexNet checkpoint is recognised by name", () => {
  assert.equal(TORCHVISION_ALEXNET_FILE, 'alexnet-owt-7be5be79.pth');
  assert.ok(isTorchvisionAlexNetCheckpoint('alexnet-owt-7be5be79.pth'));
  assert.ok(isTorchvisionAlexNetCheckpoint('/home/u/.cache/torch/hub/checkpoints/alexnet-owt-7be5be79.pth'));
  assert.ok(isTorchvisionAlexNetCheckpoint('C:\\Users\\u\\.cache\\torch\\hub\\checkpoints\\alexnet-owt-4df8aa71.pth'));
  assert.ok(!isTorchvisionAlexNetCheckpoint('alexnet-owt-7be5be79 (1).pth'));
  assert.ok(!isTorchvisionAlexNetCheckpoint('models/fashion-mnist/alexnet-fashion-mnist.pth'));
  assert.ok(!isTorchvisionAlexNetCheckpoint('alexnet.pth'));
});

test('the torch hub cache folder follows $TORCH_HOME, then $XDG_CACHE_HOME, then ~/.cache, as torch.hub does', () => {
  const home = '/home/ada';
  assert.equal(torchHubCheckpointsDir({}, home), '/home/ada/.cache/torch/hub/checkpoints');
  assert.equal(torchHubCheckpointsDir({ XDG_CACHE_HOME: '/xdg' }, home), '/xdg/torch/hub/checkpoints');
  assert.equal(torchHubCheckpointsDir({ XDG_CACHE_HOME: '/xdg', TORCH_HOME: '/th' }, home), '/th/hub/checkpoints');
  assert.equal(torchHubCheckpointsDir({ TORCH_HOME: '~/torch' }, home), '/home/ada/torch/hub/checkpoints');
  assert.equal(torchHubCheckpointsDir({ XDG_CACHE_HOME: '~/c' }, home), '/home/ada/c/torch/hub/checkpoints');
});

test('findTorchvisionAlexNet finds the file in the hub cache, or returns null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-home-'));
  try {
    assert.equal(findTorchvisionAlexNet({ TORCH_HOME: dir }, '/nowhere'), null);
    mkdirSync(join(dir, 'hub', 'checkpoints'), { recursive: true });
    writeFileSync(join(dir, 'hub', 'checkpoints', TORCHVISION_ALEXNET_FILE), '');
    assert.equal(findTorchvisionAlexNet({ TORCH_HOME: dir }, '/nowhere'), join(dir, 'hub', 'checkpoints', TORCHVISION_ALEXNET_FILE));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Fashion-MNIST samples that ship: 2 per class, named index-label.png, 28x28 grayscale PNGs', () => {
  const dir = join(ROOT, 'models', 'fashion-mnist', 'samples');
  const names = readdirSync(dir).filter((n) => n.endsWith('.png')).sort();
  assert.equal(names.length, 20);
  const slugs = ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
  for (const slug of slugs) assert.equal(names.filter((n) => n.endsWith(`-${slug}.png`)).length, 2, slug);
  for (const n of names) {
    assert.match(n, /^\d{4}-[a-z-]+\.png$/);
    const b = readFileSync(join(dir, n));
    assert.equal(b.readUInt32BE(16), 28);
    assert.equal(b.readUInt32BE(20), 28);
    assert.equal(b[25], 0, 'grayscale');
  }
});
