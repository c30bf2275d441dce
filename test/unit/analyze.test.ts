// The analyzer beyond the corpus: input size, comments, diagnostics with lines, the IR's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource, analyzeSourceSafely } from '../../src/core/model/analyze';
import { nodesAt } from '../../src/core/model/locate';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const seed = read('models/alexnet.py');

test('seed: 20 layers plus input and output, a chain of edges with shapes', () => {
  const a = analyzeSource(seed);
  assert.equal(a.entry, 'AlexNet');
  assert.equal(a.inputSource, 'comment');
  assert.equal(a.graph.nodes.length, 23);
  assert.equal(a.graph.nodes[0].op, 'input');
  assert.equal(a.graph.nodes.at(-1)!.op, 'output');
  const conv = a.graph.nodes.find((n) => n.path === 'features.0')!;
  assert.deepEqual(conv.cost!.outputShape, [1, 48, 55, 55]);
  assert.deepEqual(conv.groups, ['features']);
  assert.equal(conv.defRange!.line, 9);
  assert.equal(conv.callRange!.line, 36);
  assert.ok(conv.cost!.formula.some((f) => f.includes('(224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55')), conv.cost!.formula.join('|'));
  for (const e of a.graph.edges) assert.ok(e.shape, `edge ${e.id} has a shape`);
  assert.equal(a.graph.edges.length, a.graph.nodes.length - 1);
  assert.deepEqual(a.diagnostics, []);
  JSON.parse(JSON.stringify(a));
});

test('a residual add and a torch.cat are nodes with several inputs', () => {
  const res = analyzeSource(read('test/corpus/resnet_tiny.py'));
  const add = res.graph.nodes.find((n) => n.op === 'iadd' || n.op === 'add')!;
  assert.ok(add, 'add node');
  assert.equal(add.inputs.length, 2);
  const inc = analyzeSource(read('test/corpus/inception_tiny.py'));
  const cat = inc.graph.nodes.find((n) => n.op === 'torch.cat')!;
  assert.equal(cat.inputs.length, 4);
  const producers = cat.inputs.map((id) => inc.graph.edges.find((e) => e.id === id)!.from);
  assert.equal(new Set(producers).size, 4);
});

