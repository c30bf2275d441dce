// The in-editor suite (test/vscode/suite/*.test.ts) inside code-server's extension host, reported test by test.
// Run: node --import tsx --test test/vscode/in-code-server.ts   (npm test runs it as the "vscode" stage)
// The test-runner extension is installed next to our VSIX; opening the workbench starts the extension host,
// the runner runs mocha there and writes JSON results to the file named by ALEXNET_EXPLORER_TEST_RESULTS.
import { describe, it } from 'node:test';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchVSCode, resultsDir, type VSCode } from '../e2e/harness';
import { buildTestRunner } from './build-runner.mjs';
import type { SuiteResults } from './runner';

const SUITE_TIMEOUT_MS = Number(process.env.ALEXNET_EXPLORER_SUITE_TIMEOUT_MS ?? 180_000);

async function runInCodeServer(): Promise<SuiteResults> {
  const runner = await buildTestRunner({ log: (m) => console.log(m) });
  if (runner.suites.length === 0) throw new Error('no suite files in test/vscode/suite');
  const resultsFile = join(resultsDir, 'vscode-suite.json');
  rmSync(resultsFile, { force: true });
  let vsc: VSCode | undefined;
  try {
    vsc = await launchVSCode({
      name: 'vscode-suite',
      folder: 'models',
      extensions: [runner.vsix],
      env: { ALEXNET_EXPLORER_TEST_RESULTS: resultsFile, ...(process.env.ALEXNET_EXPLORER_TEST_GREP ? { ALEXNET_EXPLORER_TEST_GREP: process.env.ALEXNET_EXPLORER_TEST_GREP } : {}) },
    });
    await vsc.waitFor('the in-editor suite results', async () => existsSync(resultsFile), SUITE_TIMEOUT_MS);
    await vsc.screenshot('end');
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
  } finally {
    await vsc?.close();
  }
}

describe('in-editor suite (code-server extension host)', async () => {
  let results: SuiteResults;
  try {
    results = await runInCodeServer();
  } catch (err) {
    it('runs the in-editor suite', () => { throw err; });
    return;
  }
  if (results.error) it('loads the in-editor suite', () => { throw new Error(results.error); });
  if (results.tests.length === 0 && !results.error) it('finds tests in the in-editor suite', () => { throw new Error('the suite ran no test'); });
  for (const t of results.tests) {
    if (t.state === 'pending') {
      it(t.fullTitle, { skip: true }, () => {});
    } else {
      it(t.fullTitle, () => {
        if (t.state === 'failed') throw new Error(t.error ?? 'failed');
      });
    }
  }
});
