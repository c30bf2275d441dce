// The Train panel in code-server (wasm, as a machine without a GPU gets it): AlexNet: Train... from the palette ->
// Fine-tune with small settings (the settings block edited) -> loss points appear in the chart and fall; Cancel during
// a step stops the run within 1 s of the click (the step runs in the panel's worker, which Cancel terminates; the time
// from the click to the panel saying cancelled is printed, and the time until the host has saved the weights of the
// last completed step; no point comes after); the run is listed after the panel
// is closed and opened again; "Use these weights" -> right-click an image -> Classify names the run's weights.
// (ReLU vs tanh: train-relu-tanh.test.ts; each e2e file has 300 s.) Screenshot: test-results/train-*.png.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { clickToCancelled } from '../webview/page';
import { launchVSCode, resultsDir, type VSCode } from './harness';

const PANEL = 'Train: alexnet.py';
let vsc: VSCode;

before(async () => {
  vsc = await launchVSCode({
    folder: 'models', open: 'alexnet.py',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.list.openMode': 'doubleClick', 'alexnetExplorer.inference.backend': 'wasm' },
  });
  // ten Fashion-MNIST samples filed under the wrong class (sample i in class folder (i + 1) mod 10): the default
  // weights fit the ten classes and get them wrong, so fine-tuning has something to learn (on its own training
  // images their loss is 0 in float32 already)
  const ws = vsc.workspace!;
  const samples = readdirSync(join(ws, 'fashion-mnist/samples')).filter((f) => f.endsWith('.png')).sort().slice(0, 10);
  samples.forEach((f, i) => {
    const dir = join(ws, 'relabelled', `class${(i + 1) % 10}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(ws, 'fashion-mnist/samples', f), join(dir, f));
  });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

/** Edits `name = value` lines of the snippet's settings block (the textarea), as a user would. */
async function setSettings(frame: Frame, values: Record<string, string>): Promise<void> {
  const area = frame.locator('#settings');
  let text = await area.inputValue();
  for (const [name, value] of Object.entries(values)) {
    assert.match(text, new RegExp(`^${name} = `, 'm'), `the settings block has ${name}`);
    text = text.replace(new RegExp(`^${name} = .*$`, 'm'), `${name} = ${value}`);
  }
  await area.fill(text);
}

async function openPanel(): Promise<Frame> {
  await vsc.openFile('alexnet.py');
  await vsc.runCommand('AlexNet: Train...');
  const frame = await vsc.webviewFrame(PANEL, 60_000);
  await frame.waitForSelector('nav.snippets button[data-snippet="finetune"]', { timeout: 120_000 });
  // the snippets come once the backend is known
  await frame.waitForSelector('#settings', { timeout: 120_000 });
  return frame;
}

const lossPoints = (frame: Frame) => frame.locator('#loss path.series').first().evaluate((p) => ((p as SVGPathElement & { __data__?: [number, number][] }).__data__ ?? []).map((d) => d[1]));

let runName = '';

test('Train from the palette -> Fine-tune a few steps: the loss falls; Cancel stops; the run is listed after reopening; Use these weights -> Classify uses them', { timeout: 280_000 }, async () => {
  let frame = await openPanel();
  await frame.locator('nav.snippets button[data-snippet="finetune"]').click();
  await setSettings(frame, {
    data: `ImageFolder(${JSON.stringify(join(vsc.workspace!, 'relabelled'))})`, subset: '8', test_subset: '8', batch_size: '4', steps: '40',
    optimizer: 'SGD(lr=0.005, momentum=0.9, weight_decay=0)',
  });
  await frame.locator('#run').click();
  await frame.waitForSelector('#run-view[data-status="running"]', { timeout: 120_000 });
  // four points: two passes over the 8 images (two batches of 4)
  const points = await vsc.waitFor('four loss points', async () => {
    const p = await lossPoints(frame);
    return p.length >= 4 ? p : undefined;
  }, 200_000);
  console.log(`[train] fine-tune losses: ${points.map((l) => l.toFixed(4)).join(', ')}`);
  assert.ok(points.every((l) => Number.isFinite(l)), 'finite losses');
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(points.slice(-2)) < mean(points.slice(0, 2)), `the loss falls: first two ${points.slice(0, 2).join(', ')}, last two ${points.slice(-2).join(', ')}`);
  await vsc.screenshot('train-finetune-dark');
  // Cancel inside an epoch (after its first step, while the next one runs), not during an epoch's checkpoint
  await vsc.waitFor('a fifth loss point', async () => ((await lossPoints(frame)).length >= 5 ? true : undefined), 120_000);

  const inFrame = await clickToCancelled(frame);
  const t0 = Date.now();
  await frame.locator('#cancel').click();
  await frame.waitForSelector('#run-view[data-status="cancelled"]', { timeout: 60_000 });
  const driver = Date.now() - t0;
  const stopped = await inFrame();
  const atStop = (await lossPoints(frame)).length;
  const stepMs = await frame.locator('#step-time path.series').first().evaluate((p) => ((p as SVGPathElement & { __data__?: [number, number][] }).__data__ ?? []).map((d) => d[1]));
  console.log(`[timing] Cancel: the panel said cancelled ${stopped.toFixed(0)} ms after the click (${driver} ms with the test driver's click), after ${atStop} of 40 steps; steps took ${stepMs.map((m) => m.toFixed(0)).join(', ')} ms`);
  assert.ok(stopped < 1000, `Cancel took ${stopped.toFixed(0)} ms from the click to the panel saying cancelled`);
  // the host has the weights of the last completed step once the run's record offers them
  await frame.locator('#run-view .use-weights').first().waitFor({ timeout: 60_000 });
  console.log(`[timing] Cancel: the weights of step ${atStop} saved ${Date.now() - t0} ms after the click`);
  assert.equal(await frame.locator('#results td.steps').first().innerText(), String(atStop), 'the run records the steps kept');
  runName = (await frame.locator('#run-view').getAttribute('data-name'))!;
  assert.ok(runName.endsWith('-finetune'), runName);
  await vsc.page.waitForTimeout(3000);
  assert.equal((await lossPoints(frame)).length, atStop, 'no loss point after the stop');
  assert.ok(atStop < 40, 'stopped before the last step');

  // closed and opened again: the run is listed, and opens with its chart
  await vsc.runCommand('View: Close All Editors');
  frame = await openPanel();
  const item = frame.locator(`#runs li[data-name="${runName}"]`);
  await item.waitFor({ timeout: 60_000 });
  assert.equal(await item.getAttribute('data-status'), 'cancelled');
  await item.locator('.open-run').click();
  await frame.waitForSelector(`#run-view[data-name="${runName}"]`, { timeout: 30_000 });
  assert.equal((await lossPoints(frame)).length, atStop, 'the reopened run has its points');

  await frame.locator('#run-view .use-weights').first().click();
  await vsc.waitFor('the weights notification', async () => (await vsc.page.locator('.notifications-toasts .notification-toast', { hasText: runName }).count()) > 0, 30_000);

  // right-click a sample -> Classify names the run's weights
  const row = (name: string) => vsc.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  for (const folder of ['fashion-mnist', 'samples']) {
    await row(folder).waitFor({ state: 'visible' });
    if ((await row(folder).getAttribute('aria-expanded')) !== 'true') await row(folder).click();
  }
  const sample = row('0000-ankle-boot.png');
  await sample.waitFor({ state: 'visible' });
  await sample.click({ button: 'right' });
  const menu = vsc.page.locator('.context-view .monaco-menu .action-item', { hasText: 'Classify with AlexNet' }).first();
  await menu.waitFor({ state: 'visible' });
  await menu.hover();
  await menu.click();
  const classify = await vsc.webviewFrame('Classify: 0000-ankle-boot.png', 90_000);
  await classify.waitForSelector('.detail .top-list li', { timeout: 180_000 });
  const info = await classify.locator('#info').innerText();
  console.log(`[train] Classify: ${info.replace(/\s+/g, ' ').trim()}`);
  assert.match(info, new RegExp(runName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});
