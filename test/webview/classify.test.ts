// The classification webview (dist/webview/classify.js) in headless Chromium, served with dist/ort/ over a local HTTP
// server as VS Code serves webview resources: onnxruntime-web on wasm and on WebGPU (SwiftShader) gives PyTorch's
// logits; top-k, activation maps, the table of several images, errors, cancel, backend notices, CSP, zh-cn.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { prepareClassifier, type Classifier } from '../../src/core/classifier';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';
import type { ClassifyFromWebview, ClassifySettings, ClassifyToWebview, ModelInfo, ResultReport } from '../../src/shared/classifyProtocol';
import { classifyStrings } from '../../src/vscode/classifyStrings';
import { bundleL10n } from '../../src/vscode/l10nBundle';
import { modelInfo, prepareImage } from '../../src/vscode/classifyModel';
import { webviewHtml } from '../../src/vscode/webviewHtml';
import { FIXTURE_DIR, readFixtureSpec, readFloats } from '../fixtures/onnx/fixture';
import { ROOT, THEMES, launchWithWebGpu } from './page';

const spec = readFixtureSpec().models.find((m) => m.name === 'alexnet_small')!;
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const shots = join(ROOT, 'test-results');

let classifier: Classifier;
let info: ModelInfo;
let server: Server;
let origin: string;
let browser: Browser;
const assets = new Map<string, { type: string; body: Buffer | Uint8Array }>();
/** Requests the server could not answer (the favicon aside): a missing asset would show up here. */
const notFound: string[] = [];

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

