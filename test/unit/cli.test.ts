// The CLI as a whole process: table, JSON, exit codes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

before(() => {
  if (!existsSync(cli)) assert.equal(spawnSync(process.execPath, ['tools/build.mjs'], { cwd: root }).status, 0);
});

test('inspect --json of the seed: the documented format', () => {
  const r = run('inspect', 'models/alexnet.py', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.entry, 'AlexNet');
  assert.deepEqual(j.input, [1, 3, 224, 224]);
  assert.deepEqual(j.output, [1, 1000]);
  assert.equal(j.totalParams, 16630440);
  assert.deepEqual(j.layers[0], { path: 'features.0', type: 'Conv2d', line: 9, outputShape: [1, 48, 55, 55], params: 17472, macs: 52707600 });
  const flatten = j.layers.find((l: { type: string }) => l.type === 'torch.flatten');
  assert.equal(flatten.path, null);
  assert.equal(j.error, undefined);
});

test('inspect prints a table with totals', () => {
  const r = run('inspect', 'models/alexnet.py');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /features\.0\s+Conv2d 11x11 s4 p2\s+9\s+\[1, 48, 55, 55\]\s+17,472/);
  assert.match(r.stdout, /Total params: 16,630,440/);
});

test('a model error: exit 1, error with line, no output', () => {
  const r = run('inspect', 'test/corpus/broken_linear_in_features.py', '--json');
  assert.equal(r.status, 1);
  const j = JSON.parse(r.stdout);
  assert.match(j.error.message, /^mat1 and mat2 shapes cannot be multiplied/);
  assert.equal(typeof j.error.line, 'number');
  assert.equal(j.output, undefined);
});

test('--input overrides the size; bad --input, missing file, binary file, no model: exit 2', () => {
  const ok = run('inspect', 'test/corpus/alexnet_2012_paper.py', '--input', '3,227,227', '--json');
  assert.equal(ok.status, 0);
  assert.deepEqual(JSON.parse(ok.stdout).input, [1, 3, 227, 227]);
  assert.equal(run('inspect', 'models/alexnet.py', '--input', '3,x').status, 2);
  assert.equal(run('inspect', 'nope.py').status, 2);
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  writeFileSync(join(dir, 'bin.py'), Buffer.from([0, 1, 2, 3]));
  writeFileSync(join(dir, 'empty.py'), 'x = 1\n');
  assert.equal(run('inspect', join(dir, 'bin.py')).status, 2);
  const none = run('inspect', join(dir, 'empty.py'));
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no PyTorch model found/);
  assert.equal(run('frobnicate').status, 2);
  assert.equal(run('inspect', 'models/alexnet.py', '--bogus').status, 2);
});

