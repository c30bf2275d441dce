// Issue 10 in the editor: a hostile .py and a hostile image opened from the explorer do not take the extension host
// down or hang it: a hover on a layer of the seed model still answers afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchVSCode, root, type VSCode } from './harness';
// @ts-expect-error: a plain .mjs tool without types
import { images, python } from '../../tools/make-hostile-files.mjs';

let vsc: VSCode;

before(async () => {
  // the hostile files exist before code-server starts, so the explorer lists them at once
  const folder = join('test-results', 'hostile-workspace');
  rmSync(join(root, folder), { recursive: true, force: true });
  mkdirSync(join(root, folder), { recursive: true });
  copyFileSync(join(root, 'models', 'alexnet.py'), join(root, folder, 'alexnet.py'));
  // the value doubling and a 5,000-term chain: each took the analyser (the extension host) down before
  writeFileSync(join(root, folder, 'hostile.py'), `${python.listDoubling()}${python.plusChain()}${python.forwardChain()}`);
  images.pngBomb(join(root, folder), 1024);
  vsc = await launchVSCode({ folder, open: 'alexnet.py' });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

/** Opens a file by double-clicking its row in the explorer. */
async function openFromExplorer(name: string): Promise<void> {
  const row = vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await vsc.waitFor(`${name} in the explorer`, async () => (await row.count()) > 0, 30_000);
  await row.dblclick();
  await vsc.waitFor(`${name} open`, async () => (await vsc.page.locator('.tab', { hasText: name }).count()) > 0, 30_000);
}

test('a hostile .py and a decompression-bomb PNG from the explorer; the hover on the seed model still answers', { timeout: 240_000 }, async () => {
  await openFromExplorer('hostile.py');
  // let the analysis of the edit-free open run (debounced) before the next file
  await vsc.page.waitForTimeout(2000);
  await openFromExplorer('png-bomb.png');
  // back to the seed model's tab (it was opened first)
  await vsc.page.locator('.tab', { hasText: 'alexnet.py' }).first().click();
  const text = await vsc.hoverAt(9, 17, { expect: '[1, 48, 55, 55]', timeoutMs: 60_000 });
  assert.match(text, /\[1, 48, 55, 55\]/);
});
