// The classifier core the CLI and the editor share, and the host's image preparation for the webview.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import {
  ClassifierError, TORCHVISION_ALEXNET, activationMapLayers, headLinear, lastOp, modelInput, prepareClassifier, presetFor, resolveLabels,
} from '../../src/core/classifier';
import { floatTensors } from '../../src/core/onnx';
import { halfToNumber, toFloat32, type Tensor } from '../../src/core/weights';
import { IMAGENET_CLASSES } from '../../src/core/labels';
import { analyzeSource } from '../../src/core/model/analyze';
import { outputKindOf, probabilities, topK } from '../../src/core/scores';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';
import { modelInfo, modelKey, prepareImage } from '../../src/vscode/classifyModel';
import { FIXTURE_DIR, ROOT, readFixtureSpec } from '../fixtures/onnx/fixture';

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const small = () => ({
  model: { file: 'alexnet_small.py', text: readFileSync(join(FIXTURE_DIR, 'alexnet_small.py'), 'utf8') },
  weights: { file: 'alexnet_small.pth', read: () => readCheckpointFile(join(FIXTURE_DIR, 'alexnet_small.pth')) },
});

test('scores: softmax of logits, probabilities as they are, exp of log-probabilities; top-k highest first, ties by index', () => {
  assert.equal(outputKindOf('linear'), 'logits');
  assert.equal(outputKindOf('softmax'), 'probabilities');
  assert.equal(outputKindOf('log_softmax'), 'log-probabilities');
  const p = probabilities([1, 2, 3], 'logits');
  assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
  assert.ok(Math.abs(p[2] - Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) < 1e-12);
  // large logits do not overflow
  assert.ok(probabilities([1000, 999], 'logits').every(Number.isFinite));
  assert.deepEqual(probabilities([0.2, 0.8], 'probabilities'), [0.2, 0.8]);
  assert.ok(Math.abs(probabilities([Math.log(0.25), Math.log(0.75)], 'log-probabilities')[1] - 0.75) < 1e-12);
  assert.deepEqual(topK([0.1, 0.4, 0.4, 0.1], 3, ['a', 'b', 'c', 'd']).map((t) => t.label), ['b', 'c', 'a']);
  assert.deepEqual(topK([0.3, 0.7], 5, null).map((t) => t.label), ['1', '0']);
});

test('presetFor: torchvision\'s checkpoint -> imagenet; training.json\'s preset; else seed', () => {
  assert.equal(presetFor('/x/alexnet-owt-7be5be79.pth', null), 'imagenet');
  assert.equal(presetFor('w.pth', '{"preset": "imagenet"}'), 'imagenet');
  assert.equal(presetFor('w.pth', '{"preset": "cifar"}'), 'seed');
  assert.equal(presetFor('w.pth', 'not json'), 'seed');
  assert.equal(presetFor('w.pth', 'null'), 'seed');
  assert.equal(presetFor('w.pth', null), 'seed');
});

test('resolveLabels: the file (count checked, errors name it), ImageNet for torchvision, else none', () => {
  assert.deepEqual(resolveLabels({ file: 'l.txt', text: 'a\nb' }, 'w.pth', 2), { labels: ['a', 'b'], source: 'file' });
  assert.throws(() => resolveLabels({ file: 'l.txt', text: 'a\nb' }, 'w.pth', 3), (e: unknown) => e instanceof ClassifierError && e.kind === 'input' && /^l\.txt: 2 labels, but the model has 3 classes$/.test(e.message));
  assert.throws(() => resolveLabels({ file: 'c.json', text: '{"0": "a", "2": "b"}' }, 'w.pth', 2), (e: unknown) => e instanceof ClassifierError && /^c\.json: /.test(e.message));
  const tv = resolveLabels(null, '/home/u/.cache/torch/hub/checkpoints/alexnet-owt-7be5be79.pth', 1000);
  assert.equal(tv.source, 'imagenet');
  assert.equal(tv.labels?.length, IMAGENET_CLASSES.length);
  assert.deepEqual(resolveLabels(null, 'w.pth', 10), { labels: null, source: 'none' });
});

test('the built-in torchvision AlexNet: 1000 classes at [3, 224, 224], 61.1M parameters, its head found', () => {
  const a = analyzeSource(TORCHVISION_ALEXNET.text, { entry: TORCHVISION_ALEXNET.entry });
  assert.equal(a.error, undefined);
  assert.deepEqual(a.output, [1, 1000]);
  assert.equal(a.totalParams, 61_100_840);
  assert.equal(headLinear(a)?.path, 'classifier.6');
  assert.equal(lastOp(a), 'linear');
  assert.deepEqual(modelInput(TORCHVISION_ALEXNET), { channels: 3, height: 224, width: 224, source: 'default' });
});

