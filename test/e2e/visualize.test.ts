// "Visualize AlexNet" in code-server: palette -> webview with the shapes; node click moves the editor cursor;
// an edit re-renders the node; screenshots in the dark and light themes (test-results/visualize-*.png).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { launchVSCode, type VSCode } from './harness';

const PANEL = 'AlexNet: alexnet.py';
let vsc: VSCode;
let frame: Frame;

before(async () => {
  vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py', settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

const node = (path: string) => frame.locator(`.node[data-path="${path}"]`);

test('the palette command opens the graph beside the editor with the shapes', { timeout: 120_000 }, async () => {
  await vsc.runCommand('AlexNet: Visualize AlexNet');
  frame = await vsc.webviewFrame(PANEL, 60_000);
  await frame.waitForSelector('#app[data-state="rendered"]', { timeout: 30_000 });
  const shapes = await frame.locator('.node-shape').allTextContents();
  assert.ok(shapes.includes('[1, 48, 55, 55]'), shapes.join(' '));
  assert.ok(shapes.includes('[1, 1000]'));
  assert.equal(await node('features.0').locator('.node-title').textContent(), 'Conv2d 11x11 s4 p2');
  // Beside the editor: two editor groups, the Python file still open in the first.
  assert.equal(await vsc.page.locator('.editor-group-container').count(), 2);
  assert.ok(await vsc.page.locator('.tabs-container .tab[aria-label^="alexnet.py"]').count());
  // Beside the editor the panel is narrow: the table starts folded.
  assert.equal(await frame.locator('.side').isVisible(), false);
  await frame.locator('#fit').click();
  await vsc.screenshot('dark');
});

test('clicking features.3 moves the editor cursor to its line', { timeout: 60_000 }, async () => {
  await node('features.3').click();
  await vsc.waitFor('the cursor on line 12', async () =>
    /Ln 12, Col \d+/.test((await vsc.page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().textContent()) ?? ''));
  assert.match((await node('features.3').getAttribute('class'))!, /selected/);
});

test('moving the cursor in the editor highlights the node', { timeout: 60_000 }, async () => {
  await vsc.gotoLine(25, 13);
  await vsc.waitFor('classifier.1 highlighted', async () => /selected/.test((await node('classifier.1').getAttribute('class')) ?? ''));
});

test('editing a kernel size re-renders the node', { timeout: 90_000 }, async () => {
  const before = await frame.locator('.viewport').getAttribute('transform');
  await vsc.replaceOnLine(12, 'kernel_size=5', 'kernel_size=3');
  await vsc.waitFor('features.3 re-rendered as 3x3', async () => (await node('features.3').locator('.node-title').textContent()) === 'Conv2d 3x3 p2', 20_000);
  assert.equal(await node('features.3').locator('.node-shape').textContent(), '[1, 128, 29, 29]');
  assert.equal(await frame.locator('.viewport').getAttribute('transform'), before, 'zoom and pan kept');
  await vsc.replaceOnLine(12, 'kernel_size=3', 'kernel_size=5');
  await vsc.waitFor('features.3 back to 5x5', async () => (await node('features.3').locator('.node-title').textContent()) === 'Conv2d 5x5 p2', 20_000);
});

test('a shape error shows on the offending node in red with PyTorch\'s message', { timeout: 90_000 }, async () => {
  await vsc.replaceOnLine(25, '128 * 6 * 6', '128 * 5 * 5');
  await vsc.waitFor('a red node', async () => (await frame.locator('.node.error').count()) > 0, 20_000);
  assert.equal(await frame.locator('.node.error').getAttribute('data-path'), 'classifier.1');
  assert.match((await frame.locator('.node.error .node-error').textContent())!, /mat1 and mat2 shapes cannot be multiplied \(1x4608 and 3200x2048\)/);
  await vsc.screenshot('dark-error');
  await vsc.replaceOnLine(25, '128 * 5 * 5', '128 * 6 * 6');
  await vsc.waitFor('the error gone once fixed', async () => (await frame.locator('.node.error').count()) === 0, 20_000);
});

test('light theme: the webview follows the VS Code theme', { timeout: 90_000 }, async () => {
  await vsc.runCommand('Preferences: Color Theme');
  await vsc.typeText('Light Modern');
  await vsc.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Light Modern' }).first().waitFor();
  await vsc.press('Enter');
  await vsc.waitFor('the webview in the light theme', async () => /vscode-light/.test((await frame.locator('body').getAttribute('class')) ?? ''), 20_000);
  const background = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(255, 255, 255)');
  await vsc.screenshot('light');
});
