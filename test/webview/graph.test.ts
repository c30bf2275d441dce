// The graph webview in headless Chromium: rendering, groups, search, keyboard, editor link, export, errors, state.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { analyzeSource } from '../../src/core/model/analyze';
import type { Analysis } from '../../src/core/model/ir';
import type { SaveExportRequest } from '../../src/shared/protocol';
import { analysisMessage, launch, loadFixture, openGraphPage, ROOT, THEMES, withShapeError, type GraphPage } from './page';

const SEED_URI = 'file:///work/models/alexnet.py';
const shots = join(ROOT, 'test-results');

let browser: Browser;
before(async () => {
  browser = await launch();
  mkdirSync(shots, { recursive: true });
});
after(() => browser?.close());

async function seedPage(options: Parameters<typeof openGraphPage>[1] = {}): Promise<GraphPage> {
  const gp = await openGraphPage(browser, options);
  await gp.show(loadFixture('alexnet'), SEED_URI);
  return gp;
}

const texts = (gp: GraphPage, selector: string) => gp.page.locator(selector).allTextContents();
const nodeCount = (gp: GraphPage) => gp.page.locator('.nodes > .node').count();
const node = (gp: GraphPage, path: string) => gp.page.locator(`.node[data-path="${path}"]`);
const transform = (gp: GraphPage) => gp.page.locator('.viewport').getAttribute('transform');
/** The whole graph in view (as the user would press Fit before clicking around). */
const fit = (gp: GraphPage) => gp.page.click('#fit');
/** The zoom and pan of the graph (d3's transform). */
const zoomState = (gp: GraphPage) => gp.page.evaluate(() => {
  const t = (document.querySelector('.graph-svg') as unknown as { __zoom: { k: number; x: number; y: number } }).__zoom;
  return { k: t.k, x: t.x, y: t.y };
});
/** Where a node's card is, relative to the graph panel: fully visible or not. */
const inView = (gp: GraphPage, selector: string) => gp.page.evaluate((sel) => {
  const panel = document.getElementById('graph')!.getBoundingClientRect();
  const r = document.querySelector(sel)!.getBoundingClientRect();
  return r.top >= panel.top - 0.5 && r.bottom <= panel.bottom + 0.5 && r.left >= panel.left - 0.5 && r.right <= panel.right + 0.5;
}, selector);

