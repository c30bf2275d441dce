// 10,000 mutations each of checkpoints (.pth, .safetensors), images (PNG, JPEG, GIF, BMP) and labels files: nothing
// but the readers' own errors escapes, and the whole run stays within its time and memory budgets, as measured by
// the child process that runs it (fuzz-readers.child.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 10_000);

test(`fuzz: ${MUTATIONS} mutations each of checkpoints, images and labels end in the readers' own errors, within budget`, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fuzz-readers.child.ts')], {
    encoding: 'utf8',
    env: { ...process.env, FUZZ_MUTATIONS: String(MUTATIONS) },
    timeout: 240_000,
    maxBuffer: 16 << 20,
  });
  assert.equal(r.status, 0, r.stderr.slice(0, 4000));
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(report.mutations, MUTATIONS * 3);
  assert.deepEqual(report.escaped, [], `exceptions escaped the readers (replay with the seed): ${JSON.stringify(report.escaped, null, 2)}`);
  assert.ok(report.slowest.ms < 2000, `slowest call ${JSON.stringify(report.slowest)}`);
  assert.ok(report.maxRssMB < 1024, `peak RSS ${report.maxRssMB} MB`);
});
