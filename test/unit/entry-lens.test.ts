// The CodeLens's entry locations: each candidate's definition line, its kind, and the call the arguments box starts with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { entryLocations, entryName } from '../../src/core/model/entries';

const root = join(__dirname, '..', '..');

test('entryLocations: one per nn.Module class, factory and instance at its line; the remembered call for the chosen one', () => {
  const source = [
    'import torch.nn as nn',
    '',
    'class Block(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc = nn.Linear(4, 4)',
    '    def forward(self, x):',
    '        return self.fc(x)',
    '',
    'class NetA(nn.Module):',
    '    def __init__(self, width=4):',
    '        super().__init__()',
    '        self.block = Block()',
    '    def forward(self, x):',
    '        return self.block(x)',
    '',
    'head = nn.Sequential(nn.Linear(4, 2))',
    '',
  ].join('\n');
  const a = analyzeSource(source);
  assert.deepEqual(a.candidates, ['Block', 'NetA', 'head']);
  assert.deepEqual(entryLocations(a), [
    { name: 'Block', line: 3, kind: 'class', needsArgs: false, call: 'Block()' },
    { name: 'NetA', line: 10, kind: 'class', needsArgs: false, call: 'NetA()' },
    { name: 'head', line: 17, kind: 'variable', needsArgs: false, call: 'head' },
  ]);
  assert.equal(entryLocations(a, 'NetA(width=8)')[1].call, 'NetA(width=8)');
  assert.equal(entryLocations(a, 'head')[1].call, 'NetA()');
  assert.equal(entryName('ResNet(BasicBlock, [2, 2, 2, 2])'), 'ResNet');
  assert.equal(entryName(' resnet18() '), 'resnet18');
  // the chosen name is the analysis's entry, so hover, inlay hints and diagnostics follow it
  assert.equal(analyzeSource(source, { entry: 'NetA' }).entry, 'NetA');
  assert.equal(analyzeSource(source, { entry: 'head' }).entry, 'head');
});

test('entryLocations of a corpus file: the block that needs arguments starts from its parameters; the model builds as is', () => {
  const source = readFileSync(join(root, 'test/corpus/googlenet_cifar.py'), 'utf8');
  const locations = entryLocations(analyzeSource(source));
  assert.deepEqual(locations.map((l) => [l.name, l.kind, l.needsArgs]), [['Inception', 'class', true], ['GoogLeNet', 'class', false]]);
  assert.match(locations[0].call, /^Inception\(in_planes, /);
  assert.equal(locations[1].call, 'GoogLeNet()');
  assert.match(source.split('\n')[locations[1].line - 1], /^class GoogLeNet\(nn\.Module\):/);
});
