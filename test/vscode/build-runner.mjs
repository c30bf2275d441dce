// Builds the in-editor test runner extension into .tools/vscode-test-runner/ and packages it as a VSIX:
// dist/runner.js (mocha + runner.ts) and dist/suite/*.test.js (one bundle per suite file, `vscode` external).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashFiles, root, toolsDir } from '../../tools/code-server.mjs';

const here = join(root, 'test', 'vscode');
export const runnerDir = join(toolsDir, 'vscode-test-runner');
export const runnerVsix = join(toolsDir, 'vscode-test-runner.vsix');
export const runnerMain = join(runnerDir, 'dist', 'runner.js');
export const RUNNER_ID = 'alexnet-explorer-tests.test-runner';

const manifest = {
  name: 'test-runner',
  displayName: 'AlexNet Explorer in-editor test runner',
  description: 'Runs the in-editor mocha suite when ALEXNET_EXPLORER_TEST_RESULTS is set; inert otherwise.',
  publisher: 'alexnet-explorer-tests',
  version: '0.0.1',
  license: 'MIT',
  private: true,
  engines: { vscode: '^1.95.0' },
  main: './dist/runner.js',
  activationEvents: ['onStartupFinished'],
  capabilities: { untrustedWorkspaces: { supported: true } },
};

export async function buildTestRunner({ log = console.log } = {}) {
  const suiteDir = join(here, 'suite');
  const suites = existsSync(suiteDir) ? readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts')).sort() : [];
  const key = hashFiles(root, ['test/vscode', 'package-lock.json']);
  const keyFile = join(runnerDir, 'key');
  if (existsSync(runnerVsix) && existsSync(keyFile) && readFileSync(keyFile, 'utf8').trim() === key) {
    return { dir: runnerDir, vsix: runnerVsix, main: runnerMain, suites, built: false };
  }
  const started = Date.now();
  rmSync(runnerDir, { recursive: true, force: true });
  mkdirSync(join(runnerDir, 'dist', 'suite'), { recursive: true });
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node18', external: ['vscode'], sourcemap: 'inline', absWorkingDir: root, logLevel: 'error' };
  await esbuild.build({ ...common, sourcemap: false, entryPoints: [join(here, 'runner.ts')], outfile: runnerMain });
  if (suites.length) {
    await esbuild.build({ ...common, entryPoints: suites.map((f) => join(suiteDir, f)), outdir: join(runnerDir, 'dist', 'suite') });
  }
  writeFileSync(join(runnerDir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(runnerDir, 'README.md'), `# ${manifest.displayName}\n\n${manifest.description}\n`);
  writeFileSync(join(runnerDir, 'LICENSE'), readFileSync(join(root, 'LICENSE')));
  writeFileSync(join(runnerDir, '.vscodeignore'), 'key\n');
  const vsce = join(root, 'node_modules', '.bin', 'vsce');
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', runnerVsix], {
    cwd: runnerDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`packaging the test runner failed:\n${r.stdout}\n${r.stderr}`);
  writeFileSync(keyFile, `${key}\n`);
  log(`[vscode-tests] built ${relative(root, runnerVsix)} with ${suites.length} suite file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir: runnerDir, vsix: runnerVsix, main: runnerMain, suites, built: true };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildTestRunner().then(
    (r) => console.log(r.vsix),
    (err) => { console.error(err.message ?? err); process.exit(1); },
  );
}
