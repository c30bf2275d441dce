// One build script: extension (node/cjs, vscode external), CLI (node/cjs), webview (browser/iife).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

// src/cli/NAME.ts that src/cli.ts loads through src/cli/load.ts, which runs them as plain CommonJS in a vm.Script:
// import() becomes require() in them (a vm.Script has no loader for import())
const CLI_COMMANDS = ['inspect', 'classify', 'train'];

const targets = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node18', external: ['vscode'] },
  // the CLI: a small entry (arguments, dispatch) and one bundle per command, loaded only when asked for (src/cli.ts)
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node18', banner: { js: '#!/usr/bin/env node' } },
];
for (const command of CLI_COMMANDS) {
  targets.push({ ...common, entryPoints: [`src/cli/${command}.ts`], outfile: `dist/cli/${command}.js`, platform: 'node', format: 'cjs', target: 'node18', external: ['onnxruntime-node'], supported: { 'dynamic-import': false } });
}
// What a webview loads after its first paint (webview/ui/lazy.ts): dist/webview/<name>.js, beside the pages' scripts.
for (const [name, file] of [['toolkit', 'webview/ui/toolkitRegister.ts']]) {
  targets.push({ ...common, entryPoints: [file], outfile: `dist/webview/${name}.js`, platform: 'browser', format: 'iife', target: 'es2022' });
}
// Workers a page starts from a Blob URL of the fetched script (webview/ui/worker.ts): one IIFE each, fetching nothing.
for (const [name, file] of [['train-worker', 'webview/train/worker.ts']]) {
  targets.push({ ...common, entryPoints: [file], outfile: `dist/webview/${name}.js`, platform: 'browser', format: 'iife', target: 'es2022' });
}
for (const entry of ['graph', 'classify', 'train']) {
  const file = `webview/${entry}/main.ts`;
  if (existsSync(join(root, file))) {
    targets.push({ ...common, entryPoints: [file], outfile: `dist/webview/${entry}.js`, platform: 'browser', format: 'iife', target: 'es2022' });
  }
}

// onnxruntime-web's runtimes for webview/classify and webview/train: the wasm build (CPU) and the webgpu build (asyncify), each with its loader.
const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'];

function copyOrt() {
  const from = join(root, 'node_modules', 'onnxruntime-web', 'dist');
  mkdirSync(join(root, 'dist', 'ort'), { recursive: true });
  for (const f of ORT_FILES) cpSync(join(from, f), join(root, 'dist', 'ort', f));
}

/**
 * Removes what an earlier build left in the folders this build owns (dist/webview, dist/cli, dist/ort) and no
 * target writes now (a renamed webview's bundle), so that the VSIX ships exactly this build's files.
 */
function pruneStale() {
  const written = new Set(ORT_FILES.map((f) => join(root, 'dist', 'ort', f)));
  for (const t of targets) {
    written.add(join(root, t.outfile));
    written.add(join(root, `${t.outfile}.map`));
  }
  for (const dir of ['webview', 'cli', 'ort'].map((d) => join(root, 'dist', d))) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (!written.has(join(dir, f))) rmSync(join(dir, f), { recursive: true, force: true });
  }
}

export async function build() {
  mkdirSync(join(root, 'dist'), { recursive: true });
  pruneStale();
  copyOrt();
  if (watch) {
    for (const t of targets) await (await esbuild.context(t)).watch();
    return;
  }
  await Promise.all(targets.map((t) => esbuild.build(t)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().then(
    () => console.log(`built ${targets.length} bundles${production ? ' (production)' : ''}`),
    (err) => { console.error(err.message ?? err); process.exit(1); },
  );
}
