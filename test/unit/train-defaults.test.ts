// The Train panel's CPU defaults (src/vscode/trainJob.ts): a step-sized snippet gets as many steps as fit about
// 90 s of wasm steps for the model's cost (never fewer than the snippet's CPU default, never more than the GPU's).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SNIPPETS, defaultSettings } from '../../src/vscode/trainJob';

const ROOT = join(__dirname, '..', '..');
const l10n = { t: (s: string, ...a: unknown[]) => s.replace(/\{(\d+)\}/g, (_, i: string) => String(a[Number(i)])) };
const model = (file: string) => ({ uri: `file:///${file}`, fileName: file, text: readFileSync(join(ROOT, 'models', file), 'utf8') });
const relu = SNIPPETS.find((s) => s.id === 'relu-tanh')!;
const dropout = SNIPPETS.find((s) => s.id === 'dropout')!;

test('the seed AlexNet (311 M MACs at 224x224) on the CPU: more than the snippet minimum, far fewer than on a GPU', () => {
  const { settings } = defaultSettings(relu, model('alexnet.py'), false, 10, l10n);
  assert.deepEqual(settings.inputSize, [3, 224, 224]);
  // 90 s / 2 arms / (1,717 + 30 ms a step) = 25
  assert.equal(settings.steps, 25);
});

test('a four-layer CNN (2.8 M MACs at 28x28) on the CPU gets the GPU step count', () => {
  const { settings } = defaultSettings(relu, model('four_layer_cnn.py'), false, 10, l10n);
  assert.deepEqual(settings.inputSize, [1, 28, 28]);
  assert.equal(settings.steps, relu.sizes.gpu.steps);
});

test('epoch-sized snippets keep their epochs; a GPU keeps its own sizes', () => {
  assert.equal(defaultSettings(dropout, model('alexnet.py'), false, 10, l10n).settings.epochs, dropout.sizes.cpu.epochs);
  assert.equal(defaultSettings(relu, model('alexnet.py'), true, 10, l10n).settings.steps, relu.sizes.gpu.steps);
});