before(async () => {
  classifier = prepareClassifier({
    model: { file: 'alexnet_small.py', text: readFileSync(join(FIXTURE_DIR, 'alexnet_small.py'), 'utf8'), entry: spec.entry },
    weights: { file: 'alexnet_small.pth', read: () => readCheckpointFile(join(FIXTURE_DIR, spec.checkpoint)) },
    labels: { file: 'labels.txt', text: LABELS.join('\n') },
    preset: 'seed',
    activations: true,
  });
  info = modelInfo(classifier, { key: 'small-1', modelFile: 'alexnet_small.py', weightsFile: 'alexnet_small.pth', labelsFile: 'labels.txt', isDefault: false });
  assets.set('/fixture/model.onnx', { type: 'application/octet-stream', body: classifier.onnx });
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const asset = assets.get(path);
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
      res.end(asset.body);
      return;
    }
    if (/^\/(dist\/webview\/classify\.js|media\/classify\.css|dist\/ort\/[\w.-]+\.(wasm|mjs))$/.test(path)) {
      try {
        const body = readFileSync(join(ROOT, path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
        res.end(body);
        return;
      } catch { /* 404 below */ }
    }
    if (path !== '/favicon.ico') notFound.push(path);
    res.writeHead(path === '/favicon.ico' ? 204 : 404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchWithWebGpu();
  mkdirSync(shots, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  server?.close();
});

interface RunPage {
  page: Page;
  problems: string[];
  /** Paths the page requested. */
  requests: string[];
  post(m: ClassifyToWebview | Record<string, unknown>): Promise<void>;
  posted(): Promise<ClassifyFromWebview[]>;
  waitForPosted<T extends ClassifyFromWebview['type']>(type: T, where?: (m: Extract<ClassifyFromWebview, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<ClassifyFromWebview, { type: T }>>;
  /** Sends the model as the host does: its URL (the cached ONNX, here served by the test server) and size. */
  sendModel(model?: ModelInfo, url?: string): Promise<void>;
  sendTensor(runId: number, index: number, name: string, tensor: Float32Array): Promise<void>;
  close(): Promise<void>;
}

async function openRunPage(settings: Partial<ClassifySettings> = {}, o: { language?: 'en' | 'zh-cn'; theme?: keyof typeof THEMES; ortWasmUrl?: string } = {}): Promise<RunPage> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.addInitScript(`(() => {
    window.__posted = [];
    window.__state = undefined;
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
        getState: function () { return window.__state; },
        setState: function (s) { window.__state = s; },
      };
    };
  })();`);
  const strings = classifyStrings(bundleL10n(o.language ?? 'en'));
  const theme = THEMES[o.theme ?? 'dark'];
  const html = webviewHtml({
    cspSource: origin, nonce: 'dGVzdC1ub25jZS0xMjM0NTY=', lang: o.language ?? 'en', title: 'AlexNet', wasm: true,
    scriptUri: `${origin}/dist/webview/classify.js`, styleUri: `${origin}/media/classify.css`, loadingText: strings.loading,
  })
    .replace('<html ', `<html style="${Object.entries(theme.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')}" `)
    .replace('<body>', `<body class="${theme.bodyClass}">`);
  const pagePath = `/page-${Math.random().toString(36).slice(2)}.html`;
  assets.set(pagePath, { type: 'text/html', body: Buffer.from(html) });
  await page.goto(`${origin}${pagePath}`);

  const rp: RunPage = {
    page,
    problems,
    requests,
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>),
    posted: () => page.evaluate(() => (window as unknown as { __posted: ClassifyFromWebview[] }).__posted),
    async waitForPosted(type, where, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await rp.posted()).find((m) => m.type === type && (!where || where(m as never)));
        if (found) return found as never;
        if (Date.now() > deadline) throw new Error(`no '${type}' message from the webview after ${timeoutMs} ms; posted: ${JSON.stringify(await rp.posted()).slice(0, 2000)}; problems: ${problems.join('; ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async sendModel(model = info, url = '/fixture/model.onnx') {
      const size = assets.get(url)?.body.length ?? 0;
      await rp.post({ type: 'model', info: model, url: `${origin}${url}`, size });
    },
    async sendTensor(runId, index, name, tensor) {
      await page.evaluate(({ runId: r, index: i, name: n, data }) => {
        window.postMessage({ type: 'image', runId: r, index: i, name: n, tensor: new Float32Array(data) }, '*');
      }, { runId, index, name, data: Array.from(tensor) });
    },
    close: () => page.close(),
  };
  await rp.waitForPosted('ready', undefined, 10_000);
  await rp.post({
    type: 'init', language: o.language ?? 'en', strings,
    ortWasmUrl: o.ortWasmUrl ?? `${origin}/dist/ort/ort-wasm-simd-threaded.wasm`, ortWebgpuWasmUrl: `${origin}/dist/ort/ort-wasm-simd-threaded.asyncify.wasm`,
    settings: { backend: 'auto', allowFallbackAdapter: false, topK: 5, ...settings },
  });
  return rp;
}

const sampleFile = join(ROOT, spec.images![0].file);
const sampleName = sampleFile.slice(sampleFile.lastIndexOf('/') + 1);
const sampleTensor = () => prepareImage(readFileSync(sampleFile), sampleName, 'seed', 3).tensor!;

function maxRelativeError(got: readonly number[], want: readonly number[]): number {
  const scale = Math.max(...want.map(Math.abs));
  return Math.max(...want.map((v, i) => Math.abs(got[i] - v))) / scale;
}

/** Classifies the fixture input (index 0) and the sample image (index 1) on one page; returns both results. */
async function classifyBoth(rp: RunPage, runId: number): Promise<ResultReport[]> {
  await rp.sendModel();
  await rp.post({ type: 'run', runId, modelKey: info.key, files: [{ name: 'input.bin', path: 'file:///input.bin' }, { name: sampleName, path: `file://${sampleFile}` }] });
  await rp.sendTensor(runId, 0, 'input.bin', readFloats(spec.inputFile));
  await rp.sendTensor(runId, 1, sampleName, sampleTensor());
  await rp.waitForPosted('runDone', (m) => m.runId === runId, 240_000);
  const results = (await rp.posted()).filter((m): m is ResultReport => m.type === 'result' && m.runId === runId).sort((a, b) => a.index - b.index);
  assert.equal(results.length, 2);
  for (const r of results) assert.equal(r.error, undefined, r.error);
  return results;
}

const wasmLogits: number[][] = [];

/** The wasm logits of the two inputs: the wasm test's, or a wasm run of their own when that test did not run (a filtered run). */
async function wasmReference(): Promise<number[][]> {
  if (wasmLogits.length === 2) return wasmLogits;
  const rp = await openRunPage({ backend: 'wasm' });
  try {
    const results = await classifyBoth(rp, 90);
    return results.map((r) => r.logits!);
  } finally {
    await rp.close();
  }
}

describe('classification webview', () => {
  test('wasm: PyTorch\'s logits for the fixture input and a sample image; top-5 bars, backend notice, no CSP violation', { timeout: 120_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' });
    try {
      const results = await classifyBoth(rp, 1);
      assert.ok(maxRelativeError(results[0].logits!, spec.logits) <= 1e-4, `input.bin: ${maxRelativeError(results[0].logits!, spec.logits)}`);
      assert.ok(maxRelativeError(results[1].logits!, spec.images![0].logits) <= 1e-4, `${sampleName}: ${maxRelativeError(results[1].logits!, spec.images![0].logits)}`);
      wasmLogits.push(results[0].logits!, results[1].logits!);
      const best = results[0].logits!.indexOf(Math.max(...results[0].logits!));
      assert.equal(results[0].top![0].label, LABELS[best]);
      assert.equal(results[0].top!.length, 5);
      const backend = await rp.waitForPosted('backend');
      assert.equal(backend.backend, 'wasm');
      assert.equal(backend.reason, 'setting');
      assert.match(await rp.page.locator('#backend').innerText(), /WebAssembly \(CPU, 1 thread\)[\s\S]*alexnetExplorer\.inference\.backend is "wasm"/);
      // two images: a table with a row per file, top-1 and latency
      await rp.page.waitForSelector('#app[data-state="done"]');
      assert.equal(await rp.page.locator('table.results tbody tr[data-status="done"]').count(), 2);
      assert.equal(await rp.page.locator('tr[data-index="0"] .prediction').innerText(), LABELS[best]);
      assert.match(await rp.page.locator('tr[data-index="0"] .latency').innerText(), /^[\d.]+ ms$/);
      assert.match(await rp.page.locator('#info').innerText(), /alexnet_small\.pth[\s\S]*labels\.txt[\s\S]*AlexNet \(alexnet_small\.py\)/);
      assert.deepEqual(rp.problems.filter((p) => /Content.Security.Policy|Refused/i.test(p)), []);
      assert.deepEqual(rp.problems, []);
      assert.deepEqual(notFound, []);
      // only the CPU build's runtime is fetched
      assert.ok(rp.requests.includes('/dist/ort/ort-wasm-simd-threaded.wasm'), rp.requests.join(' '));
      assert.ok(!rp.requests.some((r) => r.includes('asyncify')), rp.requests.join(' '));
    } finally {
      await rp.close();
    }
  });

  test('details: top-5 bars, the input as the network sees it, activation maps per conv layer, click to enlarge, keyboard', { timeout: 120_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' });
    try {
      await rp.sendModel();
      await rp.post({ type: 'run', runId: 7, modelKey: info.key, files: [{ name: sampleName, path: `file://${sampleFile}` }] });
      await rp.sendTensor(7, 0, sampleName, sampleTensor());
      await rp.waitForPosted('runDone');
      // one image: the detail view straight away
      const bars = rp.page.locator('.detail .top-list li');
      assert.equal(await bars.count(), 5);
      const widths = await bars.locator('.bar-fill').evaluateAll((fills) => fills.map((f) => parseFloat((f as HTMLElement).style.width)));
      assert.ok(widths.every((w, i) => i === 0 || w <= widths[i - 1]), `bars sorted: ${widths}`);
      assert.equal(await rp.page.locator('.detail canvas.input-view').count(), 1);
      await rp.page.waitForSelector('.maps .layer');
      const layers = await rp.page.locator('.maps .layer').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-layer')));
      assert.deepEqual(layers, info.maps.map((m) => m.layer));
      assert.ok(layers.length >= 2, `${layers.length} conv layers`);
      const first = info.maps[0];
      assert.equal(await rp.page.locator('.maps .layer').first().locator('.tile').count(), Math.min(first.shape[1], 64));
      assert.match(info.maps[0].title, /Conv2d \+ ReLU$/);
      // the bars use the theme's chart colour
      const fill = await rp.page.locator('.bar-fill').first().evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.equal(fill, 'rgb(55, 148, 255)');
      // enlarge with the keyboard: focus a tile, Enter, arrows move, Escape closes and gives the focus back
      const tile = rp.page.locator('.maps .layer').first().locator('.tile').nth(2);
      await tile.focus();
      await rp.page.keyboard.press('Enter');
      await rp.page.waitForSelector('dialog.enlarge[open]');
      assert.match(await rp.page.locator('dialog .caption').innerText(), /channel 3 of \d+ · min [-\d.]+ · max [-\d.]+/);
      await rp.page.keyboard.press('ArrowRight');
      assert.match(await rp.page.locator('dialog .caption').innerText(), /channel 4 of/);
      await rp.page.screenshot({ path: join(shots, 'run-enlarged.png') });
      await rp.page.keyboard.press('Escape');
      await rp.page.waitForSelector('dialog.enlarge:not([open])', { state: 'attached' });
      assert.equal(await tile.evaluate((t) => t === document.activeElement), true);
      await rp.page.screenshot({ path: join(shots, 'run-detail.png'), fullPage: true });
      assert.deepEqual(rp.problems, []);
    } finally {
      await rp.close();
    }
  });

  test('a model at its own size (the paper\'s AlexNet at 227): the header says the input and how the preset scales, the input drawn at 227×227, PyTorch\'s logits', { timeout: 120_000 }, async () => {
    const paper = readFixtureSpec().models.find((m) => m.name === 'alexnet_2012_small')!;
    const ref = paper.images!.find((x) => x.preset === 'imagenet')!;
    const c = prepareClassifier({
      model: { file: 'alexnet_2012_small.py', text: readFileSync(join(FIXTURE_DIR, 'alexnet_2012_small.py'), 'utf8') },
      weights: { file: paper.checkpoint, read: () => readCheckpointFile(join(FIXTURE_DIR, paper.checkpoint)) },
      labels: null,
      preset: 'imagenet',
    });
    assets.set('/fixture/paper.onnx', { type: 'application/octet-stream', body: c.onnx });
    const paperInfo = modelInfo(c, { key: 'paper-1', modelFile: 'alexnet_2012_small.py', weightsFile: paper.checkpoint, labelsFile: null, isDefault: false });
    const rp = await openRunPage({ backend: 'wasm' });
    try {
      await rp.sendModel(paperInfo, '/fixture/paper.onnx');
      await rp.post({ type: 'run', runId: 9, modelKey: paperInfo.key, files: [{ name: 'rgb.png', path: 'file:///w/rgb.png' }] });
      const body = prepareImage(readFileSync(join(ROOT, ref.file)), 'rgb.png', 'imagenet', 3, c.size);
      await rp.sendTensor(9, 0, 'rgb.png', body.tensor!);
      const result = await rp.waitForPosted('result', (m) => m.runId === 9);
      assert.equal(result.error, undefined, result.error);
      assert.ok(maxRelativeError(result.logits!, ref.logits) <= 1e-4, `relative error ${maxRelativeError(result.logits!, ref.logits)}`);
      const header = await rp.page.locator('.info-items').innerText();
      assert.match(header, /Input: 3×227×227 \(from the file's # input\[\.\.\.\] comment\)/);
      assert.match(header, /Preprocessing: imagenet: the shorter side resized to 259, then the central 227×227 cut out/);
      assert.match(await rp.page.locator('.info-item').last().getAttribute('title') ?? '', /^Resize\(259\), CenterCrop\(227\), ToTensor\(\)/);
      assert.deepEqual(await rp.page.locator('.detail canvas.input-view').evaluate((e) => [(e as HTMLCanvasElement).width, (e as HTMLCanvasElement).height]), [227, 227]);
      assert.deepEqual(rp.problems, []);
    } finally {
      await rp.close();
      assets.delete('/fixture/paper.onnx');
    }
  });

  test('WebP: the browser decodes it, the same preprocessing follows; shown with its size', { timeout: 60_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' });
    try {
      await rp.sendModel();
      await rp.post({ type: 'run', runId: 5, modelKey: info.key, files: [{ name: 'w.webp', path: 'file:///w/w.webp' }] });
      const bytes = readFileSync(join(ROOT, 'test', 'fixtures', 'images', 'inputs', 'webp-lossless-32x24.webp'));
      const body = prepareImage(bytes, 'w.webp', 'seed', 3);
      assert.ok(body.encoded && !body.tensor);
      await rp.page.evaluate(({ data, mime }) => {
        const b = new Uint8Array(data);
        window.postMessage({ type: 'image', runId: 5, index: 0, name: 'w.webp', encoded: b, display: { bytes: b, mime } }, '*');
      }, { data: Array.from(bytes), mime: body.display!.mime });
      const result = await rp.waitForPosted('result', (m) => m.runId === 5);
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.logits?.length, 10);
      assert.match(await rp.page.locator('.detail figcaption').first().innerText(), /w\.webp \(32×24\)/);
      assert.equal(await rp.page.locator('.detail img.photo').evaluate((i) => (i as HTMLImageElement).naturalWidth), 32);
      assert.deepEqual(rp.problems, []);
    } finally {
      await rp.close();
    }
  });

  test('WebGPU on SwiftShader (allowed by the setting) gives the same logits as wasm within 1e-3', { timeout: 300_000 }, async () => {
    const wasm = await wasmReference();
    const rp = await openRunPage({ backend: 'webgpu', allowFallbackAdapter: true });
    try {
      const hasGpu = await rp.page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return Boolean(gpu && (await gpu.requestAdapter()));
      });
      // Chromium runs with --enable-unsafe-webgpu, which gives SwiftShader's adapter even headless: none is a failure here
      assert.ok(hasGpu, 'this Chromium exposes no WebGPU adapter (it runs with --enable-unsafe-webgpu, which gives SwiftShader)');
      const results = await classifyBoth(rp, 2);
      const backend = await rp.waitForPosted('backend');
      assert.equal(backend.backend, 'webgpu', JSON.stringify(backend));
      assert.equal(backend.adapter?.isFallbackAdapter, true);
      assert.match(`${backend.adapter?.vendor} ${backend.adapter?.architecture}`, /swiftshader/i);
      assert.match(await rp.page.locator('#backend').innerText(), /WebGPU \(.*swiftshader.*\)/i);
      assert.ok(rp.requests.includes('/dist/ort/ort-wasm-simd-threaded.asyncify.wasm'), rp.requests.join(' '));
      assert.ok(maxRelativeError(results[0].logits!, spec.logits) <= 1e-3, `webgpu vs PyTorch: ${maxRelativeError(results[0].logits!, spec.logits)}`);
      assert.ok(maxRelativeError(results[1].logits!, spec.images![0].logits) <= 1e-3);
      for (let i = 0; i < 2; i++) {
        const diff = Math.max(...results[i].logits!.map((v, k) => Math.abs(v - wasm[i][k])));
        assert.ok(diff <= 1e-3, `webgpu vs wasm, image ${i}: ${diff}`);
      }
      assert.deepEqual(rp.problems, []);
    } finally {
      await rp.close();
    }
  });

  test('auto refuses a software adapter unless allowed: wasm, and the panel says why', { timeout: 120_000 }, async () => {
    const rp = await openRunPage({ backend: 'auto', allowFallbackAdapter: false });
    try {
      await rp.sendModel();
      const backend = await rp.waitForPosted('backend');
      assert.equal(backend.backend, 'wasm');
      // with --enable-unsafe-webgpu there is an adapter, SwiftShader's; without it, none
      assert.ok(backend.reason === 'fallback-adapter' || backend.reason === 'no-adapter' || backend.reason === 'no-webgpu', String(backend.reason));
      const notice = await rp.page.locator('#backend .notice').innerText();
      if (backend.reason === 'fallback-adapter') assert.match(notice, /software one \(.*swiftshader.*\).*allowFallbackAdapter/i);
    } finally {
      await rp.close();
    }
  });

  test('several files: a row each, an unreadable one names itself, cancel stops the rest; errors never leave a blank panel', { timeout: 120_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' }, { theme: 'light' });
    try {
      await rp.sendModel();
      const files = ['a.png', 'notes.png', 'b.png', 'c.png'].map((name) => ({ name, path: `file:///w/${name}` }));
      await rp.post({ type: 'run', runId: 3, modelKey: info.key, files });
      await rp.sendTensor(3, 0, 'a.png', sampleTensor());
      const bad = prepareImage(new TextEncoder().encode('not an image'), 'notes.png', 'seed', 3);
      await rp.post({ type: 'image', runId: 3, index: 1, ...bad });
      await rp.waitForPosted('result', (m) => m.runId === 3 && m.index === 0);
      // Progress (and its Cancel) appears once the run has taken over a second: wait for it as a user would.
      await rp.page.locator('#cancel').waitFor({ state: 'visible', timeout: 10_000 });
      await rp.page.locator('#cancel').click();
      await rp.waitForPosted('runDone', (m) => m.runId === 3);
      const cancelled = await rp.waitForPosted('cancelRun');
      assert.equal(cancelled.runId, 3);
      assert.equal(await rp.page.locator('tr[data-index="0"]').getAttribute('data-status'), 'done');
      assert.match(await rp.page.locator('tr[data-index="1"] .error-text').innerText(), /^notes\.png: is not an image/);
      assert.equal(await rp.page.locator('tr[data-index="2"]').getAttribute('data-status'), 'cancelled');
      // a row opens its details, and back
      await rp.page.locator('tr[data-index="0"] .link').click();
      await rp.page.waitForSelector('.detail .top-list li');
      await rp.page.locator('.detail .back').click();
      await rp.page.waitForSelector('table.results');
      // a failure from the host: a message with the weights buttons
      await rp.post({ type: 'failure', message: 'models/x.pth: no such file', offerWeights: true });
      assert.match(await rp.page.locator('#failure').innerText(), /models\/x\.pth: no such file/);
      assert.equal(await rp.page.locator('#failure button[data-command]').count(), 2);
      await rp.page.locator('#failure button[data-command="loadWeights"]').click();
      await rp.waitForPosted('command', (m) => m.command === 'loadWeights');
      await rp.page.screenshot({ path: join(shots, 'run-table-light.png'), fullPage: true });
    } finally {
      await rp.close();
    }
  });

  test('zh-cn: the strings the host sends are shown', { timeout: 60_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' }, { language: 'zh-cn' });
    try {
      await rp.sendModel();
      await rp.waitForPosted('backend');
      await rp.page.waitForSelector('#backend .backend-name');
      assert.match(await rp.page.locator('#info').innerText(), /权重/);
      assert.equal(await rp.page.evaluate(() => document.documentElement.lang), 'zh-cn');
    } finally {
      await rp.close();
    }
  });

  test('a runtime that cannot start: the panel says so, naming the weights, and each image gets the error', { timeout: 120_000 }, async () => {
    const rp = await openRunPage({ backend: 'wasm' }, { ortWasmUrl: `${origin}/dist/ort/missing.wasm` });
    try {
      await rp.sendModel();
      await rp.post({ type: 'run', runId: 9, modelKey: info.key, files: [{ name: 'a.png', path: 'file:///w/a.png' }] });
      await rp.sendTensor(9, 0, 'a.png', sampleTensor());
      const result = await rp.waitForPosted('result', (m) => m.runId === 9);
      assert.match(result.error ?? '', /^a\.png: /);
      assert.match(await rp.page.locator('#failure').innerText(), /onnxruntime-web could not load the model made from alexnet_small\.pth: /);
      assert.equal(await rp.page.locator('#app').getAttribute('data-state'), 'done');
    } finally {
      await rp.close();
    }
  });
});
