// code-server opens models/alexnet.py with our VSIX installed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, launchVSCode, root, type VSCode } from './harness';

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
let vsc: VSCode;

before(async () => {
  vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py' });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

test('the editor shows models/alexnet.py as Python', { timeout: 60_000 }, async () => {
  assert.equal(await vsc.page.locator('.tabs-container .tab.active').getAttribute('aria-label').then((l) => l?.split(',')[0]), 'alexnet.py');
  assert.equal((await vsc.lineText(5)).trim(), 'class AlexNet(nn.Module):');
  await vsc.waitFor('the Python language mode in the status bar', async () =>
    (await vsc.page.locator('.statusbar-item', { hasText: /^Python$/ }).count()) > 0);
});

test(`${EXTENSION_ID}@${version} is installed in code-server`, { timeout: 60_000 }, () => {
  const installed = vsc.installedExtensions();
  assert.ok(installed.includes(`${EXTENSION_ID}@${version}`), `installed: ${installed.join(', ')}`);
});

test('the Extensions view lists AlexNet Explorer as installed', { timeout: 60_000 }, async () => {
  await vsc.runCommand('Extensions: Show Installed Extensions');
  await vsc.waitFor('AlexNet Explorer in the Extensions view', async () =>
    (await vsc.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'AlexNet Explorer' }).count()) > 0, 30_000);
});
