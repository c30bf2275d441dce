// `npm run test:vscode`: the in-editor suite (test/vscode/suite) in desktop VS Code via @vscode/test-electron,
// when VSCODE_EXECUTABLE points at a desktop VS Code binary (it cannot be downloaded on these machines).
// Without it this skips; `npm test` runs the same suite inside code-server (stage "vscode").
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from './setup.mjs';

const executable = process.env.VSCODE_EXECUTABLE;
if (!executable) {
  console.log('test:vscode: skipped: VSCODE_EXECUTABLE is not set (desktop VS Code cannot be downloaded here).');
  console.log('The same suite runs inside code-server with `npm test` or `node tools/test.mjs --only vscode`.');
  process.exit(0);
}
if (!existsSync(executable)) {
  console.error(`test:vscode: VSCODE_EXECUTABLE=${executable} does not exist`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const { runTests } = await import('@vscode/test-electron');
const { buildTestRunner } = await import('../test/vscode/build-runner.mjs');

const build = spawnSync(process.execPath, ['tools/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const runner = await buildTestRunner();
const scratch = mkdtempSync(join(tmpdir(), 'alexnet-test-vscode-'));
const workspace = join(scratch, 'models');
cpSync(join(root, 'models'), workspace, { recursive: true });
const resultsFile = join(root, 'test-results', 'vscode-desktop.json');
rmSync(resultsFile, { force: true });

let exitCode = 0;
try {
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: runner.main,
    extensionTestsEnv: { ALEXNET_EXPLORER_TEST_RESULTS: resultsFile },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
      '--user-data-dir', join(scratch, 'user-data'), '--extensions-dir', join(scratch, 'extensions')],
  });
} catch (err) {
  console.error(`test:vscode: ${err?.message ?? err}`);
  exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const t of r.tests) console.log(`${t.state === 'passed' ? 'ok  ' : t.state === 'pending' ? 'skip' : 'FAIL'} ${t.fullTitle}${t.error ? `\n     ${t.error.split('\n')[0]}` : ''}`);
  if (r.error) console.log(`suite error: ${r.error}`);
  const failed = r.failed + (r.error ? 1 : 0);
  console.log(`${r.passed} passed, ${failed} failed`);
  process.exit(failed || exitCode ? 1 : 0);
}
console.log('0 passed, 1 failed');
process.exit(1);
