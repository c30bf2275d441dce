// ReLU vs tanh in the Train panel in code-server (wasm), on models/four_layer_cnn.py (the paper's Figure 1 kind of
// network, 1x28x28): 200 steps of each at the CPU defaults' subset and batch; the run finishes and its table has both
// networks' step counts and the steps each needed to reach 25% training error (numbers: both get there in 200 steps
// on this data); the figures are printed ([train] lines) for the README. Screenshots in dark and light:
// test-results/train-relu-tanh-*.png (the README's media/train-relu-tanh.png is the dark one).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { launchVSCode, type VSCode } from './harness';

const PANEL = 'Train: four_layer_cnn.py';
let vsc: VSCode;

before(async () => {
  vsc = await launchVSCode({
    folder: 'models', open: 'four_layer_cnn.py',
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'alexnetExplorer.inference.backend': 'wasm' },
  });
}, { timeout: 180_000 });

after(async () => {
  await vsc?.close();
});

async function setTheme(name: string): Promise<void> {
  await vsc.runCommand('Preferences: Color Theme');
  await vsc.typeText(name);
  await vsc.page.waitForTimeout(500);
  await vsc.press('Enter');
  await vsc.page.waitForTimeout(1000);
}

async function openPanel(): Promise<Frame> {
  await vsc.runCommand('AlexNet: Train...');
  const frame = await vsc.webviewFrame(PANEL, 60_000);
  await frame.waitForSelector('#settings', { timeout: 120_000 });
  return frame;
}

test('ReLU vs tanh on a four-layer CNN fills its table with both step counts and steps to 25% error (dark and light)', { timeout: 280_000 }, async () => {
  const frame = await openPanel();
  await frame.locator('nav.snippets button[data-snippet="relu-tanh"]').click();
  const area = frame.locator('#settings');
  const edits: Record<string, string> = { steps: '200' };
  await area.fill((await area.inputValue()).split('\n').map((l) => { const name = l.split(' = ')[0]!; return name in edits ? `${name} = ${edits[name]}` : l; }).join('\n'));
  const started = Date.now();
  await frame.locator('#run').click();
  await frame.waitForSelector('#run-view[data-status="finished"]', { timeout: 240_000 });
  console.log(`[timing] ReLU vs tanh (four-layer CNN, 200 steps each, 1x28x28, wasm): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rows = frame.locator('#run-view table tbody tr');
  assert.equal(await rows.count(), 2);
  const table: Record<string, { steps: string; to25: string; cells: string[] }> = {};
  for (let i = 0; i < 2; i++) {
    const r = rows.nth(i);
    table[(await r.getAttribute('data-arm'))!] = { steps: await r.locator('.steps').innerText(), to25: await r.locator('.steps-to-25').innerText(), cells: await r.locator('td').allInnerTexts() };
  }
  console.log(`[train] relu-tanh table: ${JSON.stringify(table)}`);
  console.log(`[train] headline: ${await frame.locator('#headline').innerText().catch(() => '(none)')}`);
  console.log(`[train] backend: ${(await frame.locator('#backend').innerText()).replace(/\s+/g, ' ')}`);
  assert.deepEqual(Object.keys(table).sort(), ['relu', 'tanh']);
  assert.equal(table.relu!.steps, '200');
  assert.equal(table.tanh!.steps, '200');
  for (const arm of ['relu', 'tanh']) assert.match(table[arm]!.to25, /^\d+$/, `${arm} did not reach 25% training error`);
  // the loss chart, the table and the headline in view
  await frame.locator('#headline').scrollIntoViewIfNeeded();
  await vsc.screenshot('train-relu-tanh-dark');
  await setTheme('Light Modern');
  await vsc.webviewFrame(PANEL);
  await frame.locator('#headline').scrollIntoViewIfNeeded();
  await vsc.page.waitForTimeout(1500);
  await vsc.screenshot('train-relu-tanh-light');
});
