// Slicing, indexing, chunk and split in a model's forward: one 'slice' node per piece, unpacked as Python does,
// PyTorch's errors at their line, and an index the analysis cannot read named where it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeSource } from '../../src/core/model/analyze';

function model(forward: string): string {
  return `import torch\nimport torch.nn as nn\n\nclass M(nn.Module):\n    def forward(self, x):\n${forward.split('\n').map((l) => `        ${l}`).join('\n')}\n`;
}

test('x.chunk, torch.split and x[...] give one slice node per piece, unpacked into names', () => {
  const a = analyzeSource(model('a, b = x.chunk(2, dim=1)\nc, d, e = torch.split(x, [1, 2, 3], 1)\nreturn torch.cat([a[:, 1:], b[:, :2], d], 1)'), { input: [6, 4, 4] });
  assert.equal(a.error, undefined);
  assert.deepEqual(a.output, [1, 6, 4, 4]);
  const slices = a.graph.nodes.filter((n) => n.key === 'slice');
  assert.equal(slices.length, 7);
  assert.deepEqual(slices.map((n) => n.title), [
    'chunk piece 0 dim 1', 'chunk piece 1 dim 1', 'torch.split piece 0 dim 1', 'torch.split piece 1 dim 1', 'torch.split piece 2 dim 1',
    'slice [:, 1:]', 'slice [:, :2]',
  ]);
});

test('indexing drops a dim, None adds one, negative indices and steps follow PyTorch', () => {
  // [1, 3, 4, 7]: 0 drops the batch, None adds a dim, -1 drops the 3 channels, ::3 keeps 2 of 4 rows
  const a = analyzeSource(model('return x[0, None, -1, ::3]'), { input: [3, 4, 7] });
  assert.deepEqual(a.output, [1, 2, 7]);
});

test('unpacking more names than pieces raises ValueError at its line', () => {
  const a = analyzeSource(model('a, b, c = x.chunk(2, 1)\nreturn a'), { input: [4, 2, 2] });
  assert.match(a.error?.message ?? '', /ValueError: not enough values to unpack \(expected 3\)/);
  assert.equal(a.error?.line, 6);
});

test("an index out of range is PyTorch's IndexError at its line", () => {
  const a = analyzeSource(model('y = x + 1\nreturn y[:, 9]'), { input: [4, 2, 2] });
  assert.equal(a.error?.message, 'index 9 is out of bounds for dimension 1 with size 4');
  assert.equal(a.error?.line, 7);
});

test('a slice bound the analysis cannot compute is named with its line', () => {
  const a = analyzeSource(model('n = undefined_thing()\nreturn x[:, :n]'), { input: [4, 2, 2] });
  assert.equal(a.output, null);
  assert.ok(a.diagnostics.some((d) => d.range.line === 7 || /line 6|line 7/.test(d.message)), JSON.stringify(a.diagnostics.map((d) => d.message)));
});
