// Inlay hints `-> [48, 55, 55]` after each layer's constructor and after functional ops in forward.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchVSCode, type VSCode } from './harness';

let vsc: VSCode;

before(async () => {
  vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py', settings: { 'editor.inlayHints.enabled': 'on' } });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

test('each layer line ends with its output shape', { timeout: 90_000 }, async () => {
  const text = await vsc.waitFor('inlay hint on line 9', async () => {
    const t = await vsc.lineText(9);
    return t.includes('-> [48, 55, 55]') ? t : undefined;
  }, 45_000);
  assert.match(text, /nn\.Conv2d\(3, 48, kernel_size=11, stride=4, padding=2\)\s*-> \[48, 55, 55\]/);
  assert.match(await vsc.lineText(37), /torch\.flatten\(x, start_dim=1\)\s*-> \[4608\]/);
  await vsc.screenshot('inlay-hints');
});
