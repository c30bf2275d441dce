// A generated 300-layer model renders whole and stays usable (its timing is in npm run bench: tools/bench/graph.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { initMessage } from '../../src/vscode/graphStrings';
import { analysisMessage, generatedAnalysis, launch, openGraphPage, postAndTimePaint } from './page';

let browser: Browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

test('a generated 300-layer model renders every node and stays usable', async () => {
  const gp = await openGraphPage(browser, { width: 1600, height: 1000 });
  try {
    const analysis = generatedAnalysis(300);
    assert.equal(analysis.layers.length, 300);
    await gp.waitForPosted('ready');
    await gp.post(initMessage('en'));
    const timeRender = (msg: unknown): Promise<number> => postAndTimePaint(gp.page, msg);
    const cold = await timeRender(analysisMessage(analysis, 'file:///gen.py'));
    assert.equal(await gp.page.locator('.nodes > .node').count(), 302);
    const inPage = Number(await gp.page.getAttribute('#app', 'data-render-ms'));
    const timing = await gp.page.getAttribute('#app', 'data-timing');
    // The same model again (an edit): warm JIT, zoom kept.
    const warm = await timeRender(analysisMessage(analysis, 'file:///gen.py', 2));
    console.log(`300 layers: first render ${cold.toFixed(0)} ms to paint (${timing}; layout+render ${inPage.toFixed(0)} ms), re-render ${warm.toFixed(0)} ms`);
    assert.equal(await gp.page.locator('.nodes > .node').count(), 302, 'every node after a re-render');

    // Still usable: nested groups fold, keyboard reaches the end, search finds a deep layer.
    assert.ok((await gp.page.locator('.group').count()) > 40, 'stage and block groups');
    await gp.page.click('#collapse-all');
    assert.ok((await gp.page.locator('.nodes > .node').count()) < 20);
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
