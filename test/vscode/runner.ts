// In-editor test runner: mocha over the bundled suite/*.test.js next to this bundle, inside a VS Code extension host.
// Two hosts load it: code-server (as the extension `alexnet-explorer-tests.test-runner`, which runs the suite on
// startup when ALEXNET_EXPLORER_TEST_RESULTS names a results file) and desktop VS Code via @vscode/test-electron
// (as extensionTestsPath, through run()).
import Mocha from 'mocha';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TestResult {
  title: string;
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  tests: TestResult[];
  /** Set when the suite could not run at all (load error, crash). */
  error?: string;
  durationMs: number;
}

export const RESULTS_ENV = 'ALEXNET_EXPLORER_TEST_RESULTS';

function suiteFiles(): string[] {
  const dir = join(__dirname, 'suite');
  return readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f));
}

export function runSuite(files: string[] = suiteFiles(), opts: { grep?: string; timeoutMs?: number } = {}): Promise<SuiteResults> {
  const started = Date.now();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: opts.timeoutMs ?? 30_000, reporter: 'spec' });
  if (opts.grep) mocha.grep(opts.grep);
  for (const f of files) mocha.addFile(f);
  const tests: TestResult[] = [];
  const describe = (test: Mocha.Test): Omit<TestResult, 'state' | 'error'> => ({
    title: test.title,
    fullTitle: test.fullTitle(),
    file: test.file,
    durationMs: test.duration ?? 0,
  });
  return new Promise((resolve) => {
    try {
      const runner = mocha.run((failures) => {
        const passed = tests.filter((t) => t.state === 'passed').length;
        const failed = tests.filter((t) => t.state === 'failed').length;
        const pending = tests.filter((t) => t.state === 'pending').length;
        resolve({ passed, failed: Math.max(failed, failures > 0 && failed === 0 ? failures : failed), pending, tests, durationMs: Date.now() - started });
      });
      runner.on('pass', (test) => tests.push({ ...describe(test), state: 'passed' }));
      runner.on('pending', (test) => tests.push({ ...describe(test), state: 'pending' }));
      runner.on('fail', (test, err: Error) => {
        // Hook failures arrive as a pseudo-test named after the hook: report them under that name.
        tests.push({ ...describe(test as Mocha.Test), state: 'failed', error: err?.stack ?? String(err) });
      });
    } catch (err) {
      resolve({ passed: 0, failed: 0, pending: 0, tests, error: (err as Error)?.stack ?? String(err), durationMs: Date.now() - started });
    }
  });
}

function writeResults(file: string, results: SuiteResults): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(results, null, 2));
  renameSync(tmp, file);
}

/** Extension entry point (code-server host). Inert unless the results env var is set. */
export function activate(): void {
  const file = process.env[RESULTS_ENV];
  if (!file) return;
  console.log(`[alexnet-explorer tests] running the in-editor suite, results to ${file}`);
  runSuite(undefined, { grep: process.env.ALEXNET_EXPLORER_TEST_GREP }).then(
    (results) => writeResults(file, results),
    (err) => writeResults(file, { passed: 0, failed: 0, pending: 0, tests: [], error: err?.stack ?? String(err), durationMs: 0 }),
  );
}

export function deactivate(): void {}

/** @vscode/test-electron entry point: resolves when every test passed. */
export async function run(): Promise<void> {
  const results = await runSuite(undefined, { grep: process.env.ALEXNET_EXPLORER_TEST_GREP });
  if (results.error) throw new Error(results.error);
  const file = process.env[RESULTS_ENV];
  if (file) writeResults(file, results);
  if (results.failed > 0) throw new Error(`${results.failed} in-editor test(s) failed`);
}
