// Issue 10: every hostile file ends fast, in bounded memory, with one clean line. Each input runs the built CLI
// (dist/cli.js) in a child process through tools/measure-cli.mjs, which reports the child's own wall time and
// peak RSS; the files come from tools/make-hostile-files.mjs, built here (sparse files and FIFOs included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFloat32 } from '../../src/core/weights';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';
// @ts-expect-error: a plain .mjs tool without types
import { checkpoints, images, python, safetensorsFiles, special } from '../../tools/make-hostile-files.mjs';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
const IMAGE = join(root, 'test', 'fixtures', 'images', 'inputs', 'rgba-37x53.png');
const MODEL = join(root, 'models', 'alexnet.py');

/** Budgets for anything that is not a real model of that size. */
const WALL_MS = 10_000;
const RSS_MB = 1024;

interface Measured {
  status: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  maxRssMB: number;
}

function measure(...args: string[]): Measured {
  const out = join(dir, `measure-${process.hrtime.bigint()}.json`);
  const r = spawnSync(process.execPath, [join(root, 'tools', 'measure-cli.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MEASURE_FILE: out },
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  let report = { wallMs: Infinity, maxRssMB: Infinity };
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    // no report: the child died (killed, out of memory) before writing it; the assertions below say so
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...report };
}

/** Exit 1 or 2, `lines` lines on stderr each naming a file, no stack trace, within the budgets. */
function assertClean(r: Measured, what: string, { lines = 1, status = [1, 2], rssMB = RSS_MB } = {}): void {
  const context = `${what}: status ${r.status}, ${r.wallMs} ms, ${r.maxRssMB} MB\n${r.stderr.slice(0, 2000)}`;
  assert.ok(status.includes(r.status ?? -1), context);
  const errorLines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(errorLines.length, lines, context);
  assert.doesNotMatch(r.stderr, /^\s+at |internal error|Usage:/m, context);
  assert.ok(r.wallMs < WALL_MS, `${context}\nover ${WALL_MS} ms`);
  assert.ok(r.maxRssMB < rssMB, `${context}\nover ${rssMB} MB`);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('checkpoints: pickle bombs, shared and expanded views, doubling keys, prototype names -> one line each, bounded', () => {
  const cases: [string, string, RegExp, number?][] = [
    ['pickle bomb', checkpoints.pickleBomb(dir), /creates more than \d+ objects/],
    ['16 expanded views', checkpoints.expandedViews(dir), /strided tensor views would take more than/],
    ['16 transposed views', checkpoints.transposedViews(dir), /strided tensor views would take more than/, 600],
    ['doubling key', checkpoints.doublingKey(dir), /holds no state_dict: its top-level keys are \(\(\(.*\.\.\./],
    ['torch.constructor', checkpoints.protoGlobal(dir), /refused to load global 'torch\.constructor'/],
    ['escape keys', checkpoints.escapeKeys(dir), /'\\x1b\[2J\\x1b\[31mowned\\nalexnet-explorer: all good'/],
    ['64 overlapping safetensors', safetensorsFiles.overlapping(dir), /in overlapping bytes/, 300],
    ['__proto__ dtype', safetensorsFiles.protoDtype(dir), /unsupported dtype "__proto__"/],
  ];
  for (const [what, file, message, rssMB] of cases) {
    const r = measure('export', MODEL, '--weights', file, '--out', join(dir, 'x.onnx'));
    assertClean(r, what, { status: [1], rssMB });
    assert.match(r.stderr, message, what);
    assert.ok(r.stderr.includes(file), `${what}: the line names the file`);
  }
});

test('checkpoints: four keys over one 256 MiB storage share it; an unaligned stored transposed tensor loads', () => {
  // without sharing, the four copies alone would take 1 GiB
  const aliased = measure('export', MODEL, '--weights', checkpoints.aliasedStorage(dir, 256), '--out', join(dir, 'x.onnx'));
  // load_state_dict's message is PyTorch's, over three lines
  assertClean(aliased, 'aliased storage', { status: [1], rssMB: 700, lines: 3 });
  assert.match(aliased.stderr, /Error\(s\) in loading state_dict.*\n\tMissing key\(s\).*\n\tUnexpected key\(s\) in state_dict: "w0", "w1", "w2", "w3"/);
  const unaligned = measure('export', MODEL, '--weights', checkpoints.unalignedStored(dir), '--out', join(dir, 'x.onnx'));
  assertClean(unaligned, 'unaligned stored entry', { status: [1], lines: 3 });
  assert.match(unaligned.stderr, /Unexpected key\(s\) in state_dict: "w"/, 'read (the transposed view copied from an aligned copy)');
});

test('images: decompression bombs, a huge JPEG frame, 12-bit JPEG, FIFO, /dev/zero, a 3 GB file -> one line each; the good image is still classified', () => {
  const bad = [
    images.pngBomb(dir, 1024),
    images.pngBombInterlaced(dir, 1024),
    images.jpegHuge(dir),
    images.jpeg12bit(dir),
    special.fifo(dir),
    '/dev/zero',
    special.sparse(dir, 'big.png', 3),
    dir,
  ];
  const r = measure('classify', ...bad, IMAGE);
  assertClean(r, 'images', { status: [2], lines: bad.length });
  assert.match(r.stdout, /rgba-37x53\.png {2}\(onnxruntime-node/, 'the valid image of the same run is classified');
  for (const [i, pattern] of [
    /inflates past the \d+ bytes its header implies/,
    /inflates past the \d+ bytes its header implies/,
    /decoding its 16384x3051 JPEG frame .* would take about \d+ MB/,
    /is a 12-bit JPEG/,
    /is a named pipe \(FIFO\), not a regular file/,
    /is a character device, not a regular file/,
    /is larger than 128 MiB, the limit for an image/,
    /is a directory, not a regular file/,
  ].entries()) {
    assert.match(r.stderr.split('\n')[i]!, pattern);
  }
});

test('a Unix socket as an image -> one line', async () => {
  const { file, server } = await special.socket(dir);
  try {
    const r = await new Promise<Measured>((resolve) => setImmediate(() => resolve(measure('classify', file, IMAGE))));
    assertClean(r, 'socket', { status: [2] });
    assert.match(r.stderr, /is a socket, not a regular file/);
  } finally {
    server.close();
  }
});

test('special files and sizes as --model, --weights and --labels -> one line each, exit 2', () => {
  const own = mkdtempSync(join(dir, 'special-'));
  const pipe = special.fifo(own);
  const big = special.sparse(own, 'big.bin', 3);
  const cases: [string, string[], RegExp][] = [
    ['FIFO model', ['--model', pipe], /not a regular file/],
    ['/dev/zero model', ['--model', '/dev/zero'], /not a regular file/],
    ['FIFO weights', ['--weights', pipe], /not a regular file/],
    ['/dev/zero weights', ['--weights', '/dev/zero'], /not a regular file/],
    ['3 GB weights', ['--weights', big], /is larger than 2 GiB, the limit for a checkpoint/],
    ['/dev/zero labels', ['--labels', '/dev/zero'], /not a regular file/],
    ['3 GB labels', ['--labels', big], /is larger than 16 MiB, the limit for a labels file/],
    ['labels nested 100,000 deep', ['--labels', special.deepLabels(dir)], /has a non-string label at index 0: \[\[\[/],
  ];
  for (const [what, args, message] of cases) {
    const r = measure('classify', IMAGE, ...args);
    assertClean(r, what, { status: [2] });
    assert.match(r.stderr, message, what);
  }
});

test('labels and keys with escape sequences cannot forge terminal lines', () => {
  const r = measure('classify', IMAGE, '--labels', special.escapeLabels(dir));
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b/);
  assert.doesNotMatch(r.stdout, /^alexnet-explorer: forged/m);
  assert.match(r.stdout, /\\x1b\[31mclass\d\\nalexnet-explorer: forged/);
});

test('Python sources: chains, doubling values, strings past V8\'s limit (join, replace, format, %, f-strings, *), budgets, stride=0, TabError, non-UTF-8, NUL -> one line, exit 1 or 2', () => {
  const cases: [string, RegExp | null, number[]][] = [
    ['plusChain', null, [0]],
    ['attributeChain', null, [0]],
    ['callChain', null, [0]],
    ['forwardChain', null, [0]],
    ['listDoubling', /builds a value too large to analyse/, [2]],
    ['tupleDoubling', /builds a value too large to analyse/, [2]],
    ['stringDoubling', /builds a value too large to analyse/, [2]],
    ['augmentedDoubling', /builds a value too large to analyse/, [2]],
    ['extendDoubling', /builds a value too large to analyse/, [2]],
    ['starDoubling', /builds a value too large to analyse/, [2]],
    ['joinString', /builds a value too large to analyse/, [2]],
    ['replaceString', /builds a value too large to analyse/, [2]],
    ['formatWidth', /builds a value too large to analyse/, [2]],
    ['percentFields', /builds a value too large to analyse/, [2]],
    ['fstringFields', /builds a value too large to analyse/, [2]],
    ['repeatString', /builds a value too large to analyse/, [2]],
    ['zeroStride', /:2: non-positive stride is not supported/, [1]],
    ['hugeSequential', /runs too long to analyse/, [2]],
    ['endlessLoop', /:2: The model's code runs too long to analyse/, [2]],
    ['mixedTabs', /:4: TabError: inconsistent use of tabs and spaces in indentation/, [1]],
    ['invalidUtf8', /:2: SyntaxError: Non-UTF-8 code starting with '\\xff'/, [1]],
    ['nulBytes', /holds NUL bytes/, [2]],
  ];
  for (const [name, message, status] of cases) {
    const file = join(dir, `${name}.py`);
    writeFileSync(file, python[name]());
    const r = measure('inspect', file);
    if (status[0] === 0) {
      // CPython parses these: so must we, without overflowing our stack
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.ok(r.wallMs < WALL_MS && r.maxRssMB < RSS_MB, `${name}: ${r.wallMs} ms, ${r.maxRssMB} MB`);
      continue;
    }
    assertClean(r, name, { status });
    assert.match(r.stderr, message!, name);
  }
});

test('a transposed tensor in a stored, unaligned zip entry reads right', () => {
  const tensor = readCheckpointFile(checkpoints.unalignedStored(dir)).tensors.get('w')!;
  assert.deepEqual(tensor.shape, [3, 2]);
  assert.deepEqual([...toFloat32(tensor)], [0, 3, 1, 4, 2, 5]);
});
