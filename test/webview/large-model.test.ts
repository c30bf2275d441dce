// Big models: a generated 300-layer ResNet-like IR and a CIFAR GoogLeNet from the corpus open at the depth that
// fits the panel (blocks as nodes), start at the input, and expand in place (timing: npm run bench, tools/bench/graph.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { analyzeSource } from '../../src/core/model/analyze';
import type { Analysis } from '../../src/core/model/ir';
import { graphInitMessage } from '../../src/vscode/l10nBundle';
import { ROOT, analysisMessage, generatedAnalysis, launch, openGraphPage, postAndTimePaint, type GraphPage } from './page';

let browser: Browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

const nodeCount = (gp: GraphPage) => gp.page.locator('.nodes > .node').count();
/** A node's box on the page and the graph panel's, in CSS pixels. */
const boxes = (gp: GraphPage, selector: string) => gp.page.evaluate((sel) => {
  const r = document.querySelector(sel)!.getBoundingClientRect();
  const p = document.querySelector('#graph')!.getBoundingClientRect();
  return { node: { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }, panel: { left: p.left, right: p.right, top: p.top, bottom: p.bottom } };
}, selector);
const scale = (gp: GraphPage) => gp.page.evaluate(() => (document.querySelector('#graph svg') as unknown as { __zoom: { k: number } }).__zoom.k);

test('a generated 300-layer model opens at its blocks\' depth, renders whole when expanded and stays usable', async () => {
  const gp = await openGraphPage(browser, { width: 1600, height: 1000 });
  try {
    const analysis = generatedAnalysis(300);
    assert.equal(analysis.layers.length, 300);
    await gp.waitForPosted('ready');
    await gp.post(graphInitMessage('en'));
    const timeRender = (msg: unknown): Promise<number> => postAndTimePaint(gp.page, msg);
    const cold = await timeRender(analysisMessage(analysis, 'file:///gen.py'));
    // 300 layers do not fit: the stages fold (the blocks would be 42 nodes and more than 48 with the stem: too many)
    const opened = await nodeCount(gp);
    assert.ok(opened < 20, `${opened} nodes at first`);
    assert.ok(await gp.page.locator('.node.kind-group[data-id="group:layer1"]').count() === 1);
    assert.match((await gp.page.locator('.node[data-id="group:layer1"] .node-join').textContent())!, /^add of 2 paths ×\d+$/);
    await gp.page.click('#expand-all');
    assert.equal(await nodeCount(gp), 302);
    const inPage = Number(await gp.page.getAttribute('#app', 'data-render-ms'));
    const timing = await gp.page.getAttribute('#app', 'data-timing');
    // The same model again (an edit): warm JIT, zoom and folding kept.
    const warm = await timeRender(analysisMessage(analysis, 'file:///gen.py', 2));
    console.log(`300 layers: first render (folded) ${cold.toFixed(0)} ms to paint; expanded: ${timing}, layout+render ${inPage.toFixed(0)} ms; re-render ${warm.toFixed(0)} ms`);
    assert.equal(await nodeCount(gp), 302, 'every node after a re-render');

    // Still usable: nested groups fold, keyboard reaches the end, search finds a deep layer.
    assert.ok((await gp.page.locator('.group').count()) > 40, 'stage and block groups');
    await gp.page.click('#collapse-all');
    assert.ok((await nodeCount(gp)) < 20);
    await gp.page.click('#expand-all');
    await gp.page.focus('#graph');
    await gp.page.keyboard.press('End');
    assert.match((await gp.page.locator('.node.selected').getAttribute('class'))!, /kind-output/);
    await gp.page.fill('#search input', 'layer4.0.conv2');
    assert.equal(await gp.page.locator('.node.match').count(), 1);
    assert.deepEqual(gp.problems, []);
  } finally {
    await gp.close();
  }
});

