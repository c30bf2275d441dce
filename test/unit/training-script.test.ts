// The training-script reader (src/core/training/script.ts) on the snippets as inserted and on scripts typed in other
// styles, all of which ran in PyTorch (tools/check-snippets.py -> checked.json); and the snippet files themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readScript } from '../../src/core/training/script';
import { SNIPPET_FILES, SNIPPET_NAMES, snippetFiles } from '../../tools/make-snippets.mjs';

const root = join(__dirname, '..', '..');
const dir = join(root, 'test/fixtures/training-scripts');
const script = (file: string) => readFileSync(join(dir, file), 'utf8');
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const checked = JSON.parse(script('checked.json'));

test('the snippet files are what tools/make-snippets.mjs writes (bodies from snippets/src, descriptions from package.nls*.json)', () => {
  const files = snippetFiles();
  assert.equal(readFileSync(join(root, SNIPPET_FILES.en), 'utf8'), files.en);
  assert.equal(readFileSync(join(root, SNIPPET_FILES['zh-cn']), 'utf8'), files['zh-cn']);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.snippets, [{ language: 'python', path: '%snippets.python%' }]);
  const en = JSON.parse(files.en);
  const zh = JSON.parse(files['zh-cn']);
  assert.deepEqual(Object.keys(en), SNIPPET_NAMES);
  for (const name of SNIPPET_NAMES) {
    assert.deepEqual(zh[name].body, en[name].body);
    assert.notEqual(zh[name].description, en[name].description);
  }
});

test('every snippet and test script ran in PyTorch as it is today (checked.json: rerun tools/check-snippets.py after a change)', () => {
  const en = JSON.parse(snippetFiles().en);
  assert.match(checked.torch, /^1\.13/);
  for (const name of SNIPPET_NAMES) {
    assert.equal(checked.snippets[name]?.body_sha256, sha(en[name].body.join('\n')), `snippet ${name} changed since it ran in PyTorch`);
    assert.equal(checked.snippets[name].sha256, sha(script(`snippet-${name}.py`)), `snippet-${name}.py is not the one that ran`);
  }
  assert.match(checked.snippets['alexnet-train'].output.at(-2), /train_loss: [\d.]+ {2}train_accuracy: [\d.]+$/);
  assert.match(checked.snippets['alexnet-predict'].output.at(-1), /^class: class_\d/);
  for (const file of ['train-sgd.py', 'train-by-hand.py', 'train-unreadable.py']) {
    assert.equal(checked.scripts[file]?.sha256, sha(script(file)), `${file} changed since it ran in PyTorch`);
  }
});

test('the alexnet-train snippet as inserted: every setting read, the lens on its epochs loop', () => {
  const r = readScript(script('snippet-alexnet-train.py'));
  assert.equal(r.kind, 'train');
  if (r.kind !== 'train') return;
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.settings, {
    model: { file: 'model.py', className: 'AlexNet', entry: 'AlexNet(num_classes=5, init_weights=True)' },
    dataset: { kind: 'imagefolder', folder: 'data/train' },
    inputSize: [3, 224, 224],
    batch: 32,
    epochs: 10,
    optimizer: { kind: 'adam', lr: 0.0002, betas: [0.9, 0.999], weightDecay: 0, momentum: 0, nesterov: false },
    seed: 0,
    shuffle: true,
    augment: false,
    normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    save: 'AlexNet.pth',
  });
  assert.match(script('snippet-alexnet-train.py').split('\n')[r.range.line - 1]!, /^for epoch in range\(epochs\):/);
});

test('edits to the snippet are read: 2 epochs, another folder, batch 8', () => {
  const text = script('snippet-alexnet-train.py').replace('epochs = 10', 'epochs = 2').replace('"data/train"', '"small/flowers"').replace('batch_size=32', 'batch_size=8');
  const r = readScript(text);
  assert.ok(r.kind === 'train' && r.settings);
  assert.equal(r.settings.epochs, 2);
  assert.equal(r.settings.batch, 8);
  assert.deepEqual(r.settings.dataset, { kind: 'imagefolder', folder: 'small/flowers' });
});

