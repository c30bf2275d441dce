// Shape hover and shape diagnostics in the editor, as a user sees them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchVSCode, root, type VSCode } from './harness';

const source = readFileSync(join(root, 'models', 'alexnet.py'), 'utf8').split('\n');
let vsc: VSCode;

before(async () => {
  vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py' });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

test('hover on the first Conv2d (line 9) shows [1, 48, 55, 55]', { timeout: 90_000 }, async () => {
  assert.match(source[8], /nn\.Conv2d\(3, 48,/);
  const col = source[8].indexOf('Conv2d') + 2;
  const text = await vsc.hoverAt(9, col, { expect: '[1, 48, 55, 55]', timeoutMs: 45_000 });
  assert.ok(text.includes('[1, 48, 55, 55]'), text);
  assert.ok(text.includes('(224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55'), `the formula with numbers: ${text}`);
  assert.ok(text.includes('17,472'), `the parameters: ${text}`);
  await vsc.screenshot('hover');
});

test('typing 128 * 5 * 5 into the first Linear shows "mat1 and mat2 shapes cannot be multiplied"', { timeout: 90_000 }, async () => {
  const line = source.findIndex((l) => l.includes('nn.Linear(128 * 6 * 6, 2048)')) + 1;
  assert.ok(line > 0);
  await vsc.replaceOnLine(line, '128 * 6 * 6', '128 * 5 * 5');
  assert.equal((await vsc.lineText(line)).trim(), 'nn.Linear(128 * 5 * 5, 2048),');
  const problems = await vsc.waitForProblem('mat1 and mat2 shapes cannot be multiplied', 45_000);
  await vsc.screenshot('mismatch');
  assert.ok(problems.some((p) => p.includes('mat1 and mat2 shapes cannot be multiplied')), problems.join('\n'));
});

test('a # output comment that disagrees with the layer is a warning on its line', { timeout: 90_000 }, async () => {
  const line = source.findIndex((l) => l.includes('# output[128, 6, 6]')) + 1;
  assert.ok(line > 0);
  await vsc.replaceOnLine(line, 'output[128, 6, 6]', 'output[128, 5, 5]');
  const problems = await vsc.waitForProblem('says output[128, 5, 5], but the layer outputs [128, 6, 6]', 45_000);
  assert.ok(problems.some((p) => p.includes(`at line ${line} `)), problems.join('\n'));
});
