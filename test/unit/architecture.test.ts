// House rules that keep the architecture easy to see: a pure core, a manifest that matches the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function filesUnder(dir: string, ext = /\.(ts|tsx|js|mjs)$/): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(relative(root, p), ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

test('nothing under src/core, src/shared or webview imports vscode (type-only imports allowed)', () => {
  const offenders: string[] = [];
  const runtimeImport = /^(?!\s*import\s+type\b).*(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/m;
  for (const f of [...filesUnder('src/core'), ...filesUnder('src/shared'), ...filesUnder('webview')]) {
    const text = readFileSync(f, 'utf8');
    for (const line of text.split('\n')) if (runtimeImport.test(line)) offenders.push(`${relative(root, f)}: ${line.trim()}`);
  }
  assert.deepEqual(offenders, []);
});

test('the core has no Node-only imports except in files named *.node.ts', () => {
  const offenders: string[] = [];
  for (const f of filesUnder('src/core')) {
    if (f.endsWith('.node.ts')) continue;
    const text = readFileSync(f, 'utf8');
    if (/from\s+['"](node:)?(fs|path|child_process|os)['"]/.test(text)) offenders.push(relative(root, f));
  }
  assert.deepEqual(offenders, []);
});

/** The folders of src/core from the bottom up: a file may import only from its own folder or from folders below it. */
const CORE_LAYERS = [['types.ts'], ['python'], ['ops', 'onnx/model-proto.ts', 'onnx/protobuf.ts'], ['model']];

function coreLayerOf(file: string): number {
  const rel = relative(join(root, 'src/core'), file);
  const i = CORE_LAYERS.findIndex((layer) => layer.some((p) => rel === p || rel.startsWith(`${p}/`)));
  return i < 0 ? CORE_LAYERS.length : i;
}

test('src/core imports only point down: types.ts < python/ < ops/ < model/ < the rest', () => {
  const offenders: string[] = [];
  const importFrom = /^\s*(?:import|export)\b[^'"]*from\s+['"](\.[^'"]+)['"]/gm;
  for (const f of filesUnder('src/core')) {
    const own = coreLayerOf(f);
    for (const m of readFileSync(f, 'utf8').matchAll(importFrom)) {
      let target = join(f, '..', m[1]);
      if (existsSync(`${target}.ts`)) target = `${target}.ts`;
      else if (existsSync(join(target, 'index.ts'))) target = join(target, 'index.ts');
      if (coreLayerOf(target) > own) offenders.push(`${relative(root, f)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('a new op is one file plus one registry line: every op file under src/core/ops is listed in the registry', () => {
  const registry = readFileSync(join(root, 'src/core/ops/registry.ts'), 'utf8');
  const helpers = new Set(['registry.ts', 'types.ts', 'common.ts', 'bind.ts', 'spelling.ts']);
  const opFiles = readdirSync(join(root, 'src/core/ops')).filter((f) => f.endsWith('.ts') && !helpers.has(f));
  const unlisted = opFiles.filter((f) => !registry.includes(`from './${f.replace(/\.ts$/, '')}'`));
  assert.deepEqual(unlisted, []);
  // and nothing downstream matches op names with regexes
  const downstream = [...filesUnder('src/core/onnx'), ...filesUnder('webview'), join(root, 'src/core/classifier.ts'), join(root, 'src/core/model/report.ts')];
  const matchers = downstream.filter((f) => /\/\^?\(?(ReLU|Conv|MaxPool|Dropout|Softmax|Linear|BatchNorm)/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(matchers.map((f) => relative(root, f)), []);
});

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8'));
const nlsZh = JSON.parse(readFileSync(join(root, 'package.nls.zh-cn.json'), 'utf8'));
const sources = [...filesUnder('src/vscode'), join(root, 'src/extension.ts')].map((f) => readFileSync(f, 'utf8')).join('\n');

test('every contributed command is registered in the code', () => {
  const missing = pkg.contributes.commands
    .map((c: { command: string }) => c.command)
    .filter((id: string) => !sources.includes(`'${id}'`));
  assert.deepEqual(missing, []);
});

test('every menu entry names a contributed command', () => {
  const ids = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const bad: string[] = [];
  for (const [menu, entries] of Object.entries(pkg.contributes.menus ?? {})) {
    for (const e of entries as { command: string }[]) if (!ids.has(e.command)) bad.push(`${menu}: ${e.command}`);
  }
  assert.deepEqual(bad, []);
});

test('every %key% in package.json has an English and a Simplified Chinese text', () => {
  const keys = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.ok(keys.length >= 3);
  const missing = keys.filter((k) => typeof nls[k] !== 'string' || typeof nlsZh[k] !== 'string' || nlsZh[k] === nls[k]);
  assert.deepEqual(missing, []);
});

test('every vscode.l10n.t string has a zh-cn translation', () => {
  const bundle = JSON.parse(readFileSync(join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8'));
  const used = new Set<string>();
  for (const m of sources.matchAll(/l10n\.t\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) used.add(m[2].replace(/\\'/g, "'"));
  const missing = [...used].filter((s) => typeof bundle[s] !== 'string');
  assert.deepEqual(missing, []);
});

/** The files a source file loads at run time, transitively (type-only imports do not load anything). */
function runtimeClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const importFrom = /^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(importFrom)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) {
        if (!spec.startsWith('node:')) packages.add(spec);
        continue;
      }
      const target = join(file, '..', spec);
      visit(existsSync(`${target}.ts`) ? `${target}.ts` : existsSync(join(target, 'index.ts')) ? join(target, 'index.ts') : target);
    }
  };
  visit(join(root, entry));
  return { files, packages };
}

test('the CLI loads only the command asked for: inspect never loads weights, images, training, ONNX or onnxruntime', () => {
  const heavy = /^src\/(core\/(weights|training|images|onnx|classifier)|cli\/(classify|train|weights))\b/;
  const entry = runtimeClosure('src/cli.ts');
  assert.deepEqual([...entry.files].map((f) => relative(root, f)).filter((f) => f.startsWith('src/core/model') || heavy.test(f)), []);
  const inspect = runtimeClosure('src/cli/inspect.ts');
  assert.deepEqual([...inspect.files].map((f) => relative(root, f)).filter((f) => heavy.test(f)), []);
  assert.deepEqual([...inspect.packages], []);
  // the commands that need them do load them (the check above can see an import)
  assert.ok(runtimeClosure('src/cli/classify.ts').packages.has('onnxruntime-node'));
});