test('activation maps of the seed model: each conv layer after its ReLU, with its shape', () => {
  const a = analyzeSource(readFileSync(join(ROOT, 'models', 'alexnet.py'), 'utf8'));
  const maps = activationMapLayers(a);
  assert.deepEqual(maps.map((m) => m.layer), ['features.0', 'features.3', 'features.6', 'features.8', 'features.10']);
  assert.deepEqual(maps.map((m) => m.name), ['features.1', 'features.4', 'features.7', 'features.9', 'features.11']);
  assert.deepEqual(maps[0], { name: 'features.1', title: 'features.0 Conv2d + ReLU', layer: 'features.0', shape: [1, 48, 55, 55] });
  assert.deepEqual(maps[4].shape, [1, 128, 13, 13]);
});

test('prepareClassifier: ONNX with logits and the maps as outputs, PyTorch\'s logits for the fixture image; labels, preset, notes', async () => {
  const c = prepareClassifier({ ...small(), labels: { file: 'labels.txt', text: LABELS.join('\n') }, preset: 'seed', activations: true });
  assert.equal(c.classes, 10);
  assert.equal(c.channels, 3);
  assert.deepEqual(c.input, [1, 3, 224, 224]);
  assert.equal(c.outputKind, 'logits');
  assert.equal(c.labelsSource, 'file');
  assert.match(c.transforms, /^Resize\(\(224, 224\)\)/);
  const session = await ort.InferenceSession.create(c.onnx);
  for (const m of c.maps) assert.ok(session.outputNames.includes(m.name), m.name);
  const ref = readFixtureSpec().models.find((m) => m.name === 'alexnet_small')!.images![0];
  const image = prepareImage(readFileSync(join(ROOT, ref.file)), 'boot.png', 'seed', 3);
  assert.equal(image.error, undefined);
  assert.equal(image.display?.mime, 'image/png');
  assert.deepEqual([image.width, image.height], [28, 28]);
  const out = await session.run({ input: new ort.Tensor('float32', image.tensor!, [1, 3, 224, 224]) }, ['logits', c.maps[0].name]);
  const logits = out.logits.data as Float32Array;
  const scale = Math.max(...ref.logits.map(Math.abs));
  ref.logits.forEach((v, i) => assert.ok(Math.abs(logits[i] - v) <= 1e-4 * scale, `logit ${i}`));
  assert.deepEqual(out[c.maps[0].name].dims, c.maps[0].shape);

  const info = modelInfo(c, { key: 'k', modelFile: 'alexnet_small.py', weightsFile: 'alexnet_small.pth', labelsFile: 'labels.txt', isDefault: false });
  assert.deepEqual(info.mean, [0.5, 0.5, 0.5]);
  assert.deepEqual([info.input, info.inputSource], [[1, 3, 224, 224], 'comment']);
  assert.deepEqual(info.labels, LABELS);
  assert.equal(info.labelsFile, 'labels.txt');
});

test('classify at the model\'s own size: the paper\'s AlexNet at 227 (its comment), a CIFAR LeNet at 32, an MNIST Net at 1x28x28 (the size it fits); PyTorch\'s logits for both presets', async () => {
  const expected: Record<string, { input: number[]; source: string; seed: RegExp; imagenet: RegExp }> = {
    alexnet_2012_small: { input: [1, 3, 227, 227], source: 'comment', seed: /^Resize\(\(227, 227\)\), /, imagenet: /^Resize\(259\), CenterCrop\(227\), / },
    lenet_cifar10: { input: [1, 3, 32, 32], source: 'comment', seed: /^Resize\(\(32, 32\)\), /, imagenet: /^Resize\(36\), CenterCrop\(32\), / },
    mnist_small: { input: [1, 1, 28, 28], source: 'fits', seed: /^Resize\(\(28, 28\)\), /, imagenet: /^Resize\(32\), CenterCrop\(28\), / },
  };
  for (const m of readFixtureSpec().models.filter((x) => x.name in expected)) {
    const want = expected[m.name];
    const model = { file: m.source, text: readFileSync(join(ROOT, m.source), 'utf8') };
    const weights = { file: m.checkpoint, read: () => readCheckpointFile(join(FIXTURE_DIR, m.checkpoint)) };
    assert.ok(m.images && m.images.length === 2, m.name);
    for (const ref of m.images) {
      const c = prepareClassifier({ model, weights, labels: null, preset: ref.preset });
      assert.deepEqual(c.input, want.input, m.name);
      assert.equal(c.size.source, want.source, m.name);
      assert.match(c.transforms, want[ref.preset], `${m.name} ${ref.preset}`);
      const image = prepareImage(readFileSync(join(ROOT, ref.file)), ref.file, ref.preset, c.channels, c.size);
      assert.equal(image.tensor?.length, want.input[1] * want.input[2] * want.input[3]);
      const session = await ort.InferenceSession.create(c.onnx);
      const out = (await session.run({ input: new ort.Tensor('float32', image.tensor!, want.input) })).logits.data as Float32Array;
      const scale = Math.max(...ref.logits.map(Math.abs));
      const err = Math.max(...ref.logits.map((v, i) => Math.abs(out[i] - v))) / scale;
      assert.ok(err <= 1e-4, `${m.name} ${ref.preset}: relative error ${err}`);
    }
  }
  // the setting gives the size of a file without a comment; a model that fits no size keeps 224 and says so
  const mnist = { file: 'mnist.py', text: readFileSync(join(FIXTURE_DIR, 'mnist_small.py'), 'utf8') };
  assert.deepEqual(modelInput({ ...mnist, defaultInput: [1, 29, 29] }), { channels: 1, height: 29, width: 29, source: 'option' });
  assert.throws(
    () => prepareClassifier({ model: { file: 'broken.py', text: readFileSync(join(ROOT, 'test/corpus/broken_linear_in_features.py'), 'utf8') }, weights: small().weights, labels: null, preset: 'seed' }),
    (e: unknown) => e instanceof ClassifierError && e.kind === 'model' && /^broken\.py:\d+: mat1 and mat2 shapes cannot be multiplied .* \(with the \[3, 224, 224\] input classify feeds it\)$/.test(e.message),
  );
});

