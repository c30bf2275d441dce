// "Visualize AlexNet" in code-server: palette -> webview with the shapes; node click moves the editor cursor;
// an edit re-renders the node; screenshots in the dark and light themes (test-results/visualize-*.png) and the
// README's (visualize-readme.png, copied by hand to media/screenshot.png).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { launchVSCode, type VSCode } from './harness';

const PANEL = 'AlexNet: alexnet.py';
let vsc: VSCode;
let frame: Frame;

before(async () => {
  vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py', settings: { 'workbench.colorTheme': 'Dark Modern' } });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

const node = (path: string) => frame.locator(`.node[data-path="${path}"]`);
const zoom = () => frame.evaluate(() => (document.querySelector('.graph-svg') as unknown as { __zoom: { k: number; x: number; y: number } }).__zoom);
/** Whether an element of the graph is fully inside the graph's panel. */
const inView = (selector: string) => frame.evaluate((sel) => {
  const panel = document.getElementById('graph')!.getBoundingClientRect();
  const r = document.querySelector(sel)!.getBoundingClientRect();
  return r.top >= panel.top - 0.5 && r.bottom <= panel.bottom + 0.5 && r.left >= panel.left - 0.5 && r.right <= panel.right + 0.5;
}, selector);
/** Changes user settings in VS Code's settings.json editor (code-server does not see the file written behind its back). */
async function updateUserSettings(changes: Record<string, unknown>): Promise<void> {
  const file = join(vsc.userDataDir, 'User', 'settings.json');
  const next = { ...JSON.parse(readFileSync(file, 'utf8')), ...changes };
  await vsc.runCommand('Preferences: Open User Settings (JSON)');
  // VS Code 1.139 opens it in a modal editor over the workbench (focused), earlier versions in a tab.
  const modal = vsc.page.locator('.modal-editor-part');
  await vsc.waitFor('settings.json open', async () =>
    (await modal.count()) > 0 || (await vsc.page.locator('.tabs-container .tab.active[aria-label^="settings.json"]').count()) > 0);
  // Focus in that editor before selecting all (not in the Python file behind it).
  const isModal = (await modal.count()) > 0;
  await (isModal ? modal : vsc.page.locator('.editor-group-container.active')).locator('.monaco-editor .view-lines').first().click();
  await vsc.waitFor('focus in settings.json', () => vsc.page.evaluate((sel) =>
    !!document.activeElement?.closest(sel) && !!document.activeElement?.closest('.monaco-editor'), isModal ? '.modal-editor-part' : '.editor-group-container.active'));
  await vsc.press('Control+A');
  await vsc.page.keyboard.insertText(JSON.stringify(next, null, 2));
  await vsc.press('Control+S');
  await vsc.waitFor('settings.json saved', async () => {
    try { return isDeepStrictEqual(JSON.parse(readFileSync(file, 'utf8')), next); } catch { return false; }
  });
  if (isModal) {
    // Escape closes the modal, or first whatever widget (a JSON hover, suggestions) is open in it.
    await vsc.waitFor('the settings editor closed', async () => {
      if (!(await modal.isVisible())) return true;
      await vsc.press('Escape');
      await vsc.page.waitForTimeout(300);
      return !(await modal.isVisible());
    });
  } else {
    await vsc.runCommand('View: Close Editor');
  }
}

test('the palette command opens the graph beside the editor with the shapes', { timeout: 120_000 }, async () => {
  await vsc.runCommand('AlexNet: Visualize AlexNet');
  const commanded = Date.now();
  frame = await vsc.webviewFrame(PANEL, 60_000);
  await frame.waitForSelector('#app[data-state="rendered"]', { timeout: 30_000 });
  // figures for the bench, not assertions: this machine's load decides them
  const painted = await vsc.paintedAt(frame);
  console.log(`[timing] graph panel: first paint ${painted === null ? '?' : (painted - commanded).toFixed(0)} ms after the command, graph drawn by ${Date.now() - commanded} ms`);
  const shapes = await frame.locator('.node-shape').allTextContents();
  assert.ok(shapes.includes('[1, 48, 55, 55]'), shapes.join(' '));
  assert.ok(shapes.includes('[1, 1000]'));
  assert.equal(await node('features.0').locator('.node-title').textContent(), 'Conv2d 11x11 s4 p2');
  // Beside the editor: two editor groups, the Python file still open in the first.
  assert.equal(await vsc.page.locator('.editor-group-container').count(), 2);
  assert.ok(await vsc.page.locator('.tabs-container .tab[aria-label^="alexnet.py"]').count());
  // Beside the editor the panel is narrow: the table starts folded.
  assert.equal(await frame.locator('.side').isVisible(), false);
  assert.match((await frame.locator('body').getAttribute('class')) ?? '', /vscode-dark/);
  // Readable at once: the graph's width fitted at 100 % at most (not fitted whole), starting at the input.
  const { k } = await zoom();
  assert.ok(k >= 0.75, `readable scale (${k})`);
  assert.equal(await inView('.node.kind-input'), true, 'the input in view');
  assert.equal(await inView('.node.kind-output'), false, 'the output further down');
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
  // The cursor on the edited line first: it scrolls the graph to features.3, the edit itself must not move it.
  await vsc.gotoLine(12, 13);
  await vsc.waitFor('features.3 highlighted', async () => /selected/.test((await node('features.3').getAttribute('class')) ?? ''));
  await vsc.page.waitForTimeout(300);
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
  // The cards and the toolbar follow too (CSS variables and the toolkit's tokens are re-read, nothing cached).
  const lightness = (css: string) => { const [r, g, b] = css.match(/\d+/g)!.map(Number); return (r + g + b) / 3; };
  const card = await node('features.0').locator('.card-box').evaluate((r) => getComputedStyle(r).fill);
  assert.ok(lightness(card) > 200, `a light card (${card})`);
  await vsc.waitFor('the workbench in the light theme', async () =>
    lightness(await vsc.page.locator('.editor-instance .monaco-editor-background').first().evaluate((e) => getComputedStyle(e).backgroundColor)) > 200, 10_000);
  await vsc.page.mouse.move(700, 880);
  await vsc.screenshot('light');
});

test('README screenshot: the source beside a fresh, readable graph, shape hints on, dark theme', { timeout: 120_000 }, async () => {
  await vsc.runCommand('View: Focus First Editor Group');
  // The edits above leave the file dirty (same text): back to the saved file, without the modified dot.
  await vsc.runCommand('File: Revert File');
  await updateUserSettings({ 'workbench.colorTheme': 'Dark Modern', 'editor.inlayHints.enabled': 'on' });
  // More room for both halves: no side bar.
  await vsc.runCommand('View: Toggle Primary Side Bar Visibility');
  await vsc.page.locator('.part.sidebar').waitFor({ state: 'hidden' });
  const editorText = async () => (await vsc.page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  await vsc.waitFor('shape hints in the editor', async () => /-> \[48, 55, 55\]/.test(await editorText()), 30_000);
  // The panel as a user opens it: closed, then Visualize again (not the view the tests above moved).
  await vsc.page.locator(`.tabs-container .tab[aria-label^="${PANEL}"]`).click();
  await vsc.runCommand('View: Close Editor');
  await vsc.page.locator(`.tabs-container .tab[aria-label^="${PANEL}"]`).waitFor({ state: 'detached' });
  // A new panel selects the node at the editor's cursor (scrolling to it): conv2, near the top. In the
  // indentation: no word under the cursor, so no occurrence highlights in the picture.
  await vsc.gotoLine(12, 1);
  await vsc.runCommand('AlexNet: Visualize AlexNet');
  frame = await vsc.webviewFrame(PANEL, 60_000);
  await frame.waitForSelector('#app[data-state="rendered"]', { timeout: 30_000 });
  // Whether the new panel saw the cursor or not (focus timing), a cursor move selects conv2.
  await vsc.runCommand('View: Focus First Editor Group');
  await vsc.gotoLine(12, 2);
  await vsc.waitFor('features.3 highlighted', async () => /selected/.test((await node('features.3').getAttribute('class')) ?? ''));
  assert.match((await frame.locator('body').getAttribute('class')) ?? '', /vscode-dark/);
  // The code gets the wider half (its lines carry the hints); the graph keeps 100 % in the rest.
  const graphGroup = (await vsc.page.locator('.editor-group-container').nth(1).boundingBox())!;
  await vsc.page.mouse.move(graphGroup.x, 450);
  await vsc.page.mouse.down();
  await vsc.page.mouse.move(graphGroup.x + 150, 450, { steps: 5 });
  await vsc.page.mouse.up();
  await vsc.waitFor('the graph panel narrower', async () => ((await vsc.page.locator('.editor-group-container').nth(1).boundingBox())?.width ?? 1e9) < graphGroup.width - 100);
  await vsc.page.waitForTimeout(300);
  const where = JSON.stringify({ zoom: await zoom(), panel: await frame.evaluate(() => document.getElementById('graph')!.getBoundingClientRect().toJSON()) });
  assert.equal((await zoom()).k, 1, where);
  assert.equal(await inView('.node.kind-input'), true, where);
  // The pointer on the status bar, and time for the editor's scrollbars to fade out.
  await vsc.page.mouse.move(700, 885);
  await vsc.page.waitForTimeout(1500);
  await vsc.screenshot('readme');
});
