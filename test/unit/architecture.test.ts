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
