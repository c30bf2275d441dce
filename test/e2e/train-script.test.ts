// The alexnet-train snippet in the user's own code: inserted into a new file, edited (2 epochs, a small folder), and
// "Run on WebGPU" above its loop calls alexnetExplorer.train with the settings read from the code (asserted through the
// test hook ALEXNET_EXPLORER_TRAIN_RECORD: each run appends { model, settings } as a JSON line before the command is
// executed), and the Train panel runs them as its Fine-tune snippet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchVSCode, resultsDir, root, type VSCode } from './harness';

let vsc: VSCode;
const record = join(resultsDir, 'train-script.record.jsonl');
const inserted = readFileSync(join(root, 'test/fixtures/training-scripts/snippet-alexnet-train.py'), 'utf8').split('\n');
const lineOf = (text: string) => inserted.findIndex((l) => l.includes(text)) + 1;

before(async () => {
  mkdirSync(resultsDir, { recursive: true });
  rmSync(record, { force: true });
  vsc = await launchVSCode({ folder: 'models', env: { ALEXNET_EXPLORER_TRAIN_RECORD: record } });
  const ws = vsc.workspace!;
  copyFileSync(join(ws, 'alexnet.py'), join(ws, 'model.py'));
  const samples = readdirSync(join(ws, 'fashion-mnist/samples')).filter((f) => f.endsWith('.png')).slice(0, 4);
  samples.forEach((f, i) => {
    const dir = join(ws, 'small/flowers', i % 2 ? 'daisy' : 'tulips');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(ws, 'fashion-mnist/samples', f), join(dir, f));
  });
  writeFileSync(join(ws, 'train.py'), '');
  await vsc.openFile('train.py');
}, { timeout: 240_000 });

after(async () => {
  await vsc?.close();
});

test('insert alexnet-train, set 2 epochs on a small folder, Run on WebGPU -> the Train panel opens with those settings', { timeout: 480_000 }, async () => {
  const { page } = vsc;
  await vsc.runCommand('Snippets: Insert Snippet');
  await vsc.typeText('alexnet-train');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'alexnet-train' });
  await vsc.waitFor('the alexnet-train snippet in the picker', async () => (await row.count()) > 0, 20_000);
  await row.first().click();
  await vsc.waitFor('the snippet inserted', async () => (await vsc.lineText(lineOf('epochs = 10'))).includes('epochs = 10'), 20_000);
  await vsc.press('Escape');
  await vsc.replaceOnLine(lineOf('epochs = 10'), 'epochs = 10', 'epochs = 2');
  await vsc.replaceOnLine(lineOf('root="data/train"'), 'data/train', 'small/flowers');
  const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run on WebGPU' });
  await vsc.waitFor('the Run on WebGPU lens', async () => (await lens.count()) > 0, 30_000);
  await vsc.screenshot('train-lens');
  await lens.first().click();
  const lines = await vsc.waitFor('alexnetExplorer.train called', async () => (existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : undefined), 30_000);
  assert.equal(lines.length, 1);
  const { model, settings } = JSON.parse(lines[0]!);
  const ws = pathToFileURL(vsc.workspace!).href;
  assert.equal(model, `${ws}/model.py`);
  assert.deepEqual(settings, {
    model: `${ws}/model.py`,
    entry: 'AlexNet(num_classes=5, init_weights=True)',
    dataset: { kind: 'imagefolder', folder: `${ws}/small/flowers` },
    inputSize: [3, 224, 224],
    batch: 32,
    epochs: 2,
    optimizer: { kind: 'adam', lr: 0.0002, betas: [0.9, 0.999], weightDecay: 0, momentum: 0, nesterov: false },
    seed: 0,
    shuffle: true,
    augment: false,
    normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    saveFolder: ws,
    saveName: 'AlexNet.pth',
    script: { uri: `${ws}/train.py`, line: lineOf('for epoch in range(epochs):') },
    snippet: 'finetune',
    run: true,
  });
  // the Train panel opens with those settings in its settings block (the run itself, 2 epochs at 224x224 on wasm,
  // is what test/e2e/train.test.ts and the webview tests cover)
  const frame = await vsc.webviewFrame('Train: model.py', 60_000);
  await frame.waitForSelector('#settings', { timeout: 120_000 });
  const block = await vsc.waitFor('the settings block filled', async () => {
    const text = await frame.locator('#settings').inputValue();
    return text.includes('epochs = 2') ? text : undefined;
  }, 60_000);
  for (const line of ['model = AlexNet(num_classes=5, init_weights=True)', `data = ImageFolder(${JSON.stringify(join(vsc.workspace!, 'small/flowers'))})`,
    'input_size = (3, 224, 224)', 'batch_size = 32', 'shuffle = True', 'optimizer = Adam(lr=0.0002, betas=(0.9, 0.999), weight_decay=0)', 'epochs = 2']) {
    assert.ok(block.split('\n').includes(line), `the panel's settings have "${line}":\n${block}`);
  }
  await vsc.screenshot('train-lens-run');
});