test('a CIFAR GoogLeNet (nine Inception blocks) opens with each block as one node, the input inside the panel; a block expands to its four branches', async () => {
  const source = readFileSync(join(ROOT, 'test', 'corpus', 'googlenet_cifar.py'), 'utf8');
  const analysis = JSON.parse(JSON.stringify(analyzeSource(source))) as Analysis;
  assert.deepEqual(analysis.output, [1, 10]);
  assert.ok(analysis.layers.length > 200, `${analysis.layers.length} layer calls`);
  const gp = await openGraphPage(browser, { width: 1000, height: 800 });
  try {
    await gp.show(analysis, 'file:///work/googlenet_cifar.py');
    const blocks = ['a3', 'b3', 'a4', 'b4', 'c4', 'd4', 'e4', 'a5', 'b5'];
    const ids = await gp.page.locator('.nodes > .node.kind-group').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')));
    assert.deepEqual(ids, ['group:pre_layers', ...blocks.map((b) => `group:${b}`)]);
    assert.ok((await nodeCount(gp)) <= 20, `${await nodeCount(gp)} nodes at first`);
    // each block: its input and output shapes, parameters and MACs, and the concatenation of its four branches
    const a3 = gp.page.locator('.node[data-id="group:a3"]');
    assert.equal(await a3.locator('.node-shape').textContent(), '[1,192,32,32] → [1,256,32,32]');
    // PyTorch: sum(p.numel() for p in GoogLeNet().a3.parameters()) == 165552
    assert.match((await a3.locator('.node-cost').textContent())!, /^166K params · [\d.]+M MACs$/);
    assert.match((await a3.locator(':scope > title').textContent())!, /165,552/);
    assert.equal(await a3.locator('.node-join').textContent(), 'torch.cat of 4 paths');
    const a4 = gp.page.locator('.node[data-id="group:a4"]');
    assert.equal(await a4.locator('.node-shape').textContent(), '[1,480,16,16] → [1,512,16,16]');
    // the first view starts at the input, inside the panel, at a readable scale
    const k = await scale(gp);
    assert.ok(k >= 0.75, `scale ${k}`);
    const input = await boxes(gp, '.node.kind-input');
    assert.ok(input.node.left >= input.panel.left && input.node.right <= input.panel.right, `input ${JSON.stringify(input)}`);
    assert.ok(input.node.top >= input.panel.top && input.node.bottom <= input.panel.bottom, `input ${JSON.stringify(input)}`);
    await gp.page.screenshot({ path: join(ROOT, 'test-results', 'webview-googlenet-overview.png') });

    // expanding a block in place shows its four branches (still folded) and the cat joining them
    const before = await nodeCount(gp);
    await a3.click();
    await gp.page.waitForSelector('.node[data-id="group:a3/a3.b1"]');
    const branches = await gp.page.locator('.nodes > .node.kind-group').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')).filter((id) => id!.startsWith('group:a3/')));
    assert.deepEqual(branches, ['group:a3/a3.b1', 'group:a3/a3.b2', 'group:a3/a3.b3', 'group:a3/a3.b4']);
    assert.equal(await gp.page.locator('.node[data-path=""] .node-title', { hasText: 'torch.cat' }).count(), 1);
    assert.equal(await nodeCount(gp), before - 1 + 5);
    assert.equal(await gp.page.locator('.group[data-group="a3"]').count(), 1, 'the expanded block is drawn as a box');
    // and a branch expands to its layers (it lies right of the panel, under the table: no pointer reaches it there)
    await gp.page.locator('.node[data-id="group:a3/a3.b2"]').dispatchEvent('click');
    await gp.page.waitForSelector('.node[data-path="a3.b2.3"]');
    await gp.page.screenshot({ path: join(ROOT, 'test-results', 'webview-googlenet-a3.png') });
    // the folding is kept in the panel's state
    await gp.page.waitForFunction(() => (window as unknown as { __state?: { collapsed?: string[] } }).__state?.collapsed?.includes('b3'));
    assert.deepEqual(gp.problems, []);
  } finally {
    await gp.close();
  }
});