test('the 2012 paper model without its comment: 224 fails and 227 is suggested', () => {
  const src = read('test/corpus/alexnet_2012_paper.py').replace(/input\[3, 227, 227\]/, 'see the paper');
  const a = analyzeSource(src);
  assert.equal(a.inputSource, 'default');
  assert.deepEqual(a.input, [1, 3, 224, 224]);
  assert.ok(a.error);
  const hint = a.diagnostics.find((d) => d.code === 'input-size');
  assert.ok(hint, 'a size suggestion');
  assert.match(hint.message, /# input\[3, 227, 227\]/);
  const ok = analyzeSource(src, { input: [3, 227, 227] });
  assert.equal(ok.error, undefined);
  assert.deepEqual(ok.output, [1, 1000]);
  assert.equal(ok.inputSource, 'option');
});

test('the input option and the default-input setting', () => {
  const noComment = seed.replace('# input[3, 224, 224]', '#');
  assert.equal(analyzeSource(noComment).inputSource, 'default');
  const a = analyzeSource(noComment, { defaultInput: [3, 227, 227] });
  assert.equal(a.inputSource, 'option');
  assert.deepEqual(a.graph.nodes[1].cost!.outputShape, [1, 48, 56, 56]);
  // The comment wins over the setting, the per-file option over both.
  assert.equal(analyzeSource(seed, { defaultInput: [3, 227, 227] }).inputSource, 'comment');
  assert.deepEqual(analyzeSource(seed, { input: [3, 227, 227] }).input, [1, 3, 227, 227]);
});

test('a wrong # output comment is a warning on its line', () => {
  const src = seed.replace('# output[128, 6, 6]', '# output[128, 5, 5]');
  const a = analyzeSource(src);
  const w = a.diagnostics.filter((d) => d.code === 'shape-comment');
  assert.equal(w.length, 1);
  assert.equal(w[0].range.line, 21);
  assert.match(w[0].message, /output\[128, 5, 5\].*\[128, 6, 6\]/);
});

test('a broken Linear: PyTorch\'s message at the Linear line, later layers without shapes', () => {
  const src = seed.replace('nn.Linear(128 * 6 * 6, 2048)', 'nn.Linear(128 * 5 * 5, 2048)');
  const a = analyzeSource(src);
  assert.deepEqual(a.error, { message: 'mat1 and mat2 shapes cannot be multiplied (1x4608 and 3200x2048)', line: 25 });
  const d = a.diagnostics.find((x) => x.code === 'shape')!;
  assert.equal(d.severity, 'error');
  assert.equal(d.range.line, 25);
  assert.equal(a.output, null);
  const after = a.graph.nodes.find((n) => n.path === 'classifier.4')!;
  assert.equal(after.cost, undefined);
  assert.equal(a.totalParams, analyzeSource(seed).totalParams - 4608 * 2048 + 3200 * 2048);
});

test('unsupported constructs are named with their line; the rest is still analysed', () => {
  const src = seed.replace('nn.ReLU(inplace=True),\n            nn.MaxPool2d(kernel_size=3, stride=2),                  # output[48, 27, 27]',
    'nn.ReLU(inplace=True),\n            nn.PixelShuffle(2),\n            nn.MaxPool2d(kernel_size=3, stride=2),');
  const a = analyzeSource(src);
  const d = a.diagnostics.find((x) => x.code === 'unsupported')!;
  assert.ok(d, JSON.stringify(a.diagnostics));
  assert.match(d.message, /nn\.PixelShuffle is not supported/);
  assert.equal(d.range.line, 11);
  assert.deepEqual(a.graph.nodes.find((n) => n.path === 'features.0')!.cost!.outputShape, [1, 48, 55, 55]);
  assert.equal(a.error, undefined, 'an unknown layer is not a PyTorch error');
});

test('a syntax error elsewhere in the file does not hide the model', () => {
  const src = seed + '\n\ndef broken(:\n    pass\n';
  const a = analyzeSource(src);
  assert.ok(a.diagnostics.some((d) => d.code === 'syntax'));
  assert.deepEqual(a.output, [1, 1000]);
});

test('module-level instance arguments are used: model = AlexNet(num_classes=10)', () => {
  const a = analyzeSource(seed + '\nmodel = AlexNet(num_classes=10)\n');
  assert.equal(a.entry, 'AlexNet');
  assert.deepEqual(a.output, [1, 10]);
  // ...but not from the __main__ block, which the import never runs.
  const b = analyzeSource(seed + "\nif __name__ == '__main__':\n    model = AlexNet(num_classes=10)\n");
  assert.deepEqual(b.output, [1, 1000]);
});

test('init_weights=True runs _initialize_weights (self.modules(), isinstance, nn.init) harmlessly', () => {
  const a = analyzeSource(seed.replace('init_weights=False', 'init_weights=True'));
  assert.deepEqual(a.output, [1, 1000]);
  assert.deepEqual(a.diagnostics, []);
});

test('a flatten size computed in __init__ with a dummy forward', () => {
  const src = `import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2))
        with torch.no_grad():
            n = self.features(torch.zeros(1, 1, 28, 28)).numel()
        self.fc = nn.Linear(n, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)
`;
  const a = analyzeSource(src, { input: [1, 28, 28] });
  assert.equal(a.error, undefined, a.error?.message);
  assert.deepEqual(a.output, [1, 10]);
  assert.equal(a.graph.nodes.find((n) => n.path === 'fc')!.args.in_features, 8 * 12 * 12);
});

test('files without a model say so, and Python errors in __init__ carry their line', () => {
  assert.equal(analyzeSource('x = 1\nprint(x)\n').entry, null);
  assert.equal(analyzeSource('').entry, null);
  const a = analyzeSource('import torch.nn as nn\nclass N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(10)\n    def forward(self, x):\n        return self.fc(x)\n');
  const d = a.diagnostics.find((x) => x.severity === 'error')!;
  assert.match(d.message, /missing 1 required positional argument: 'out_features'/);
  assert.equal(d.range.line, 5);
});

test('an endless loop in forward is stopped by the step budget with a diagnostic on its line, not a hang', () => {
  const src = seed.replace('x = self.features(x)', 'while True:\n            x = x + 1\n        x = self.features(x)');
  const a = analyzeSource(src);
  const budget = a.diagnostics.find((d) => d.code === 'budget');
  assert.ok(budget, 'a budget diagnostic');
  const loopLine = src.split('\n').findIndex((l) => l.includes('while True:')) + 1;
  assert.ok(budget.range.line >= loopLine && budget.range.line <= loopLine + 1, `at the loop (line ${budget.range.line}, loop at ${loopLine})`);
});

test('nodesAt: the constructor, the call in forward, nothing elsewhere', () => {
  const a = analyzeSource(seed);
  const onConv = nodesAt(a, 9, 20)!;
  assert.equal(onConv.kind, 'def');
  assert.deepEqual(onConv.nodes.map((n) => n.path), ['features.0']);
  const onCall = nodesAt(a, 36, 15)!;
  assert.equal(onCall.kind, 'call');
  assert.equal(onCall.nodes.length, 13);
  assert.equal(nodesAt(a, 3, 0), undefined);
});

test('a module with weights called twice appears twice, its params counted once (PyTorch\'s total)', () => {
  const a = analyzeSource(read('test/corpus/shared_conv_cnn.py'));
  const torch = JSON.parse(read('test/fixtures/corpus/shared_conv_cnn.json')) as { totalParams: number; layers: { path: string; params: number }[] };
  const shared = a.layers.filter((l) => l.path === 'shared');
  assert.equal(shared.length, 2);
  assert.ok(shared.every((l) => l.params > 0), 'each call shows the module\'s params');
  const perCall = a.layers.reduce((s, l) => s + l.params, 0);
  assert.equal(a.totalParams, torch.totalParams);
  assert.equal(perCall - shared[0].params, torch.totalParams, 'summing the calls would count the shared conv twice');
});

test('expand_as takes its other tensor as a second input; a missing or non-tensor one is PyTorch\'s TypeError on its line', () => {
  const model = (call: string) => `import torch\nimport torch.nn as nn\n# input[4, 5, 6]\nclass SE(nn.Module):\n    def forward(self, x):\n        y = x.mean([2, 3], keepdim=True)\n        return x * ${call}\n`;
  const ok = analyzeSource(model('y.expand_as(x)'));
  assert.equal(ok.error, undefined);
  assert.deepEqual(ok.output, [1, 4, 5, 6]);
  const node = ok.graph.nodes.find((n) => n.key === 'expand')!;
  assert.equal(node.inputs.length, 2, 'y and x are both inputs of the expand_as node');
  assert.deepEqual(node.cost!.inputShapes, [[1, 4, 1, 1], [1, 4, 5, 6]]);
  assert.deepEqual(analyzeSource(model('y.expand_as()')).error, { message: 'TypeError: expand_as() missing 1 required positional arguments: "other"', line: 7 });
  assert.deepEqual(analyzeSource(model('y.expand_as(3)')).error, { message: "TypeError: expand_as(): argument 'other' (position 1) must be Tensor, not int", line: 7 });
  assert.deepEqual(analyzeSource(model('y.expand_as(x[:, :2])')).error, {
    message: 'The expanded size of the tensor (2) must match the existing size (4) at non-singleton dimension 1.  Target sizes: [1, 2, 5, 6].  Tensor sizes: [1, 4, 1, 1]',
    line: 7,
  });
});

test('collections.namedtuple: built from a list or a string, constructed positionally and by keyword, read by field, index, unpacking and _fields; a forward returns one in train mode', () => {
  const src = `import torch
import torch.nn as nn
import collections
from collections import namedtuple
from typing import Optional
from torch import Tensor
# input[3, 8, 8]

Outputs = namedtuple("Outputs", ["logits", "aux"])
Outputs.__annotations__ = {"logits": Tensor, "aux": Optional[Tensor]}
Cfg = collections.namedtuple('Cfg', 'width, depth scale', defaults=[2.0])

class Net(nn.Module):
    def __init__(self, cfg=Cfg(4, depth=2)):
        super().__init__()
        w, d, s = cfg
        self.conv = nn.Conv2d(3, cfg.width * int(cfg.scale), 3)
        self.fc = nn.Linear(cfg[0] * 2, 10)
        self.aux = nn.Linear(cfg._replace(width=3).width * 2 + len(cfg._fields) - 1, 5)
        self.head = nn.Linear(5, Cfg._make([1, 2, 3]).scale + cfg._asdict()['depth'] + w + d)

    def forward(self, x):
        x = self.conv(x).mean([2, 3])
        out = Outputs(self.fc(x), aux=self.aux(x))
        logits, aux = out
        if self.training and isinstance(out, Outputs):
            return Outputs(logits=out.logits, aux=self.head(out[1]))
        return out.logits
`;
  const train = analyzeSource(src, { mode: 'train' });
  assert.equal(train.error, undefined, train.error?.message);
  assert.deepEqual(train.diagnostics.filter((d) => d.severity !== 'info'), []);
  const out = train.graph.nodes.find((n) => n.kind === 'output')!;
  assert.deepEqual(out.cost!.inputShapes, [[1, 10], [1, 11]], 'Outputs(logits, aux) in train mode, the head sized by the fields read');
  const evalMode = analyzeSource(src, {});
  assert.deepEqual(evalMode.graph.nodes.find((n) => n.kind === 'output')!.cost!.inputShapes, [[1, 10]], 'the logits in eval mode');
  // CPython 3.11's exceptions, on the line that raises them
  const raising = (expr: string) => analyzeSource(src.replace('        w, d, s = cfg\n', `        w, d, s = cfg\n        bad = ${expr}\n`)).error;
  const cases: Array<[string, string]> = [
    ['Outputs(1)', "TypeError: Outputs.__new__() missing 1 required positional argument: 'aux'"],
    ['Outputs(1, 2, 3)', 'TypeError: Outputs.__new__() takes 3 positional arguments but 4 were given'],
    ['Outputs(1, aux=2, z=3)', "TypeError: Outputs.__new__() got an unexpected keyword argument 'z'"],
    ['Outputs(1, logits=2)', "TypeError: Outputs.__new__() got multiple values for argument 'logits'"],
    ['Outputs(1, 2).z', "AttributeError: 'Outputs' object has no attribute 'z'"],
    ['Outputs.z', "AttributeError: type object 'Outputs' has no attribute 'z'"],
    ["namedtuple('A', ['a', 'a'])", "ValueError: Encountered duplicate field name: 'a'"],
    ["namedtuple('A', 'a _b')", "ValueError: Field names cannot start with an underscore: '_b'"],
    ["namedtuple('A', ['a', 'def'])", "ValueError: Type names and field names cannot be a keyword: 'def'"],
    ["namedtuple('1A', 'a')", "ValueError: Type names and field names must be valid identifiers: '1A'"],
    ["namedtuple('A', 'a', defaults=[1, 2])", 'TypeError: Got more default values than field names'],
    ['Outputs(1, 2)._replace(z=1)', "ValueError: Got unexpected field names: ['z']"],
    ['Outputs._make([1])', 'TypeError: Expected 2 arguments, got 1'],
  ];
  for (const [expr, message] of cases) assert.deepEqual(raising(expr), { message, line: 17 }, expr);
  assert.equal(raising("namedtuple('A', ['a', 'def'], rename=True)(1, 2)._1"), undefined, 'rename=True renames a keyword to _1');
});

test('string methods as CPython computes them (strip with chars, replace with an empty old and a count, split without a separator), each counted in the value budget', () => {
  const src = `import torch.nn as nn
texts = ['  conv a  '.strip(), 'xxaxx'.strip('x'), 'abc'.replace('', '-'), 'aaaa'.replace('a', 'b', 2), 'abc'.replace('', '-', 2),
         ','.join(['p', 'q']).replace(',', '_'), '_'.join(' a  b '.split()), str(len('a,b,,c'.split(','))), '%s_%03d' % ('blk', 7),
         '{}-{:>4}'.format('s', 'x').replace(' ', '_'), 'ab'.upper() + 'CD'.lower(), ' x '.lstrip() + '|' + ' y '.rstrip(),
         str(len(''.split())), 'a b'.split(None)[1], f'{3}x{"y"}']
net = nn.Sequential()
for t in texts:
    net.add_module(t, nn.ReLU())
`;
  const a = analyzeSource(src, { input: [4] });
  assert.equal(a.error, undefined);
  // printed by /usr/bin/python3 (3.11) for the same expressions
  assert.deepEqual(a.graph.nodes.filter((n) => n.kind === 'module').map((n) => n.path),
    ['conv a', 'a', '-a-b-c-', 'bbaa', '-a-bc', 'p_q', 'a_b', '4', 'blk_007', 's-___x', 'ABcd', 'x | y', '0', 'b', '3xy']);
  // each string a method builds counts: 100 copies of 90,000 characters pass the 4 million in all
  const budget = analyzeSource(`s = 'x' * 90000\nfor i in range(100):\n    t = s.upper()\n${src}`, { input: [4] });
  assert.match(budget.diagnostics.find((d) => d.code === 'budget')?.message ?? '', /builds too much data to analyse \(over 4000000 items in all, stopped at line 3\)/);
});

test('a hostile file\'s budget warning reaches the diagnostics the Problems view shows, whichever model is the entry', () => {
  const net = '\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.fc(x)\n';
  const join = "s = 'x' * 90000\nt = ''.join([s] * 90000)\n";
  const budgetOf = (a: ReturnType<typeof analyzeSource>) => a.diagnostics.find((d) => d.code === 'budget');
  // the model first, the hostile string after it: V8's "Invalid string length" used to end the analysis as an
  // internal error with no entry, which the Problems view drops; now the budget's warning, with the model analysed
  const after = analyzeSourceSafely(`import torch.nn as nn\n${net}${join}`, { input: [4] });
  assert.equal(after.entry, 'Net');
  assert.deepEqual(after.output, [1, 4]);
  assert.match(budgetOf(after)?.message ?? '', /builds a value too large to analyse \(8100000000 items, line 10/);
  // the hostile code first: the model class is never defined, yet it stays the entry (chosen or not), so the
  // warning is not dropped with a "no model" file
  for (const entry of [undefined, 'Net']) {
    const before = analyzeSourceSafely(`import torch.nn as nn\n${join}${net}`, { input: [4], entry });
    assert.equal(before.entry, 'Net', String(entry));
    assert.equal(budgetOf(before)?.range.line, 3);
    const note = before.diagnostics.find((d) => d.code === 'entry')!;
    assert.equal(note.message, "The model 'Net' is not built: the file's code stopped before it (line 3).");
    assert.equal(note.range.line, 5);
  }
  // a script without a model that runs out of budget stays none of the editor's business
  assert.equal(analyzeSourceSafely("s = 'x' * 90000\nt = ''.join([s] * 90000)\n").entry, null);
  // an internal error keeps the model the text defines, so that the error is shown
  const options = { get input(): number[] { throw new Error('boom'); } };
  const internal = analyzeSourceSafely(`import torch.nn as nn\n${net}`, options);
  assert.equal(internal.entry, 'Net');
  assert.match(internal.diagnostics[0].message, /^internal error while analysing, line \d+: Error: boom/);
});
