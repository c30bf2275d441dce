// "Classify with AlexNet" in code-server: right-click a Fashion-MNIST sample in the explorer -> the panel shows
// the sample's class with the default weights (or, until tools/train-fashion-mnist.py has made them, a message
// naming the missing file: never a blank panel). Screenshot: test-results/classify-*.png.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Locator } from 'playwright-core';
import { launchVSCode, root, type VSCode } from './harness';

const SAMPLE = '0000-ankle-boot.png';
const CLASS = 'Ankle boot';
const DEFAULT_WEIGHTS = join(root, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth');
const PANEL = `Classify: ${SAMPLE}`;
let vsc: VSCode;

before(async () => {
  // wasm, as most machines without a GPU get it (SwiftShader is refused by default)
  // A single click only selects in the explorer: a click that opens the image would move focus and can drop a multi-selection.
  vsc = await launchVSCode({ folder: 'models', settings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.list.openMode': 'doubleClick' } });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

/** Expands a folder of the explorer tree (one level) by clicking its row once when it is collapsed. */
async function expand(name: string): Promise<void> {
  const row = vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible' });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await vsc.waitFor(`${name} expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true');
}

/**
 * Right-click `target` in the explorer and choose Classify with AlexNet; returns the panel's frame. A click that
 * lands while the menu is still settling can be lost: then the menu is opened and chosen again, once.
 */
/** When the menu item was last clicked (performance.now()), for the time to the first top-5. */
let clickedAt = 0;
let clickedAtEpoch = 0;

async function classifyFromContextMenu(target: Locator, panel: string): Promise<Frame> {
  for (let attempt = 1; ; attempt++) {
    await target.click({ button: 'right' });
    const item = vsc.page.locator('.context-view .monaco-menu .action-item', { hasText: 'Classify with AlexNet' }).first();
    await item.waitFor({ state: 'visible' });
    await item.hover();
    clickedAt = performance.now();
    clickedAtEpoch = Date.now();
    await item.click();
    try {
      return await vsc.webviewFrame(panel, attempt === 1 ? 20_000 : 90_000);
    } catch (e) {
      if (attempt >= 2) throw e;
      await vsc.press('Escape');
    }
  }
}

test('right-click a sample image -> Classify with AlexNet -> the panel names its class', { timeout: 240_000 }, async (t) => {
  await expand('fashion-mnist');
  await expand('samples');
  const file = vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: SAMPLE }).first();
  await file.waitFor({ state: 'visible' });
  const frame: Frame = await classifyFromContextMenu(file, PANEL);
  if (!existsSync(DEFAULT_WEIGHTS)) {
    // the panel says what is missing and offers the way out
    await frame.waitForSelector('#failure:not([hidden])', { timeout: 60_000 });
    assert.match(await frame.locator('#failure').innerText(), /alexnet-fashion-mnist\.pth are not there yet/);
    assert.equal(await frame.locator('#failure button[data-command="loadWeights"]').count(), 1);
    await vsc.screenshot('no-weights');
    t.skip(`the default weights ${DEFAULT_WEIGHTS} do not exist yet (tools/train-fashion-mnist.py makes them): the class cannot be checked`);
    return;
  }
  await frame.waitForSelector('.detail .top-list li', { timeout: 180_000 });
  // a figure for the bench's table, not a test: this machine's load decides it
  const firstTop5 = performance.now() - clickedAt;
  const session = await frame.locator('#backend').innerText();
  const painted = await vsc.paintedAt(frame);
  console.log(`[timing] classify panel: first paint ${painted === null ? '?' : (painted - clickedAtEpoch).toFixed(0)} ms after the click`);
  console.log(`[timing] first top-5 on screen ${firstTop5.toFixed(0)} ms after the click (panel: ${session.replace(/\s+/g, ' ').trim()})`);
  const labels = await frame.locator('.detail .top-list li .label').allInnerTexts();
  assert.equal(labels.length, 5);
  assert.equal(labels[0], CLASS, `top-5: ${labels.join(', ')}`);
  assert.match(await frame.locator('#backend').innerText(), /WebAssembly|WebGPU/);
  assert.match(await frame.locator('#info').innerText(), /alexnet-fashion-mnist\.pth/);
  await frame.waitForSelector('.maps .layer .tile', { timeout: 60_000 });
  assert.equal(await frame.locator('.maps .layer').count(), 5);
  // the file itself is shown (its bytes reach the webview intact)
  await vsc.waitFor('the sample shown', async () => (await frame.locator('.detail img.photo').evaluate((i) => (i as HTMLImageElement).naturalWidth)) === 28);
  // the run's progress notification (if it took over a second) closes once the webview is done
  await vsc.waitFor('no progress notification', async () => (await vsc.page.locator('.notifications-toasts .notification-toast', { hasText: 'Classifying with AlexNet' }).count()) === 0, 20_000);
  await vsc.screenshot('sample');
});

test('the panel closed, a right-click again -> a new panel names the class, from the cached ONNX', { timeout: 180_000 }, async (t) => {
  if (!existsSync(DEFAULT_WEIGHTS)) {
    t.skip(`the default weights ${DEFAULT_WEIGHTS} do not exist yet (tools/train-fashion-mnist.py makes them)`);
    return;
  }
  await vsc.runCommand('View: Close All Editors');
  await vsc.waitFor('no Classify tab', async () => (await vsc.page.locator('.tabs-container .tab', { hasText: 'Classify' }).count()) === 0);
  const file = vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: SAMPLE }).first();
  const frame = await classifyFromContextMenu(file, PANEL);
  await frame.waitForSelector('.detail .top-list li', { timeout: 120_000 });
  const firstTop5 = performance.now() - clickedAt;
  const session = await frame.locator('#backend').innerText();
  const painted = await vsc.paintedAt(frame);
  console.log(`[timing] second classify panel: first paint ${painted === null ? '?' : (painted - clickedAtEpoch).toFixed(0)} ms after the click`);
  console.log(`[timing] second panel: first top-5 on screen ${firstTop5.toFixed(0)} ms after the click (panel: ${session.replace(/\s+/g, ' ').trim()})`);
  assert.equal((await frame.locator('.detail .top-list li .label').allInnerTexts())[0], CLASS);
});

test('several selected images -> one table with a row each', { timeout: 180_000 }, async (t) => {
  if (!existsSync(DEFAULT_WEIGHTS)) {
    t.skip(`the default weights ${DEFAULT_WEIGHTS} do not exist yet (tools/train-fashion-mnist.py makes them)`);
    return;
  }
  const row = (name: string) => vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row('0002-trouser.png').click();
  await row('0018-bag.png').click({ modifiers: ['Control'] });
  const frame = await classifyFromContextMenu(row('0018-bag.png'), 'Classify: 2 images');
  await frame.waitForSelector('#app[data-state="done"] table.results', { timeout: 120_000 });
  const rows = frame.locator('table.results tbody tr');
  assert.equal(await rows.count(), 2);
  const byFile = new Map<string, string>();
  for (let i = 0; i < 2; i++) byFile.set(await rows.nth(i).locator('.file').innerText(), await rows.nth(i).locator('.prediction').innerText());
  assert.deepEqual(Object.fromEntries(byFile), { '0002-trouser.png': 'Trouser', '0018-bag.png': 'Bag' });
  await vsc.screenshot('table');
});
