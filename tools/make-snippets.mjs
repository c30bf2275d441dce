// Writes snippets/python.json (English) and snippets/python.zh-cn.json from snippets/src/<name>.snippet (the bodies,
// in VS Code's snippet syntax) and the descriptions in package.nls.json / package.nls.zh-cn.json (`snippet.<name>`).
// package.json's `contributes.snippets` path is itself localized (`%snippets.python%`): VS Code has no localization
// for a snippet file's descriptions, but it translates every string of the manifest.
// Run: node tools/make-snippets.mjs   (then /usr/bin/python3 tools/check-snippets.py)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The snippet names, in the order the files list them. */
export const SNIPPET_NAMES = ['alexnet', 'alexnet-train', 'alexnet-predict'];

/** The two snippet files' texts, as this tool writes them. */
export function snippetFiles() {
  const out = {};
  for (const [lang, nlsFile] of [['en', 'package.nls.json'], ['zh-cn', 'package.nls.zh-cn.json']]) {
    const nls = JSON.parse(readFileSync(join(root, nlsFile), 'utf8'));
    const file = {};
    for (const name of SNIPPET_NAMES) {
      const body = readFileSync(join(root, 'snippets', 'src', `${name}.snippet`), 'utf8').replace(/\n$/, '').split('\n');
      const description = nls[`snippet.${name}`];
      if (typeof description !== 'string') throw new Error(`${nlsFile}: no "snippet.${name}" description`);
      file[name] = { prefix: name, body, description };
    }
    out[lang] = `${JSON.stringify(file, null, 2)}\n`;
  }
  return out;
}

export const SNIPPET_FILES = { en: 'snippets/python.json', 'zh-cn': 'snippets/python.zh-cn.json' };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = snippetFiles();
  for (const [lang, path] of Object.entries(SNIPPET_FILES)) {
    writeFileSync(join(root, path), files[lang]);
    console.log(`wrote ${path}`);
  }
}
