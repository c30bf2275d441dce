// Imports of the model's own package: relative and absolute imports of sibling files are followed through the
// resolver the caller gives analyzeSource; a missing file is named at its import; cycles and depth stay bounded.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeSource } from '../../src/core/model/analyze';
import type { ModuleResolver } from '../../src/core/model/imports';
import { diskModules } from '../../src/core/module-files.node';

/** An in-memory package: paths relative to the root, resolved as the disk resolver does (absolute from the root). */
function memory(files: Record<string, string>): ModuleResolver {
  return (from, dotted, level) => {
    const dir = (from ?? '').split('/').slice(0, -1);
    const base = level > 0 ? dir.slice(0, dir.length - (level - 1)) : [];
    const parts = dotted ? dotted.split('.') : [];
    for (const file of parts.length ? [[...base, ...parts].join('/') + '.py', [...base, ...parts, '__init__.py'].join('/')] : [[...base, '__init__.py'].join('/')]) {
      if (file in files) return { file, text: files[file] };
    }
    return null;
  };
}

const BLOCKS = `import torch.nn as nn

def conv3x3(i, o, stride=1):
    return nn.Conv2d(i, o, 3, stride, 1, bias=False)

class BasicBlock(nn.Module):
    expansion = 1
    def __init__(self, i, o):
        super().__init__()
        self.conv = conv3x3(i, o)
        self.relu = nn.ReLU()
    def forward(self, x):
        return self.relu(self.conv(x))
`;

const MAIN = (imports: string, block: string) => `import torch.nn as nn
${imports}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = ${block}(3, 8)
        self.pool = nn.AdaptiveAvgPool2d(1)
    def forward(self, x):
        return self.pool(self.block(x))
`;

test('relative, absolute and module imports of sibling files build the model', () => {
  for (const [imports, block] of [
    ['from .blocks import BasicBlock', 'BasicBlock'],
    ['from models.blocks import BasicBlock as B', 'B'],
    ['import models.blocks as B', 'B.BasicBlock'],
    ['import models.blocks', 'models.blocks.BasicBlock'],
    ['from . import blocks', 'blocks.BasicBlock'],
  ]) {
    const files = { 'models/blocks.py': BLOCKS, 'models/net.py': MAIN(imports, block) };
    const a = analyzeSource(files['models/net.py'], { file: 'models/net.py', readModule: memory(files), input: [3, 8, 8] });
    assert.deepEqual(a.output, [1, 8, 1, 1], `${imports}: ${JSON.stringify(a.diagnostics)}`);
    assert.equal(a.totalParams, 8 * 3 * 9);
    // the conv built in blocks.py shows at the line of this file that built it
    assert.equal(a.layers.find((l) => l.type === 'Conv2d')?.line, 7, imports);
  }
});

test('an import whose file is not there is named at its line, and the model says why it has no output', () => {
  const files = { 'models/net.py': MAIN('from .blocks import BasicBlock', 'BasicBlock') };
  const a = analyzeSource(files['models/net.py'], { file: 'models/net.py', readModule: memory(files), input: [3, 8, 8] });
  const d = a.diagnostics.find((x) => x.code === 'import');
  assert.ok(d, JSON.stringify(a.diagnostics));
  assert.match(d.message, /No module '\.blocks' beside this file \(line 2\)/);
  assert.equal(d.range.line, 2);
  assert.equal(a.output, null);
});

test('a name the sibling file lacks is ImportError at the import', () => {
  const files = { 'models/blocks.py': BLOCKS, 'models/net.py': MAIN('from .blocks import Bottleneck', 'Bottleneck') };
  const a = analyzeSource(files['models/net.py'], { file: 'models/net.py', readModule: memory(files), input: [3, 8, 8] });
  assert.ok(a.diagnostics.some((x) => /ImportError: cannot import name 'Bottleneck' from '\.blocks'/.test(x.message)), JSON.stringify(a.diagnostics));
});

test('a shape error inside the imported file names that file and line, at the line of this file that reached it', () => {
  const files = { 'models/blocks.py': BLOCKS, 'models/net.py': MAIN('from .blocks import BasicBlock', 'BasicBlock').replace('(3, 8)', '(4, 8)') };
  const a = analyzeSource(files['models/net.py'], { file: 'models/net.py', readModule: memory(files), input: [3, 8, 8] });
  assert.match(a.error?.message ?? '', /expected input\[1, 3, 8, 8\] to have 4 channels/);
  assert.equal(a.error?.line, 7);
});

test('import cycles run each module once; libraries are never looked up', () => {
  const seen: string[] = [];
  const files: Record<string, string> = {
    'models/a.py': 'from .b import g\ndef f():\n    return 3\n',
    // b imports a while a is being run (Python's partially initialised module); a.f is read when g runs
    'models/b.py': 'from . import a\nimport numpy as np\ndef g():\n    return a.f() + 2\n',
    'models/net.py': MAIN('from .a import f\nfrom .b import g', 'nn.Conv2d').replace('(3, 8)', '(3, f() + g(), 1)'),
  };
  const inner = memory(files);
  const a = analyzeSource(files['models/net.py'], { file: 'models/net.py', readModule: (f, d, l) => { seen.push(`${l}${d}`); return inner(f, d, l); }, input: [3, 8, 8] });
  assert.deepEqual(a.output, [1, 8, 1, 1], JSON.stringify(a.diagnostics));
  assert.ok(!seen.some((s) => s.includes('numpy') || s.includes('torch')), seen.join(' '));
});

test('the disk resolver reads sibling files and packages, regular files only', () => {
  const root = mkdtempSync(join(tmpdir(), 'alexnet-imports-'));
  mkdirSync(join(root, 'models', 'blocks'), { recursive: true });
  writeFileSync(join(root, 'models', 'blocks', '__init__.py'), BLOCKS);
  mkdirSync(join(root, 'models', 'utils.py'));
  const file = join(root, 'models', 'net.py');
  const read = diskModules();
  assert.equal(read(file, 'blocks', 1)?.file, join(root, 'models', 'blocks', '__init__.py'));
  assert.equal(read(file, 'models.blocks', 0)?.file, join(root, 'models', 'blocks', '__init__.py'));
  assert.equal(read(file, 'utils', 1), null, 'a folder named utils.py is not read');
  assert.equal(read(undefined, 'blocks', 1), null);
});
