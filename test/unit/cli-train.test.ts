// The CLI's train command as a whole process: what it refuses (one line, exit 2), what it accepts, and, once the
// step graph builder is part of the build, a whole run that saves a .pth our reader reads with the files beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageFolder as makeImageFolder } from '../fixtures/training/image-folder';
import { writeStateDictPth } from '../../src/core/training/pth-writer';
import { readCheckpoint } from '../../src/core/weights';
import { TINY_NET } from '../fixtures/training/written-by-us';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cli-train-'));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'train', ...args], { cwd: root, encoding: 'utf8' });
const SUBSET = join(root, 'models', 'fashion-mnist', 'subset');

function imageFolder(name: string, spec: Record<string, number>): string {
  return makeImageFolder(join(dir, name), spec);
}

const DATA = imageFolder('data', { cat: 4, dog: 4, fox: 4 });
const base = ['--model', TINY_NET, '--entry', 'TinyNet(num_classes=3)', '--save', join(dir, 'out', 'tiny.pth')];

/** Exit 2 and exactly one line on stderr. */
function refused(r: ReturnType<typeof run>, pattern: RegExp) {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
}

test('an empty data folder: torchvision ImageFolder\'s own message', () => {
  mkdirSync(join(dir, 'empty'));
  refused(run(...base, '--data', join(dir, 'empty')), /^alexnet-explorer: Couldn't find any class folder in .*empty\.$/);
});

test('a class folder without images names the class and the extensions ImageFolder accepts', () => {
  const d = imageFolder('noimg', { a: 2, b: 0 });
  writeFileSync(join(d, 'b', 'notes.txt'), 'no images here');
  refused(run(...base, '--data', d), /Found no valid file for the classes b\. Supported extensions are: \.jpg, \.jpeg, \.png, \.ppm, \.bmp, \.pgm, \.tif, \.tiff, \.webp$/);
});

test('an image that does not decode is named and skipped with a warning; --strict-images makes it fatal', () => {
  const d = imageFolder('bad', { cat: 4, dog: 4, fox: 4 });
  writeFileSync(join(d, 'dog', 'broken.png'), 'not a png at all');
  const lenient = run(...base, '--data', d);
  assert.match(lenient.stderr, /^warning: skipped .*dog\/broken\.png: is not an image/m);
  const strict = run(...base, '--data', d, '--strict-images');
  refused(strict, /^alexnet-explorer: .*dog\/broken\.png: is not an image.*--strict-images/);
});

test('a model whose output size is not the number of classes: says so and how to build it with num_classes', () => {
  refused(run('--model', TINY_NET, '--data', DATA, '--save', join(dir, 'x.pth')),
    /TinyNet's output has 10 classes but .*data has 3; set num_classes=3 where the model is built, or build it with --entry "TinyNet\(num_classes=3\)"$/);
  refused(run('--model', TINY_NET, '--data', SUBSET, '--entry', 'TinyNet(num_classes=3)', '--save', join(dir, 'x.pth')),
    /TinyNet's output has 3 classes but .*subset has 10;/);
});

test('weights of another architecture: load_state_dict\'s error', () => {
  const other = join(dir, 'other.pth');
  writeFileSync(other, writeStateDictPth(new Map([['features.0.weight', { dtype: 'float32', shape: [8, 3, 3, 3], data: new Float32Array(216) }]])));
  const r = run(...base, '--data', DATA, '--weights', other);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^alexnet-explorer: .*other\.pth: Error\(s\) in loading state_dict for TinyNet:/);
  assert.match(r.stderr, /size mismatch for features\.0\.weight: copying a param with shape torch\.Size\(\[8, 3, 3, 3\]\) from checkpoint, the shape in current model is torch\.Size\(\[4, 3, 3, 3\]\)/);
  assert.match(r.stderr, /Missing key\(s\) in state_dict: "features\.0\.bias"/);
});

test('--save: a missing folder is made (as mkdir -p); one that cannot be made stops before any training', () => {
  refused(run('--model', TINY_NET, '--data', DATA, '--save', join(TINY_NET, 'sub', 'x.pth')), /x\.pth: cannot save there: its folder .* cannot be made or written \(ENOTDIR\)$/);
  refused(run('--model', TINY_NET, '--data', DATA, '--save', dir), /is a folder; --save takes a file name/);
});

test('usage errors say what is wrong', () => {
  assert.match(run('--model', TINY_NET, '--data', DATA).stderr, /^alexnet-explorer: train needs --save OUT\.pth\n/);
  assert.match(run(...base, '--data', DATA, '--epochs', '1', '--steps', '2').stderr, /give --epochs or --steps, not both/);
  assert.match(run(...base, '--data', DATA, '--optimizer', 'rmsprop').stderr, /--optimizer expects sgd or adam, got 'rmsprop'/);
  assert.match(run(...base, '--data', DATA, '--lr', '-1').stderr, /--lr expects a positive number, got '-1'/);
  assert.match(run(...base, '--data', DATA, '--momentum', '0.9').stderr, /--momentum is for --optimizer sgd/);
});

test('valid input trains 3 steps, reports each as JSON and saves a state_dict with its labels and training.json', () => {
  const save = join(dir, 'out', 'tiny.pth');
  const r = run(...base, '--data', DATA, '--steps', '3', '--batch', '4', '--optimizer', 'sgd', '--momentum', '0.9', '--json');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.slice(0, 3).map((l) => l.step), [1, 2, 3]);
  assert.ok(lines.slice(0, 3).every((l) => typeof l.loss === 'number' && typeof l.ms === 'number'));
  const last = lines[3]!;
  assert.equal(last.saved, save);
  assert.equal(last.backend, 'onnxruntime-node (cpu)');
  const cp = readCheckpoint(readFileSync(save), save);
  assert.deepEqual([...cp.tensors.keys()].slice(0, 2), ['features.0.weight', 'features.0.bias']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out', 'class_indices.json'), 'utf8')), { 0: 'cat', 1: 'dog', 2: 'fox' });
  const training = JSON.parse(readFileSync(join(dir, 'out', 'training.json'), 'utf8')) as { preset: string; input: number[] };
  assert.deepEqual({ preset: training.preset, input: training.input }, { preset: 'seed', input: [3, 8, 8] });
});
