// The graph webview in headless Chromium: seed model and a generated 300-layer model, from posting the
// analysis to the painted frame, against an empty webview page opened in the same run.
import { analyzeSource } from '../../src/core/model/analyze';
import { graphInitMessage } from '../../src/vscode/l10nBundle';
import { analysisMessage, generatedAnalysis, launch, openGraphPage, postAndTimePaint } from '../../test/webview/page';
import { readFileSync } from 'node:fs';
import { emptyPageMs, median } from './lib/measure';
import { join } from 'node:path';


async function main() {
  const browser = await launch();
  try {
    const runs = 5;
    const e = await emptyPageMs(browser, runs, { width: 1400, height: 900 });
    const seed = analyzeSource(readFileSync(join(__dirname, '..', '..', 'models', 'alexnet.py'), 'utf8'));
    const big = generatedAnalysis(300);
    const measure = async (analysis: typeof seed, label: string, eagerToolkit = false) => {
      const open: number[] = [];
      const paint: number[] = [];
      const inPage: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const gp = await openGraphPage(browser, { width: 1600, height: 1000, eagerToolkit });
        await gp.waitForPosted('ready');
        open.push(performance.now() - t);
        await gp.post(graphInitMessage('en'));
        paint.push(await postAndTimePaint(gp.page, analysisMessage(analysis, 'file:///m.py')));
        // from the page's navigation start to the painted graph (without the browser's new-tab cost)
        inPage.push(await gp.page.evaluate('performance.now()') as number);
        await gp.close();
      }
      const o = median(open), p = median(paint), n = median(inPage);
      console.log(`${label.padEnd(46)} page ready ${o.toFixed(0)} ms + analysis to paint ${p.toFixed(0)} ms = ${(o + p).toFixed(0)} ms; navigation to paint ${n.toFixed(0)} ms (median of ${runs})`);
      return { open: o, paint: p, inPage: n };
    };
    console.log(`${'empty webview page'.padEnd(34)} ${e.toFixed(0)} ms to first paint (median of ${runs})`);
    const s = await measure(seed, `seed AlexNet (${seed.graph.nodes.length} nodes)`);
    const eager = await measure(seed, 'seed, toolkit in the first script (unsplit)', true);
    const b = await measure(big, `generated (${big.graph.nodes.length} nodes)`);
    console.log('\n### ratios');
    console.log(`seed: page + paint ${(s.open + s.paint).toFixed(0)} ms, ${((s.open + s.paint) / e).toFixed(1)}x the empty page (goal < 500 ms: ${s.open + s.paint < 500 ? 'met' : 'NOT met'})`);
    console.log(`split bundle: navigation to paint ${s.inPage.toFixed(0)} ms against ${eager.inPage.toFixed(0)} ms with the toolkit in the first script (${(eager.inPage / s.inPage).toFixed(2)}x)`);
    console.log(`300 layers: layout + render to paint ${b.paint.toFixed(0)} ms (goal < 1 s: ${b.paint < 1000 ? 'met' : 'NOT met'})`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