describe('graph webview', () => {
  test('the seed model renders one node per layer call with shapes, titles and badges', async () => {
    const gp = await seedPage();
    try {
      assert.ok((await nodeCount(gp)) >= 20, 'at least 20 nodes');
      assert.equal(await nodeCount(gp), 23);
      const shapes = await texts(gp, '.node-shape');
      assert.ok(shapes.includes('[1, 48, 55, 55]'), 'conv1 output shape');
      assert.ok(shapes.includes('[1, 1000]'), 'logits shape');
      const edgeLabels = await texts(gp, '.edge-label');
      assert.ok(edgeLabels.includes('[1, 48, 55, 55]') && edgeLabels.includes('[1, 1000]'), 'edges labelled with the tensor shape');
      assert.equal(await node(gp, 'features.0').locator('.node-title').textContent(), 'Conv2d 11x11 s4 p2');
      assert.equal(await node(gp, 'features.2').locator('.node-title').textContent(), 'MaxPool2d 3x3 s2');
      assert.equal(await node(gp, 'classifier.1').locator('.node-title').textContent(), 'Linear 4608→2048');
      assert.match((await node(gp, 'features.0').locator('.node-cost').textContent())!, /17\.5K params · 52\.7M MACs/);
      // flatten is functional: no module path, still a node.
      assert.equal(await gp.page.locator('.node-title', { hasText: 'torch.flatten' }).count(), 1);
      // Notes as badges: overlapping pooling on the 3x3/s2 pools, dropout, ReLU.
      assert.equal(await node(gp, 'features.2').locator('.badge[data-note="overlapping-pool"]').count(), 1);
      assert.equal(await node(gp, 'classifier.0').locator('.badge[data-note="dropout"]').count(), 1);
      assert.equal(await node(gp, 'features.1').locator('.badge[data-note="relu"]').count(), 1);
      // A size glyph per tensor: the input is narrow and tall, conv1's output wider and flatter.
      const glyph = async (p: string) => node(gp, p).locator('.glyph-front').evaluate((r) => ({ w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) }));
      const input = await gp.page.locator('.node.kind-input .glyph-front').evaluate((r) => ({ w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) }));
      const conv1 = await glyph('features.0'), conv5 = await glyph('features.12');
      assert.ok(input.w < conv1.w && input.h > conv1.h && conv1.h > conv5.h, 'funnel: channels grow, spatial size shrinks');
      // Groups drawn as boxes.
      assert.deepEqual(await gp.page.locator('.group').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-group'))), ['features', 'classifier']);
      // The toolkit's components are registered (toolbar, table).
      assert.equal(await gp.page.evaluate(() => !!customElements.get('vscode-button') && !!customElements.get('vscode-data-grid')), true);
      await gp.page.screenshot({ path: join(shots, 'webview-seed-dark.png') });
      assert.deepEqual(gp.problems, [], 'no page errors, console errors or CSP violations');
    } finally {
      await gp.close();
    }
  });

  test('features collapses into one node and expands again', async () => {
    const gp = await seedPage();
    try {
      await fit(gp);
      await gp.page.locator('.group[data-group="features"] .group-label').click();
      await gp.page.waitForSelector('.node[data-id="group:features"]');
      assert.equal(await nodeCount(gp), 23 - 13 + 1);
      const group = gp.page.locator('.node[data-id="group:features"]');
      assert.match((await group.locator('.node-title').textContent())!, /features/);
      assert.equal(await group.locator('.node-shape').textContent(), '[1,3,224,224] → [1,128,6,6]', 'the group shows its input and output shapes');
      assert.match((await group.locator('.node-cost').textContent())!, /946K params/);
      await group.click();
      await gp.page.waitForSelector('.node[data-path="features.3"]');
      assert.equal(await nodeCount(gp), 23);
      // Toolbar: collapse all / expand all.
      await gp.page.click('#collapse-all');
      assert.equal(await nodeCount(gp), 23 - 13 + 1 - 7 + 1);
      await gp.page.click('#expand-all');
      assert.equal(await nodeCount(gp), 23);
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('search highlights matches, counts them and jumps with Enter', async () => {
    const gp = await seedPage();
    try {
      await gp.page.fill('#search input', 'conv');
      assert.equal(await gp.page.locator('.node.match').count(), 5);
      assert.equal(await gp.page.locator('.search-count').textContent(), '1 of 5');
      assert.ok((await gp.page.locator('.node.dimmed').count()) > 10);
      assert.equal(await node(gp, 'features.0').getAttribute('class').then((c) => c!.includes('selected')), true);
      await gp.page.press('#search input', 'Enter');
      assert.equal(await gp.page.locator('.search-count').textContent(), '2 of 5');
      assert.match((await node(gp, 'features.3').getAttribute('class'))!, /selected/);
      await gp.page.fill('#search input', 'features.10');
      assert.equal(await gp.page.locator('.node.match').count(), 1);
      await gp.page.fill('#search input', 'no such layer');
      assert.equal(await gp.page.locator('.search-count').textContent(), 'No match');
      await gp.page.press('#search input', 'Escape');
      assert.equal(await gp.page.locator('.node.dimmed').count(), 0);
    } finally {
      await gp.close();
    }
  });

  test('the first view is readable: width fitted at 100 % at most, the input at the top; Fit shows everything', async () => {
    // A panel beside the editor: narrow and much shorter than the graph.
    const gp = await seedPage({ width: 520, height: 850 });
    try {
      const first = await zoomState(gp);
      assert.equal(first.k, 1, 'the graph fits the panel\'s width at 100 %');
      assert.equal(await inView(gp, '.node.kind-input'), true, 'the input is in view');
      assert.equal(await inView(gp, '.node.kind-output'), false, 'the rest is below, to scroll to');
      const title = await node(gp, 'features.0').locator('.node-title').evaluate((t) => t.getBoundingClientRect().height);
      assert.ok(title >= 12, `titles at their size (${title} px)`);
      const graphBox = (await gp.page.locator('.viewport').boundingBox())!;
      assert.ok(Math.abs(graphBox.x + graphBox.width / 2 - 260) < 40, 'centred horizontally');

      // The wheel scrolls, down to the graph's end and no further; Ctrl+wheel zooms.
      await gp.page.mouse.move(260, 500);
      await gp.page.mouse.wheel(0, 300);
      await gp.page.waitForFunction((y) => (document.querySelector('.graph-svg') as unknown as { __zoom: { y: number } }).__zoom.y < y, first.y);
      assert.deepEqual(await zoomState(gp), { ...first, y: first.y - 300 });
      await gp.page.mouse.wheel(0, 100_000);
      await gp.page.waitForFunction(() => {
        const panel = document.getElementById('graph')!.getBoundingClientRect();
        return Math.abs(document.querySelector('.viewport')!.getBoundingClientRect().bottom - panel.bottom) < 30;
      });
      assert.equal(await inView(gp, '.node.kind-output'), true, 'scrolled to the output');
      assert.equal((await zoomState(gp)).k, 1);
      await gp.page.keyboard.down('Control');
      await gp.page.mouse.wheel(0, 200);
      await gp.page.keyboard.up('Control');
      await gp.page.waitForFunction(() => (document.querySelector('.graph-svg') as unknown as { __zoom: { k: number } }).__zoom.k < 1);

      await fit(gp);
      assert.equal(await inView(gp, '.node.kind-input'), true);
      assert.equal(await inView(gp, '.node.kind-output'), true, 'Fit: everything in view');
      assert.ok((await zoomState(gp)).k < 0.75);
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('a very narrow panel starts at the readable scale; the first view follows resizes until the user moves it', async () => {
    const gp = await seedPage({ width: 520, height: 850 });
    try {
      // The editor layout settles after the webview opened: the automatic view follows.
      await gp.page.setViewportSize({ width: 200, height: 700 });
      await gp.page.waitForFunction(() => (document.querySelector('.graph-svg') as unknown as { __zoom: { k: number } }).__zoom.k < 1);
      const narrow = await zoomState(gp);
      assert.equal(narrow.k, 0.75, 'never below the readable scale');
      assert.equal(narrow.x, 0, 'the left edge in view');
      assert.equal(await inView(gp, '.node.kind-input .node-title'), true);
      // Once the user has scrolled, a resize leaves the view alone.
      await gp.page.mouse.move(100, 400);
      await gp.page.mouse.wheel(0, 200);
      await gp.page.waitForFunction((y) => (document.querySelector('.graph-svg') as unknown as { __zoom: { y: number } }).__zoom.y < y, narrow.y);
      const scrolled = await zoomState(gp);
      await gp.page.setViewportSize({ width: 520, height: 850 });
      await gp.page.waitForTimeout(100);
      assert.deepEqual(await zoomState(gp), scrolled);
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('keyboard: arrows move between nodes, Enter reveals the code', async () => {
    const gp = await seedPage();
    try {
      await gp.page.focus('#graph');
      await gp.page.keyboard.press('ArrowDown');
      assert.match((await gp.page.locator('.node.selected').getAttribute('class'))!, /kind-input/);
      await gp.page.keyboard.press('ArrowDown');
      await gp.page.keyboard.press('ArrowDown');
      await gp.page.keyboard.press('ArrowDown');
      await gp.page.keyboard.press('ArrowDown');
      assert.equal(await gp.page.locator('.node.selected').getAttribute('data-path'), 'features.3');
      await gp.page.keyboard.press('ArrowUp');
      assert.equal(await gp.page.locator('.node.selected').getAttribute('data-path'), 'features.2');
      await gp.page.keyboard.press('ArrowDown');
      await gp.page.keyboard.press('Enter');
      const reveal = await gp.waitForPosted('reveal');
      assert.equal(reveal.nodeId, (await loadFixture('alexnet').graph.nodes.find((n) => n.path === 'features.3'))!.id);
      assert.equal(reveal.range.line, 12, 'the line of nn.Conv2d(48, 128, ...)');
      // aria-activedescendant follows the selection.
      assert.match((await gp.page.locator('#graph').getAttribute('aria-activedescendant'))!, /^node-/);
      await gp.page.keyboard.press('End');
      assert.match((await gp.page.locator('.node.selected').getAttribute('class'))!, /kind-output/);
      // The graph is taller than the panel: the selection is scrolled into view, without zooming.
      assert.equal(await inView(gp, '.node.selected'), true, 'the output node scrolled into view');
      const { k } = await zoomState(gp);
      await gp.page.keyboard.press('Home');
      assert.equal(await inView(gp, '.node.kind-input'), true, 'back at the top');
      for (let i = 0; i < 12; i++) await gp.page.keyboard.press('ArrowDown');
      assert.equal(await inView(gp, '.node.selected'), true, 'each step stays in view');
      assert.equal((await zoomState(gp)).k, k, 'scrolled, not zoomed');
    } finally {
      await gp.close();
    }
  });

  test('click on a node reveals its line; the editor cursor highlights the node', async () => {
    const gp = await seedPage();
    try {
      await fit(gp);
      await node(gp, 'classifier.4').click();
      const reveal = await gp.waitForPosted('reveal');
      assert.equal(reveal.range.line, 28);
      assert.equal(reveal.range.column, 12);
      await gp.post({ type: 'cursor', uri: SEED_URI, line: 15 });
      // The message is handled on the page's next task: wait for its effect, not for the post.
      await gp.page.waitForSelector('.node.selected[data-path="features.6"]', { timeout: 5000 });
      assert.equal(await gp.page.locator('.edge.active').count(), 2, 'its edges are highlighted');
      // The flatten call in forward().
      await gp.post({ type: 'cursor', uri: SEED_URI, line: 37 });
      await gp.page.waitForFunction(() => document.querySelector('.node.selected .node-title')?.textContent === 'torch.flatten', undefined, { timeout: 5000 });
      // Another file's cursor is ignored.
      await gp.post({ type: 'cursor', uri: 'file:///other.py', line: 12 });
      await gp.page.evaluate(() => new Promise((r) => setTimeout(r, 100))); // give the message time to (not) act
      assert.equal(await gp.page.locator('.node.selected .node-title').textContent(), 'torch.flatten');
    } finally {
      await gp.close();
    }
  });

  test('export: SVG text with the nodes and resolved colours, PNG bytes, both saved via the host', async () => {
    const gp = await seedPage();
    try {
      await gp.page.click('#export');
      const svg = (await gp.waitForPosted('saveExport')) as SaveExportRequest;
      assert.equal(svg.format, 'svg');
      assert.equal(svg.encoding, 'utf8');
      assert.equal(svg.suggestedName, 'alexnet.svg');
      assert.match(svg.data, /^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      for (const text of ['Conv2d 11x11 s4 p2', 'features.0', 'classifier.6', '[1, 48, 55, 55]', '[1, 1000]']) assert.ok(svg.data.includes(text), text);
      assert.ok(!svg.data.includes('var(--vscode'), 'theme variables resolved');
      assert.equal((svg.data.match(/data-id="n\d+"/g) ?? []).length, 23);
      await gp.post({ type: 'saveResult', inReplyTo: svg.requestId, outcome: 'saved', path: '/tmp/alexnet.svg' });
      await gp.page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Saved /tmp/alexnet.svg');

      await gp.page.click('#export-format');
      await gp.page.click('vscode-option[value="png"]');
      await gp.page.click('#export');
      await gp.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string; format?: string }> }).__posted.some((m) => m.type === 'saveExport' && m.format === 'png'));
      const png = (await gp.posted()).filter((m): m is SaveExportRequest => m.type === 'saveExport').at(-1)!;
      assert.equal(png.encoding, 'base64');
      const bytes = Buffer.from(png.data, 'base64');
      assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok(bytes.length > 20_000, `a real image (${bytes.length} bytes)`);
      await gp.post({ type: 'saveResult', inReplyTo: png.requestId, outcome: 'cancelled' });
      await gp.page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Export cancelled');
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('a shape error shows on the offending node in red with PyTorch\'s message', async () => {
    const gp = await openGraphPage(browser);
    try {
      const broken = withShapeError(loadFixture('alexnet'));
      await gp.show(broken, SEED_URI);
      const bad = node(gp, 'features.3');
      assert.match((await bad.getAttribute('class'))!, /\berror\b/);
      const stroke = await bad.locator('.card-box').evaluate((r) => getComputedStyle(r).stroke);
      assert.equal(stroke, 'rgb(248, 81, 73)', 'the theme\'s errorForeground');
      const message = (await bad.locator('.node-error').textContent())!;
      assert.match(message, /expected input\[1, 48, 27, 27\] to have 64 channels, but got 48 channels instead/);
      assert.equal(await gp.page.locator('.node.error').count(), 1);
      const banner = gp.page.locator('.banner');
      assert.equal(await banner.isVisible(), true);
      assert.match((await banner.textContent())!, /^Line \d+: Given groups=1, weight of size \[128, 64, 5, 5\]/);
      // Layers after the error have no shape.
      assert.equal(await node(gp, 'classifier.6').locator('.node-shape').textContent(), '?');
      await gp.page.screenshot({ path: join(shots, 'webview-error-dark.png') });
      // Fixing the code clears it.
      await gp.post(analysisMessage(loadFixture('alexnet'), SEED_URI, 2));
      await gp.page.waitForFunction(() => document.querySelectorAll('.node.error').length === 0);
      assert.equal(await banner.isVisible(), false);
    } finally {
      await gp.close();
    }
  });

  test('other errors (a syntax error while typing) show in the banner, which reveals their line', async () => {
    const gp = await openGraphPage(browser, { width: 800 });
    try {
      const a = loadFixture('alexnet');
      const range = { line: 25, column: 36, endLine: 25, endColumn: 37 };
      await gp.show({ ...a, diagnostics: [{ message: 'SyntaxError: invalid syntax', severity: 'error', range, code: 'syntax' }] }, SEED_URI);
      const banner = gp.page.locator('.banner');
      assert.equal(await banner.textContent(), 'Line 25: SyntaxError: invalid syntax');
      await banner.click();
      const reveal = await gp.waitForPosted('reveal');
      assert.deepEqual(reveal, { type: 'reveal', nodeId: null, range });
      // A narrow panel starts with the table folded; the toolbar button unfolds it.
      assert.equal(await gp.page.locator('.side').isVisible(), false);
      await gp.page.click('#toggle-table');
      await gp.page.waitForSelector('.layer-table vscode-data-grid-row[data-row-id]');
    } finally {
      await gp.close();
    }
  });

  test('the 2012 paper model: two towers side by side for groups=2, LRN and notes on click', async () => {
    const gp = await openGraphPage(browser);
    try {
      await gp.show(loadFixture('paper-alexnet'), 'file:///work/test/corpus/alexnet_2012_paper.py');
      await fit(gp);
      const conv2 = node(gp, 'conv2');
      assert.equal(await conv2.locator('.card').count(), 2, 'two tower cards');
      assert.deepEqual(await conv2.locator('.node-shape').allTextContents(), ['[1, 128, 27, 27]', '[1, 128, 27, 27]']);
      const [a, b] = await conv2.locator('.card-box').evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().toJSON() as DOMRect));
      assert.ok(Math.abs(a.y - b.y) < 1 && b.x > a.x + a.width, 'side by side');
      assert.equal(await node(gp, 'conv3').locator('.card').count(), 1, 'conv3 talks across GPUs');
      assert.equal(await node(gp, 'conv4').locator('.card').count(), 2);
      assert.equal(await node(gp, 'norm2').locator('.card').count(), 2, 'per-GPU ops stay in their tower');
      const pathsPerEdge = await gp.page.locator('.edge').evaluateAll((es) => es.map((e) => e.querySelectorAll('.edge-path').length));
      assert.ok(pathsPerEdge.filter((n) => n === 2).length >= 8, 'parallel edges into, between and out of the towers');
      assert.equal(await node(gp, 'conv2').locator('.badge[data-note="two-gpu"]').count(), 2);
      await node(gp, 'norm1').locator('.badge[data-note="lrn"]').click();
      const pop = gp.page.locator('.popover');
      assert.equal(await pop.isVisible(), true);
      assert.match((await pop.textContent())!, /Local response normalization.*lateral inhibition.*§3\.3/s);
      await gp.page.keyboard.press('Escape');
      assert.equal(await pop.isVisible(), false);
      assert.equal((await gp.posted()).filter((m) => m.type === 'reveal').length, 0, 'a badge click does not move the editor');
      await gp.page.screenshot({ path: join(shots, 'webview-paper-dark.png') });
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('Simplified Chinese: strings from the host, notes from the data file', async () => {
    const gp = await openGraphPage(browser, { language: 'zh-cn', theme: 'light' });
    try {
      await gp.show(loadFixture('alexnet'), SEED_URI);
      assert.equal(await gp.page.locator('#fit').textContent(), '适应');
      assert.equal(await gp.page.getAttribute('html', 'lang'), 'zh-cn');
      assert.equal(await node(gp, 'features.2').locator('.badge-text').first().textContent(), '重叠池化');
      await fit(gp);
      assert.match((await node(gp, 'features.0').locator('.node-cost').textContent())!, /参数/);
      await gp.page.waitForSelector('.side dl');
      assert.match((await gp.page.locator('.side').textContent())!, /总参数量/);
      await node(gp, 'classifier.0').locator('.badge').first().click();
      assert.match((await gp.page.locator('.popover').textContent())!, /过拟合/);
      await gp.page.keyboard.press('Escape');
      await gp.page.screenshot({ path: join(shots, 'webview-seed-light-zh.png') });
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('the table: totals, sortable columns, row click selects and reveals', async () => {
    const gp = await seedPage();
    try {
      await gp.page.waitForSelector('.layer-table vscode-data-grid-row[data-row-id]');
      const rows = gp.page.locator('.layer-table vscode-data-grid-row[data-row-id]');
      assert.equal(await rows.count(), 21);
      const totals = (await gp.page.locator('.totals').textContent())!;
      assert.match(totals, /16,630,440/);
      assert.match(totals, /311,191,824/);
      assert.match(totals, /66\.52 MB/, 'fp32 weights');
      assert.match(totals, /33\.26 MB/, 'fp16 weights');
      const header = (key: string) => gp.page.locator(`.layer-table [data-sort-key="${key}"]`);
      await header('params').click();
      assert.match((await rows.first().textContent())!, /classifier\.1/, 'largest first');
      await header('params').click();
      assert.match((await header('params').textContent())!, /▲/);
      await header('index').click();
      assert.match((await rows.first().textContent())!, /features\.0/);
      await rows.nth(3).click();
      assert.equal(await gp.page.locator('.node.selected').getAttribute('data-path'), 'features.3');
      assert.equal((await gp.waitForPosted('reveal')).range.line, 12);
      await gp.page.click('#toggle-table');
      assert.equal(await gp.page.locator('.side').isVisible(), false);
    } finally {
      await gp.close();
    }
  });

  test('edits re-render live keeping zoom, pan, groups and selection; state is saved and restored', async () => {
    const gp = await seedPage();
    try {
      await fit(gp);
      await gp.page.click('.group[data-group="classifier"] .group-label');
      await node(gp, 'features.3').click();
      await gp.page.click('#zoom-in');
      const before = await transform(gp);
      // The user changes conv2's kernel to 3: a new analysis of the same file.
      const source = readFileSync(join(ROOT, 'models', 'alexnet.py'), 'utf8').split('\n');
      source[11] = source[11].replace('kernel_size=5, padding=2', 'kernel_size=3, padding=1');
      const edited: Analysis = JSON.parse(JSON.stringify(analyzeSource(source.join('\n'))));
      const conv = edited.graph.nodes.find((n) => n.path === 'features.3')!;
      assert.deepEqual(conv.args.kernel_size, 3);
      await gp.post(analysisMessage(edited, SEED_URI, 2));
      await gp.page.waitForFunction(() => document.querySelector('.node[data-path="features.3"] .node-title')?.textContent === 'Conv2d 3x3 p1');
      assert.equal(await transform(gp), before, 'zoom and pan kept');
      assert.equal(await gp.page.locator('.node[data-id="group:classifier"]').count(), 1, 'collapsed group kept');
      assert.equal(await gp.page.locator('.node.selected').getAttribute('data-path'), 'features.3', 'selection kept');
      await gp.page.waitForFunction((id) => (window as unknown as { __state?: { selected?: string } }).__state?.selected === id, conv.id);
      const state = (await gp.state())!;
      assert.equal(state.uri, SEED_URI);
      assert.equal(state.selected, conv.id);
      assert.ok(state.zoom && state.zoom.k > 0);

      // After a window reload the webview starts with that state.
      const restored = await openGraphPage(browser, { state });
      try {
        await restored.show(loadFixture('alexnet'), SEED_URI);
        const t = await transform(restored);
        assert.match(t!, new RegExp(`scale\\(${state.zoom!.k}`));
        assert.equal(await restored.page.locator('.node.selected').getAttribute('data-path'), 'features.3');
      } finally {
        await restored.close();
      }
    } finally {
      await gp.close();
    }
  });

  test('never a blank panel: analysis failures, models without a network, render errors', async () => {
    const gp = await openGraphPage(browser);
    try {
      await gp.waitForPosted('ready');
      const init = (await import('../../src/vscode/l10nBundle')).graphInitMessage('en');
      await gp.post(init);
      await gp.post({ type: 'analysisFailed', uri: SEED_URI, fileName: 'alexnet.py', message: 'internal error' });
      await gp.page.waitForSelector('.placeholder:not([hidden])');
      assert.match((await gp.page.locator('.graph .placeholder').textContent())!, /Could not analyse alexnet\.py: internal error/);

      const empty: Analysis = { ...loadFixture('alexnet'), entry: null, candidates: [], graph: { nodes: [], edges: [] }, layers: [], output: null, totalParams: 0, totalMacs: 0 };
      await gp.post(analysisMessage(empty, 'file:///work/empty.py'));
      await gp.page.waitForFunction(() => /No nn\.Module/.test(document.querySelector('.graph .placeholder')?.textContent ?? ''));

      // A malformed IR: the error is shown and reported to the host, not thrown away.
      await gp.post(analysisMessage({ ...empty, graph: null } as unknown as Analysis, 'file:///work/bad.py'));
      const error = await gp.waitForPosted('error');
      assert.equal(error.source, 'render');
      assert.match((await gp.page.locator('.graph .placeholder').textContent())!, /The graph could not be drawn/);
      assert.equal(await gp.page.locator('#app').getAttribute('data-state'), 'render-error');
    } finally {
      await gp.close();
    }
  });

  test('a theme change (VS Code swaps the variables and the body class) applies at once, exports included', async () => {
    const gp = await seedPage();
    try {
      const cardFill = () => node(gp, 'features.0').locator('.card-box').evaluate((r) => getComputedStyle(r).fill);
      assert.equal(await cardFill(), 'rgb(32, 32, 32)');
      await gp.page.evaluate((light) => {
        for (const [k, v] of Object.entries(light.vars)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
        document.body.className = light.bodyClass;
      }, THEMES.light);
      assert.equal(await cardFill(), 'rgb(248, 248, 248)');
      assert.equal(await gp.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
      await gp.page.click('#export');
      const svg = (await gp.waitForPosted('saveExport')) as SaveExportRequest;
      assert.match(svg.data, /<rect width="100%" height="100%" fill="rgb\(255, 255, 255\)"/, 'a light background');
      assert.ok(svg.data.includes('fill: rgb(248, 248, 248)'), 'light cards');
      assert.ok(!svg.data.includes('fill: rgb(32, 32, 32)'), 'nothing left of the dark theme');
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });

  test('high-contrast theme uses the contrast border colours', async () => {
    const gp = await seedPage({ theme: 'high-contrast' });
    try {
      const stroke = await node(gp, 'features.0').locator('.card-box').evaluate((r) => getComputedStyle(r).stroke);
      assert.equal(stroke, 'rgb(111, 195, 223)');
      assert.deepEqual(gp.problems, []);
    } finally {
      await gp.close();
    }
  });
});
