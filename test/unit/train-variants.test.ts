// The Train panel's variants are edits of the user's file: each edited text is analysed again and has exactly the
// layers the snippet asks for, the rest of the file unchanged; a model without the layer gets a plain message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { VariantError, lineDiff, makeVariant, variantLayers } from '../../src/core/training/variants';

const SEED = readFileSync(join(__dirname, '..', '..', 'models', 'alexnet.py'), 'utf8');
const seed = analyzeSource(SEED);
const ops = (text: string) => analyzeSource(text).graph.nodes.filter((n) => n.kind === 'module').map((n) => n.key);

test('tanh: every nn.ReLU becomes nn.Tanh(), shapes and state_dict keys unchanged', () => {
  const v = makeVariant(SEED, seed, 'tanh');
  const a = analyzeSource(v.text);
  assert.equal(a.error, undefined);
  assert.deepEqual(a.output, seed.output);
  assert.equal(ops(v.text).filter((k) => k === 'relu').length, 0);
  assert.equal(ops(v.text).filter((k) => k === 'tanh').length, 7);
  assert.deepEqual(a.graph.nodes.map((n) => n.path), seed.graph.nodes.map((n) => n.path));
  assert.match(v.edits[0]!, /^line 10: nn\.ReLU\(inplace=True\) -> nn\.Tanh\(\)$/);
  const diff = lineDiff(SEED, v.text);
  assert.equal(diff.filter((d) => d.op === '-').length, 7);
  assert.equal(diff.filter((d) => d.op === '+').length, 7);
});

test('no-dropout: Dropout becomes Identity at the same index; pooling and LRN variants', () => {
  const v = makeVariant(SEED, seed, 'no-dropout');
  assert.deepEqual(variantLayers(analyzeSource(v.text)), { relu: 7, dropout: 0, lrn: 0, maxpool: 3 });
  assert.deepEqual(analyzeSource(v.text).graph.nodes.map((n) => n.path), seed.graph.nodes.map((n) => n.path));
  const pool = makeVariant(SEED, seed, 'pool-2x2');
  const pa = analyzeSource(pool.text);
  assert.deepEqual(pa.output, seed.output);
  assert.ok(pa.graph.nodes.filter((n) => n.key === 'max_pool2d').every((n) => n.args.kernel_size === 2 || String(n.args.kernel_size) === '2,2'));
  const lrn = makeVariant(SEED, seed, 'lrn-on');
  const la = analyzeSource(lrn.text);
  assert.equal(la.error, undefined);
  assert.deepEqual(la.output, seed.output);
  const keys = la.graph.nodes.map((n) => n.key);
  assert.deepEqual(keys.slice(1, 9), ['conv2d', 'relu', 'local_response_norm', 'max_pool2d', 'conv2d', 'relu', 'local_response_norm', 'max_pool2d']);
  const off = makeVariant(lrn.text, la, 'lrn-off');
  assert.equal(variantLayers(analyzeSource(off.text)).lrn, 0);
});

test('a model without the layer a snippet varies is told so', () => {
  const src = 'import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 222 * 222, 10))\n';
  const a = analyzeSource(src);
  assert.throws(() => makeVariant(src, a, 'no-dropout'), (e: unknown) => e instanceof VariantError && /has no Dropout: add one to compare/.test(e.message));
  assert.throws(() => makeVariant(src, a, 'tanh'), (e: unknown) => e instanceof VariantError && e.missing === 'relu');
  assert.throws(() => makeVariant(src, a, 'pool-2x2'), (e: unknown) => e instanceof VariantError && e.missing === 'maxpool');
});