test('--entry NAME of a factory whose class is in a sibling file or in torchvision: the same as --entry "NAME()", and PyTorch\'s shapes', () => {
  const file = 'test/corpus/resnet_pkg/factory.py';
  const json = (...args: string[]) => {
    const r = run('inspect', file, '--json', ...args);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const bare = json('--entry', 'resnet_small');
  const called = json('--entry', 'resnet_small()');
  assert.equal(bare.entry, 'resnet_small');
  assert.deepEqual({ ...bare, entry: 'resnet_small()' }, called);
  const torch = JSON.parse(readFileSync(join(root, 'test/fixtures/corpus/resnet_pkg/factory.json'), 'utf8'));
  assert.deepEqual(bare.output, torch.output);
  assert.equal(bare.totalParams, torch.totalParams);
  assert.deepEqual(bare.layers.filter((l: { path: string | null }) => l.path !== null).map((l: { path: string; outputShape: number[] }) => [l.path, l.outputShape]),
    torch.layers.map((l: { path: string; outputShape: number[] }) => [l.path, l.outputShape]));
  // torchvision's resnet18 through a factory with a default argument
  const tv = json('--entry', 'resnet18_10', '--input', '3,64,64');
  assert.deepEqual({ ...tv, entry: 'resnet18_10()' }, json('--entry', 'resnet18_10()', '--input', '3,64,64'));
  assert.deepEqual(tv.output, [1, 10]);
  // without --entry: the first factory that needs no arguments
  assert.equal(json().entry, 'resnet_small()');
});

test('inspect --depth N: one row per block at that depth with its output shape and summed params/MACs; totals unchanged', () => {
  const r = run('inspect', 'test/corpus/googlenet_cifar.py', '--depth', '1');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\S+\s{2,}/.test(l) && !/^(Layer|Total|Output|Params)/.test(l)).map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows.map((c) => c[0]), ['pre_layers', 'a3', 'b3', 'maxpool', 'a4', 'b4', 'c4', 'd4', 'e4', 'maxpool', 'a5', 'b5', 'avgpool', '(function)', 'linear']);
  // PyTorch's (tools/make-corpus-fixtures.py): the block's last module output and its modules' parameters
  const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/corpus/googlenet_cifar.json'), 'utf8')) as { layers: { path: string; outputShape: number[]; params: number }[] };
  const inA3 = fixture.layers.filter((l) => l.path.startsWith('a3.'));
  const a3 = rows.find((c) => c[0] === 'a3')!;
  assert.equal(a3[1], '(23 layers)');
  // torch.cat of the four branches' last outputs along the channels
  const ends = ['b1', 'b2', 'b3', 'b4'].map((b) => inA3.filter((l) => l.path.startsWith(`a3.${b}.`)).at(-1)!.outputShape);
  assert.equal(a3[3], `[1, ${ends.reduce((c, s) => c + s[1], 0)}, ${ends[0][2]}, ${ends[0][3]}]`);
  assert.equal(a3[4], inA3.reduce((sum, l) => sum + l.params, 0).toLocaleString('en-US'));
  assert.match(r.stdout, /Total params: 6,166,250\n/);
  // depth 2 on a ResNet: each BasicBlock one row
  const resnet = run('inspect', 'test/corpus/resnet_tiny.py', '--depth', '2');
  assert.match(resnet.stdout, /\nlayer1\.0 +\(7 layers\) +\d+ +\[1, 16, 56, 56\] +4,672 /);
  assert.match(resnet.stdout, /\nlayer2\.0 +\(9 layers\) +\d+ +\[1, 32, 28, 28\] +14,528 /);
  assert.equal(run('inspect', 'test/corpus/resnet_tiny.py', '--depth', '0').status, 2);
});

test('--ir prints the whole graph', () => {
  const r = run('inspect', 'models/alexnet.py', '--ir');
  assert.equal(r.status, 0);
  const a = JSON.parse(r.stdout);
  assert.equal(a.graph.nodes.length, 23);
  assert.ok(a.graph.edges.length > 0);
});

test('--help and help print the usage and exit 0; no arguments exits 2', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['inspect', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage:/);
  }
  assert.equal(run().status, 2);
});

test('the code cache changes nothing the CLI prints: made, used, corrupt or off, the same output and exit status', () => {
  const folder = mkdtempSync(join(tmpdir(), 'cli-cache-'));
  const inspect = (cache: string) => spawnSync(process.execPath, [cli, 'inspect', 'models/alexnet.py', '--json'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ALEXNET_EXPLORER_CACHE: cache },
  });
  const off = inspect('off');
  assert.equal(off.status, 0, off.stderr);
  for (const step of ['made', 'used', 'corrupt']) {
    if (step === 'corrupt') {
      for (const f of readdirSync(folder)) {
        const bytes = readFileSync(join(folder, f));
        bytes.fill(0x5a, bytes.length >> 1, (bytes.length >> 1) + 64);
        writeFileSync(join(folder, f), bytes);
      }
    }
    const r = inspect(folder);
    assert.equal(r.status, 0, `${step}: ${r.stderr}`);
    assert.equal(r.stderr, off.stderr, step);
    assert.equal(r.stdout, off.stdout, step);
    assert.equal(readdirSync(folder).filter((f) => f.startsWith('inspect-') && f.endsWith('.bin')).length, 1, `${step}: one cache of the inspect bundle`);
  }
});
