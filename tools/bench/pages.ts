// The classify and train webviews in headless Chromium: from opening the page to the painted first view (the page
// posts 'ready', the host's 'init' arrives (and for Train the snippet list of the seed model), two animation frames
// later it is on screen), against an empty page opened in the same run. The graph's page is tools/bench/graph.ts. Goal: under 500 ms (issue 8).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { classifyStrings } from '../../src/vscode/classifyStrings';
import { bundleL10n } from '../../src/vscode/l10nBundle';
import { snippetViews } from '../../src/vscode/trainJob';
import { trainStrings } from '../../src/vscode/trainStrings';
import { webviewHtml } from '../../src/vscode/webviewHtml';
import { ROOT, launch, postAndTimePaint } from '../../test/webview/page';
import { emptyPageMs, median } from './lib/measure';

const ORIGIN = 'http://webview.test';
const RUNS = 5;

async function open(browser: Browser, script: 'classify' | 'train'): Promise<{ page: Page; ready: number }> {
  // timed as tools/bench/graph.ts does: from the new page (the tab a webview panel gets) to the page's 'ready'
  const t = performance.now();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.addInitScript(`(() => {
    window.__posted = [];
    window.acquireVsCodeApi = function () {
      return { postMessage: function (m) { window.__posted.push(m && m.type); }, getState: function () { return undefined; }, setState: function () {} };
    };
  })();`);
  const html = webviewHtml({
    cspSource: ORIGIN, nonce: 'dGVzdC1ub25jZS0xMjM0NTY=', lang: 'en', title: script, wasm: true,
    scriptUri: `${ORIGIN}/dist/webview/${script}.js`, styleUri: `${ORIGIN}/media/${script}.css`, loadingText: 'Loading…',
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    try {
      return route.fulfill({ contentType: path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'application/octet-stream', body: readFileSync(join(ROOT, path)) });
    } catch {
      return route.fulfill({ status: 404, body: '' });
    }
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => (window as unknown as { __posted: string[] }).__posted.includes('ready'));
  return { page, ready: performance.now() - t };
}

async function main(): Promise<void> {
  const browser = await launch();
  try {
    const l10n = bundleL10n('en');
    console.log(`${'empty webview page'.padEnd(34)} ${(await emptyPageMs(browser, RUNS)).toFixed(0)} ms to first paint (median of ${RUNS})`);
    const inits = {
      classify: {
        type: 'init', language: 'en', strings: classifyStrings(l10n), settings: { backend: 'wasm', allowFallbackAdapter: false, topK: 5 },
        ortWasmUrl: `${ORIGIN}/dist/ort/ort-wasm-simd-threaded.wasm`, ortWebgpuWasmUrl: `${ORIGIN}/dist/ort/ort-wasm-simd-threaded.asyncify.wasm`,
      },
      train: {
        type: 'init', language: 'en', strings: trainStrings(l10n), backendSetting: 'wasm', allowFallbackAdapter: false,
        ortWasmUrl: `${ORIGIN}/dist/ort/ort-wasm-simd-threaded.wasm`, ortWebgpuWasmUrl: `${ORIGIN}/dist/ort/ort-wasm-simd-threaded.asyncify.wasm`,
        fileName: 'alexnet.py', uri: 'file:///alexnet.py', selected: 'finetune',
      },
    } as const;
    const seed = readFileSync(join(ROOT, 'models', 'alexnet.py'), 'utf8');
    const views = snippetViews({ uri: 'file:///alexnet.py', fileName: 'alexnet.py', text: seed }, false, 10, l10n);
    for (const script of ['classify', 'train'] as const) {
      const ready: number[] = [];
      const paint: number[] = [];
      const bytes = readFileSync(join(ROOT, 'dist', 'webview', `${script}.js`)).length;
      for (let i = 0; i < RUNS; i++) {
        const o = await open(browser, script);
        ready.push(o.ready);
        let p = await postAndTimePaint(o.page, inits[script]);
        if (script === 'train') p += await postAndTimePaint(o.page, { type: 'snippets', snippets: views });
        paint.push(p);
        await o.page.close();
      }
      const r = median(ready), p = median(paint);
      console.log(`${`${script} page (${(bytes / 1024).toFixed(0)} KB script)`.padEnd(34)} page ready ${r.toFixed(0)} ms + init to paint ${p.toFixed(0)} ms = ${(r + p).toFixed(0)} ms${script === 'train' ? ' (init and the snippet list)' : ''} (goal < 500 ms: ${r + p < 500 ? 'met' : 'NOT met'}; median of ${RUNS})`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
