// The CLI's export and classify commands as whole processes: outputs, notes, exit codes and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import { FIXTURE_DIR, readFixtureSpec, readFloats } from '../fixtures/onnx/fixture';

const root = join(__dirname, '..', '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'cli-classify-'));
const fixture = (name: string) => join(FIXTURE_DIR, name);
const MODEL = fixture('alexnet_small.py');
const WEIGHTS = fixture('alexnet_small.pth');

function png(name: string, width: number, height: number, seed: number): string {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : (i * 37 + seed * 101 + ((i >> 6) % 13) * 17) & 255;
  const file = join(dir, name);
  writeFileSync(file, encode({ width, height, data, channels: 4, depth: 8 }));
  return file;
}

const LABELS = join(dir, 'labels.txt');
writeFileSync(LABELS, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'].join('\n'));

test('export writes an ONNX model that gives PyTorch\'s logits', async () => {
  const out = join(dir, 'alexnet_small.onnx');
  const r = run('export', MODEL, '--weights', WEIGHTS, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*alexnet_small\.onnx \(\d+ bytes, ONNX opset 13\): input \[1, 3, 224, 224\] -> logits \[1, 10\]\n$/);
  const m = readFixtureSpec().models.find((x) => x.name === 'alexnet_small')!;
  const session = await ort.InferenceSession.create(readFileSync(out));
  const result = await session.run({ input: new ort.Tensor('float32', readFloats(m.inputFile), [1, 3, 224, 224]) });
  const logits = result.logits.data as Float32Array;
  const scale = Math.max(...m.logits.map(Math.abs));
  m.logits.forEach((v, i) => assert.ok(Math.abs(logits[i] - v) <= 1e-4 * scale, `logit ${i}`));
  // --batch N and --activations: any batch, every layer an output
  const all = join(dir, 'all.onnx');
  assert.equal(run('export', MODEL, '--weights', WEIGHTS, '--out', all, '--batch', 'N', '--activations').status, 0);
  const s2 = await ort.InferenceSession.create(readFileSync(all));
  assert.ok(s2.outputNames.includes('features.0') && s2.outputNames.includes('logits'));
});

test('export: a model file built for 1000 classes takes 10-class weights as Entry(num_classes=10), with a note', () => {
  const wide = join(dir, 'alexnet_1000.py');
  writeFileSync(wide, readFileSync(MODEL, 'utf8').replace('num_classes=10,', 'num_classes=1000,'));
  const r = run('export', wide, '--weights', WEIGHTS, '--out', join(dir, 'wide.onnx'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /note: .*alexnet_1000\.py: AlexNet is built with 1000 classes by default; the weights have 10: using AlexNet\(num_classes=10\)/);
  assert.match(r.stdout, /-> logits \[1, 10\]/);
});

test('export: weights of another architecture -> exit 1 with load_state_dict\'s error', () => {
  const r = run('export', MODEL, '--weights', fixture('alexnet_2012_small.pth'), '--out', join(dir, 'x.onnx'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /alexnet_2012_small\.pth: Error\(s\) in loading state_dict for AlexNet:\n\tMissing key\(s\) in state_dict: "features\.0\.weight", /);
  assert.match(r.stderr, /Unexpected key\(s\) in state_dict: "conv1\.weight", /);
  assert.equal(existsSync(join(dir, 'x.onnx')), false);
  // same layer names, other widths: size mismatches
  const paper = run('export', 'test/corpus/alexnet_2012_paper.py', '--weights', fixture('alexnet_2012_small.pth'), '--out', join(dir, 'x.onnx'));
  assert.equal(paper.status, 1);
  assert.match(paper.stderr, /size mismatch for conv1\.weight: copying a param with shape torch\.Size\(\[16, 3, 11, 11\]\) from checkpoint, the shape in current model is torch\.Size\(\[96, 3, 11, 11\]\)\./);
});

test('export: model errors and what cannot be exported -> 1; missing files and bad arguments -> 2', () => {
  const notCheckpoint = run('export', MODEL, '--weights', MODEL);
  assert.equal(notCheckpoint.status, 1);
  assert.match(notCheckpoint.stderr, /is not a PyTorch checkpoint/);
  const broken = run('export', 'test/corpus/broken_linear_in_features.py', '--weights', WEIGHTS);
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /broken_linear_in_features\.py:\d+: mat1 and mat2 shapes cannot be multiplied/);
  const divisor = join(dir, 'divisor.py');
  writeFileSync(divisor, 'import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.pool = nn.AvgPool2d(2, divisor_override=3)\n\n    def forward(self, x):\n        return self.pool(x)\n');
  // a model without parameters: an empty safetensors file is its whole state_dict
  const empty = join(dir, 'empty.safetensors');
  const header = Buffer.from('{}      ');
  const bytes = Buffer.concat([Buffer.alloc(8), header]);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  writeFileSync(empty, bytes);
  const unsupported = run('export', divisor, '--weights', empty);
  assert.equal(unsupported.status, 1);
  assert.match(unsupported.stderr, /Cannot export layer 'pool' \(AvgPool2d, line 7\) to ONNX: divisor_override=3/);
  assert.equal(run('export', MODEL, '--weights', join(dir, 'none.pth')).status, 2);
  assert.equal(run('export', join(dir, 'none.py'), '--weights', WEIGHTS).status, 2);
  const noWeights = run('export', MODEL);
  assert.equal(noWeights.status, 2);
  assert.match(noWeights.stderr, /export needs --weights FILE/);
  assert.equal(run('export', MODEL, '--weights', WEIGHTS, '--batch', '0').status, 2);
  assert.equal(run('export', MODEL, '--weights', WEIGHTS, '--topk', '3').status, 2);
});

test('classify --json --logits: top-k with labels, probabilities, logits, backend and time per image', () => {
  const a = png('a.png', 40, 30, 1);
  const b = png('b.png', 28, 28, 2);
  const r = run('classify', a, b, '--model', MODEL, '--weights', WEIGHTS, '--labels', LABELS, '--topk', '3', '--json', '--logits');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { file: string; top: { index: number; label: string; prob: number }[]; logits: number[]; backend: string; ms: number }[];
  assert.deepEqual(out.map((x) => x.file), [a, b]);
  for (const x of out) {
    assert.equal(x.top.length, 3);
    assert.equal(x.logits.length, 10);
    assert.equal(x.backend, 'onnxruntime-node (cpu)');
    assert.equal(typeof x.ms, 'number');
    // softmax of the logits, highest first
    const max = Math.max(...x.logits);
    const sum = x.logits.reduce((s, v) => s + Math.exp(v - max), 0);
    const best = x.logits.indexOf(max);
    assert.equal(x.top[0].index, best);
    assert.ok(Math.abs(x.top[0].prob - 1 / sum) < 1e-6);
    assert.ok(x.top[0].prob >= x.top[1].prob && x.top[1].prob >= x.top[2].prob);
    assert.equal(x.top[0].label, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'][best]);
  }
  assert.notDeepEqual(out[0].logits, out[1].logits);
  // the text form
  const text = run('classify', a, '--model', MODEL, '--weights', WEIGHTS, '--labels', LABELS, '--topk', '2');
  assert.equal(text.status, 0);
  assert.match(text.stdout, /a\.png {2}\(onnxruntime-node \(cpu\), [\d.]+ ms\)\n {2}1\. .+%\n {2}2\. .+%\n$/);
});

function assertPyTorchLogits(r: ReturnType<typeof run>, ref: { file: string; preset: string; logits: number[] }): void {
  assert.equal(r.status, 0, r.stderr);
  const [out] = JSON.parse(r.stdout) as { logits: number[] }[];
  const scale = Math.max(...ref.logits.map(Math.abs));
  const err = Math.max(...ref.logits.map((v, i) => Math.abs(out.logits[i] - v))) / scale;
  assert.ok(err <= 1e-4, `${ref.file} (${ref.preset}): relative error ${err}`);
}

test('classify --logits gives PyTorch\'s output for image files (Pillow + torchvision preprocessing + the model)', () => {
  const m = readFixtureSpec().models.find((x) => x.name === 'alexnet_small')!;
  assert.ok(m.images && m.images.length >= 2);
  for (const ref of m.images) {
    assertPyTorchLogits(run('classify', ref.file, '--model', MODEL, '--weights', WEIGHTS, '--preset', ref.preset, '--json', '--logits'), ref);
  }
});

test('classify at the model\'s own size: the paper\'s AlexNet at 227, a CIFAR LeNet at 32 (their comments), an MNIST Net at 1x28x28 (the size it fits)', () => {
  const cases: [string, 'seed' | 'imagenet'][] = [['alexnet_2012_small', 'seed'], ['lenet_cifar10', 'imagenet'], ['mnist_small', 'seed']];
  for (const [name, preset] of cases) {
    const m = readFixtureSpec().models.find((x) => x.name === name)!;
    const ref = m.images!.find((x) => x.preset === preset)!;
    const r = run('classify', ref.file, '--model', m.source, '--weights', fixture(m.checkpoint), '--preset', preset, '--json', '--logits');
    assertPyTorchLogits(r, ref);
  }
  // export too: the ONNX input is the model's own size
  const mnist = run('export', 'test/fixtures/onnx/mnist_small.py', '--weights', fixture('mnist_small.pth'), '--out', join(dir, 'mnist.onnx'));
  assert.equal(mnist.status, 0, mnist.stderr);
  assert.match(mnist.stdout, /input \[1, 1, 28, 28\] -> logits \[1, 10\]/);
});

test('classify: unusable images -> 2 (the others are still classified); bad labels and flags -> 2; model errors -> 1', () => {
  const good = png('good.png', 16, 16, 3);
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'not an image');
  const r = run('classify', good, text, join(dir, 'missing.png'), '--model', MODEL, '--weights', WEIGHTS, '--json');
  assert.equal(r.status, 2);
  const out = JSON.parse(r.stdout) as { file: string; top?: unknown[]; error?: string }[];
  assert.equal(out[0].top?.length, 5);
  assert.match(out[1].error!, /notes\.png: is not an image/);
  assert.match(out[2].error!, /missing\.png: no such file/);
  assert.match(r.stderr, /notes\.png: is not an image/);

  const nine = join(dir, 'nine.txt');
  writeFileSync(nine, 'a\nb\nc\nd\ne\nf\ng\nh\ni\n');
  const labels = run('classify', good, '--model', MODEL, '--weights', WEIGHTS, '--labels', nine);
  assert.equal(labels.status, 2);
  assert.match(labels.stderr, /nine\.txt: 9 labels, but the model has 10 classes/);
  assert.equal(run('classify', good, '--model', MODEL, '--weights', WEIGHTS, '--labels', join(dir, 'none.txt')).status, 2);
  assert.equal(run('classify', '--model', MODEL, '--weights', WEIGHTS).status, 2);
  assert.equal(run('classify', good, '--model', MODEL, '--weights', WEIGHTS, '--topk', 'x').status, 2);
  assert.equal(run('classify', good, '--model', MODEL, '--weights', WEIGHTS, '--preset', 'cifar').status, 2);

  const other = run('classify', good, '--model', MODEL, '--weights', fixture('resnet_tiny.pth'));
  assert.equal(other.status, 1);
  assert.match(other.stderr, /Error\(s\) in loading state_dict for AlexNet:/);
  // the paper's AlexNet now runs at its 227x227: what is wrong is the weights
  const paper = run('classify', good, '--model', 'test/corpus/alexnet_2012_paper.py', '--weights', WEIGHTS);
  assert.equal(paper.status, 1);
  assert.match(paper.stderr, /alexnet_small\.pth: Error\(s\) in loading state_dict for AlexNet2012:/);
  const broken = run('classify', good, '--model', 'test/corpus/broken_linear_in_features.py', '--weights', WEIGHTS);
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /broken_linear_in_features\.py:\d+: mat1 and mat2 shapes cannot be multiplied .* \(with the \[3, 224, 224\] input classify feeds it\)/);
});

test('classify with the defaults: the seed AlexNet and the Fashion-MNIST weights, or a clear error until they exist', () => {
  const image = png('default.png', 28, 28, 4);
  const r = run('classify', image, '--json');
  if (!existsSync(join(root, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth'))) {
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the default weights .*alexnet-fashion-mnist\.pth are not there .*pass --weights FILE/);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const [out] = JSON.parse(r.stdout) as { top: { label: string }[] }[];
  const names = JSON.parse(readFileSync(join(root, 'models', 'fashion-mnist', 'class_indices.json'), 'utf8')) as Record<string, string>;
  assert.ok(Object.values(names).includes(out.top[0].label));
});