test('prepareClassifier: a 1000-class model file takes 10-class weights as num_classes=10, with a note unless quiet; wrong weights -> model error', () => {
  const wide = { file: 'wide.py', text: small().model.text.replace('num_classes=10,', 'num_classes=1000,') };
  const noisy = prepareClassifier({ model: wide, weights: small().weights, labels: null, preset: 'seed' });
  assert.equal(noisy.classes, 10);
  assert.match(noisy.notes.join('\n'), /wide\.py: AlexNet is built with 1000 classes by default; the weights have 10: using AlexNet\(num_classes=10\)/);
  assert.deepEqual(prepareClassifier({ model: wide, weights: small().weights, labels: null, preset: 'seed', quietResize: true }).notes, []);
  assert.throws(
    () => prepareClassifier({ model: small().model, weights: { file: 'paper.pth', read: () => readCheckpointFile(join(FIXTURE_DIR, 'alexnet_2012_small.pth')) }, labels: null, preset: 'seed' }),
    (e: unknown) => e instanceof ClassifierError && e.kind === 'model' && /^paper\.pth: Error\(s\) in loading state_dict for AlexNet:/.test(e.message),
  );
  assert.throws(
    () => prepareClassifier({ model: { file: 'none.py', text: 'x = 1\n' }, weights: small().weights, labels: null, preset: 'seed' }),
    (e: unknown) => e instanceof ClassifierError && /none\.py: /.test(e.message),
  );
});

test('prepareImage: tensors for decodable files, the bytes for WebP (the webview decodes it), errors naming the file', () => {
  const data = new Uint8Array(30 * 20 * 4).fill(200);
  const png = encode({ width: 30, height: 20, data, channels: 4, depth: 8 });
  const ok = prepareImage(png, 'a.png', 'imagenet', 1);
  assert.equal(ok.tensor?.length, 224 * 224);
  const webp = readFileSync(join(ROOT, 'test', 'fixtures', 'images', 'inputs', 'webp-lossless-32x24.webp'));
  const w = prepareImage(webp, 'b.webp', 'seed', 3);
  assert.equal(w.error, undefined);
  assert.equal(w.tensor, undefined);
  assert.equal(w.encoded, webp);
  assert.equal(w.display?.mime, 'image/webp');
  assert.match(prepareImage(new TextEncoder().encode('hello'), 'c.png', 'seed', 3).error!, /^c\.png: is not an image/);
  assert.match(prepareImage(new Uint8Array(), 'd.png', 'seed', 3).error!, /^d\.png: is an empty file/);
});

test('toFloat32 widens every float16 bit pattern to halfToNumber\'s value (subnormals, zeros, inf, NaN)', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const got = toFloat32({ dtype: 'float16', shape: [65536], data: all } as Tensor);
  assert.ok(all.every((bits, i) => Object.is(Math.fround(halfToNumber(bits)), got[i])));
  const floats = floatTensors(new Map<string, Tensor>([
    ['b.weight', { dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) } as Tensor],
    ['c.num_batches_tracked', { dtype: 'int64', shape: [], data: new BigInt64Array([3n]) } as Tensor],
  ]));
  assert.deepEqual([...floats.keys()], ['b.weight']);
});

test('modelKey changes with any part and with nothing else', () => {
  assert.equal(modelKey(['a', 'b']), modelKey(['a', 'b']));
  assert.notEqual(modelKey(['a', 'b']), modelKey(['a', 'c']));
  assert.notEqual(modelKey(['ab', '']), modelKey(['a', 'b']));
});