test('a variant with SGD (momentum, weight decay, nesterov), augmentation, the transforms in a dict and range(1, 3)', () => {
  const r = readScript(script('train-sgd.py'));
  assert.ok(r.kind === 'train' && r.settings, JSON.stringify(r));
  assert.deepEqual(r.settings.optimizer, { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4, betas: [0.9, 0.999], nesterov: true });
  assert.deepEqual(r.settings.inputSize, [3, 227, 227]);
  assert.equal(r.settings.augment, true);
  assert.equal(r.settings.epochs, 2);
  assert.equal(r.settings.batch, 4);
  assert.deepEqual(r.settings.dataset, { kind: 'imagefolder', folder: 'data/train' });
  assert.equal(r.settings.seed, undefined);
  assert.equal(r.settings.save, 'AlexNet-sgd.pth');
  assert.deepEqual(r.settings.model, { file: 'model.py', className: 'AlexNet', entry: 'AlexNet(num_classes=5)' });
});

test('typed by hand in another style: FashionMNIST, Grayscale(3), the model in the same file, main(), positional DataLoader, an eval loop', () => {
  const r = readScript(script('train-by-hand.py'));
  assert.ok(r.kind === 'train' && r.settings, JSON.stringify(r));
  assert.deepEqual(r.settings, {
    model: { file: null, className: 'SmallNet', entry: 'SmallNet(num_classes=10, width=8)' },
    dataset: { kind: 'idx', folder: './data/FashionMNIST/raw' },
    inputSize: [3, 32, 32],
    batch: 16,
    epochs: 2,
    optimizer: { kind: 'adam', lr: 0.001, betas: [0.9, 0.99], weightDecay: 1e-4, momentum: 0, nesterov: false },
    seed: 42,
    shuffle: true,
    augment: false,
    normalize: { mean: [0.5], std: [0.5] },
    save: 'checkpoints/fmnist.pth',
  });
});

test('settings that cannot be read are diagnostics on their lines, and nothing is run', () => {
  const text = script('train-unreadable.py');
  const r = readScript(text);
  assert.equal(r.kind, 'train');
  if (r.kind !== 'train') return;
  assert.equal(r.settings, null);
  const at = (d: { range: { line: number; column: number; endColumn: number } }) => text.split('\n')[d.range.line - 1]!.slice(d.range.column, d.range.endColumn);
  assert.deepEqual(r.diagnostics.map((d) => [d.range.line, at(d)]), [
    [22, 'int(os.environ.get("EPOCHS", "1"))'],
    [18, 'pick_batch_size()'],
    [17, 'size'],
    [20, 'optim.RMSprop(net.parameters(), lr=0.001)'],
    [19, 'len(train_set.classes)'],
  ]);
  assert.match(r.diagnostics[1]!.message, /batch size 'pick_batch_size\(\)' is not a constant/);
  assert.match(r.diagnostics[3]!.message, /RMSprop is not one the editor runs: use optim\.Adam or optim\.SGD/);
});

test('the alexnet-predict snippet: the image, the weights, the labels and the model it builds; the model snippet alone has no loop', () => {
  const r = readScript(script('snippet-alexnet-predict.py'));
  assert.ok(r.kind === 'predict' && r.settings, JSON.stringify(r));
  assert.deepEqual(r.settings, {
    image: 'test.jpg', weights: 'AlexNet.pth', labels: 'class_indices.json',
    model: { file: 'model.py', className: 'AlexNet', entry: 'AlexNet(num_classes=5)' },
  });
  assert.deepEqual(readScript(script('snippet-alexnet.py')), { kind: 'none' });
  assert.deepEqual(readScript(readFileSync(join(root, 'models/alexnet.py'), 'utf8')), { kind: 'none' });
});

test('SGD without lr: PyTorch\'s message, on the optimizer\'s line', () => {
  const text = script('train-sgd.py').replace('lr=0.01, ', '');
  const r = readScript(text);
  assert.ok(r.kind === 'train');
  assert.deepEqual(r.diagnostics.map((d) => d.message), ["parameter group didn't specify a value of required optimization parameter lr"]);
  assert.equal(r.diagnostics[0]!.range.line, 26);
});
