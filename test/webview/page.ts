// Shared helper of the webview tests: the built dist/webview/graph.js in headless Chromium, inside the real
// HTML template (same CSP), with a fake acquireVsCodeApi that records what the webview posts.
import { analyzeSource } from '../../src/core/model/analyze';
import { describeCall } from '../../src/core/ops/registry';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import type { Analysis, GraphEdge, GraphNode, Shape } from '../../src/core/model/ir';
import type { AnalysisMessage, FromWebview, GraphViewState, ToWebview } from '../../src/shared/protocol';
import { graphInitMessage } from '../../src/vscode/l10nBundle';
import { webviewHtml } from '../../src/vscode/webviewHtml';

export const ROOT = join(__dirname, '..', '..');
const ORIGIN = 'https://webview.test';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Chromium for pages that run onnxruntime-web: SwiftShader's WebGPU adapter (--enable-unsafe-webgpu), headless too. */
export function launchWithWebGpu(): Promise<Browser> {
  const args = [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu'];
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
}

export type Theme = 'dark' | 'light' | 'high-contrast';

/** A few of the variables VS Code sets on a webview's <html>, enough to check theming. */
export const THEMES: Record<Theme, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f', foreground: '#cccccc', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': 'monospace', 'editorWidget-background': '#202020', 'editorWidget-border': '#454545',
      descriptionForeground: '#9d9d9d', focusBorder: '#0078d4', errorForeground: '#f85149',
      'inputValidation-errorBackground': '#5a1d1d', 'inputValidation-errorBorder': '#be1100',
      'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'charts-blue': '#3794ff', 'charts-purple': '#b180d7',
      'charts-orange': '#d18616', 'panel-border': '#2b2b2b', 'editorLineNumber-foreground': '#6e7681',
      'button-background': '#0078d4', 'button-foreground': '#ffffff',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      'editor-background': '#ffffff', foreground: '#3b3b3b', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': 'monospace', 'editorWidget-background': '#f8f8f8', 'editorWidget-border': '#c8c8c8',
      descriptionForeground: '#717171', focusBorder: '#005fb8', errorForeground: '#e51400',
      'inputValidation-errorBackground': '#f2dede', 'inputValidation-errorBorder': '#be1100',
      'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'charts-blue': '#1a85ff', 'charts-purple': '#652d90',
      'charts-orange': '#d18616', 'panel-border': '#e5e5e5', 'editorLineNumber-foreground': '#6e7681',
      'button-background': '#005fb8', 'button-foreground': '#ffffff',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000', foreground: '#ffffff', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
      'editor-font-family': 'monospace', 'editorWidget-background': '#0c141f', contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518', descriptionForeground: '#ffffff', focusBorder: '#f38518', errorForeground: '#f48771',
      'inputValidation-errorBackground': '#000000', 'inputValidation-errorBorder': '#be1100',
      'badge-background': '#000000', 'badge-foreground': '#ffffff', 'charts-blue': '#3794ff', 'charts-purple': '#b180d7',
      'charts-orange': '#d18616', 'editorLineNumber-foreground': '#ffffff',
    },
  },
};

export interface GraphPageOptions {
  language?: string;
  theme?: Theme;
  state?: GraphViewState;
  width?: number;
  height?: number;
  /** Also load the toolkit before the page's script, as the single bundle did before the split (the bench compares). */
  eagerToolkit?: boolean;
}

export interface GraphPage {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** Posts a host message to the webview (as VS Code does: a `message` event on window). */
  post(message: ToWebview): Promise<void>;
  /** Everything the webview has posted to the host. */
  posted(): Promise<FromWebview[]>;
  waitForPosted<T extends FromWebview['type']>(type: T, timeoutMs?: number): Promise<Extract<FromWebview, { type: T }>>;
  /** init + analysis, then waits until the graph is drawn. */
  show(analysis: Analysis, uri?: string): Promise<void>;
  state(): Promise<GraphViewState | undefined>;
  close(): Promise<void>;
}

export async function openGraphPage(browser: Browser, o: GraphPageOptions = {}): Promise<GraphPage> {
  const page = await browser.newPage({ viewport: { width: o.width ?? 1400, height: o.height ?? 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  const language = o.language ?? 'en';
  const init = graphInitMessage(language);
  const theme = THEMES[o.theme ?? 'dark'];
  // A string, not a function: tsx's helpers (__name) do not exist in the page.
  await page.addInitScript(`(() => {
    const state = ${JSON.stringify(o.state ?? null)};
    window.__posted = [];
    window.__state = state === null ? undefined : state;
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
        getState: function () { return window.__state; },
        setState: function (s) { window.__state = s; },
      };
    };
  })();`);
  const html = webviewHtml({
    cspSource: ORIGIN, nonce: 'dGVzdC1ub25jZS0xMjM0NTY=', lang: init.language, title: 'AlexNet',
    scriptUri: `${ORIGIN}/dist/webview/graph.js`, styleUri: `${ORIGIN}/media/graph.css`, loadingText: init.strings.loading,
  })
    // As VS Code does: theme variables on <html>, the theme kind as a class of <body>.
    .replace('<html ', `<html style="${Object.entries(theme.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')}" `)
    .replace('<body>', `<body class="${theme.bodyClass}">`)
    .replace('<script nonce=', o.eagerToolkit ? `<script nonce="dGVzdC1ub25jZS0xMjM0NTY=" src="${ORIGIN}/dist/webview/toolkit.js"></script>\n<script nonce=` : '<script nonce=');
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/' || path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path === '/dist/webview/graph.js' || path === '/dist/webview/toolkit.js' || path === '/media/graph.css') {
      return route.fulfill({ contentType: path.endsWith('.js') ? 'text/javascript' : 'text/css', body: readFileSync(join(ROOT, path)) });
    }
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);

  const gp: GraphPage = {
    page,
    problems,
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>),
    posted: () => page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted),
    async waitForPosted(type, timeoutMs = 5000) {
      const handle = await page.waitForFunction(
        (t) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.find((m) => m.type === t),
        type, { timeout: timeoutMs },
      );
      return (await handle.jsonValue()) as never;
    },
    async show(analysis, uri = 'file:///work/models/alexnet.py') {
      await gp.waitForPosted('ready');
      await gp.post(init);
      await gp.post(analysisMessage(analysis, uri));
      await page.waitForSelector('#app[data-state="rendered"]', { timeout: 10_000 });
    },
    state: () => page.evaluate(() => (window as unknown as { __state: GraphViewState | undefined }).__state),
    close: () => page.close(),
  };
  return gp;
}

/** The analysis the host would send for the seed model or the 2012 paper's (the webview gets the IR as is). */
export function loadFixture(name: 'alexnet' | 'paper-alexnet'): Analysis {
  const file = name === 'alexnet' ? join(ROOT, 'models', 'alexnet.py') : join(ROOT, 'test', 'corpus', 'alexnet_2012_paper.py');
  return JSON.parse(JSON.stringify(analyzeSource(readFileSync(file, 'utf8')))) as Analysis;
}

export function analysisMessage(analysis: Analysis, uri = 'file:///work/models/alexnet.py', version = 1): AnalysisMessage {
  return { type: 'analysis', uri, fileName: uri.slice(uri.lastIndexOf('/') + 1), version, analysis };
}

/** The seed model with features.3 given 64 input channels: PyTorch's error at that layer, nothing after it. */
export function withShapeError(analysis: Analysis): Analysis {
  const a: Analysis = structuredClone(analysis);
  const message = 'Given groups=1, weight of size [128, 64, 5, 5], expected input[1, 48, 27, 27] to have 64 channels, but got 48 channels instead';
  const index = a.graph.nodes.findIndex((n) => n.path === 'features.3');
  const bad = a.graph.nodes[index];
  bad.args = { ...bad.args, in_channels: 64 };
  bad.error = message;
  for (const n of a.graph.nodes.slice(index)) delete n.cost;
  bad.cost = undefined;
  const after = new Set(a.graph.nodes.slice(index).map((n) => n.id));
  for (const e of a.graph.edges) if (after.has(e.from)) e.shape = null;
  a.output = null;
  a.error = { message, line: bad.callRange?.line ?? 12 };
  a.diagnostics = [{ message, severity: 'error', range: bad.callRange!, code: 'shape' }];
  return a;
}

const prod = (s: Shape) => s.reduce((x, y) => x * y, 1);

/** A ResNet-like model of `layers` layer calls: nested groups (stage, block) and residual adds. */
export function generatedAnalysis(layers = 300): Analysis {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let line = 10;
  const add = (op: string, kind: GraphNode['kind'], path: string | null, groups: string[], inputs: string[], out: Shape, params = 0, macs = 0, args: GraphNode['args'] = {}) => {
    const id = `n${nodes.length}`;
    const node: GraphNode = {
      id, op, ...(kind === 'input' || kind === 'output' ? { key: op, title: op, traits: {}, parameters: [] } : describeCall(op, args, kind === 'module' ? 'module' : 'function')), kind, path, args, groups, inputs: [], outputs: [],
      callRange: { line, column: 8, endLine: line, endColumn: 40 },
      cost: { inputShapes: [], outputShape: out, params, macs, activationBytes: prod(out) * 4, formula: [] },
    };
    line += 1;
    for (const from of inputs) {
      const src = nodes.find((n) => n.id === from)!;
      const e: GraphEdge = { id: `e${edges.length}`, from, to: id, shape: src.cost!.outputShape };
      edges.push(e);
      src.outputs.push(e.id);
      node.inputs.push(e.id);
      node.cost!.inputShapes.push(e.shape!);
    }
    nodes.push(node);
    return id;
  };
  const conv = (path: string, groups: string[], from: string, inShape: Shape, cout: number, stride: number) => {
    const hw = Math.floor((inShape[2] + 2 - 3) / stride) + 1;
    const out = [1, cout, hw, hw];
    const params = inShape[1] * cout * 9;
    return { id: add('Conv2d', 'module', path, groups, [from], out, params, params * hw * hw, { in_channels: inShape[1], out_channels: cout, kernel_size: 3, stride, padding: 1, dilation: 1, groups: 1, bias: false }), out };
  };
  let x = add('input', 'input', null, [], [], [1, 3, 224, 224]);
  let shape: Shape = [1, 64, 112, 112];
  x = add('Conv2d', 'module', 'stem.0', ['stem'], [x], shape, 9408, 118013952, { in_channels: 3, out_channels: 64, kernel_size: 7, stride: 2, padding: 3, dilation: 1, groups: 1, bias: false });
  x = add('BatchNorm2d', 'module', 'stem.1', ['stem'], [x], shape, 128, 0, { num_features: 64 });
  x = add('ReLU', 'module', 'stem.2', ['stem'], [x], shape);
  shape = [1, 64, 56, 56];
  x = add('MaxPool2d', 'module', 'stem.3', ['stem'], [x], shape, 0, 0, { kernel_size: 3, stride: 2, padding: 1 });
  let count = 4;
  const widths = [64, 128, 256, 512];
  const blocksPerStage = Math.ceil((layers - count - 3) / 7 / widths.length);
  outer: for (let s = 0; s < widths.length; s++) {
    for (let b = 0; b < blocksPerStage; b++) {
      if (count + 7 > layers - 3) break outer;
      const stage = `layer${s + 1}`, block = `${stage}.${b}`, groups = [stage, block];
      const stride = b === 0 && s > 0 ? 2 : 1;
      const identity = x, inShape = shape;
      let c = conv(`${block}.conv1`, groups, x, shape, widths[s], stride);
      x = add('BatchNorm2d', 'module', `${block}.bn1`, groups, [c.id], c.out, 2 * widths[s], 0, { num_features: widths[s] });
      x = add('ReLU', 'module', `${block}.relu`, groups, [x], c.out);
      c = conv(`${block}.conv2`, groups, x, c.out, widths[s], 1);
      x = add('BatchNorm2d', 'module', `${block}.bn2`, groups, [c.id], c.out, 2 * widths[s], 0, { num_features: widths[s] });
      shape = c.out;
      const residual = prod(inShape) === prod(shape) ? identity : x;
      x = add('add', 'function', null, groups, residual === x ? [x] : [x, identity], shape);
      x = add('ReLU', 'module', `${block}.relu`, groups, [x], shape);
      count += 7;
    }
  }
  while (count < layers - 3) {
    x = add('Dropout', 'module', `extra.${count}`, ['extra'], [x], shape, 0, 0, { p: 0.1 });
    count += 1;
  }
  x = add('AdaptiveAvgPool2d', 'module', 'avgpool', [], [x], [1, shape[1], 1, 1], 0, 0, { output_size: [1, 1] });
  x = add('flatten', 'function', null, [], [x], [1, shape[1]], 0, 0, { start_dim: 1, end_dim: -1 });
  x = add('Linear', 'module', 'fc', [], [x], [1, 1000], shape[1] * 1000 + 1000, shape[1] * 1000, { in_features: shape[1], out_features: 1000, bias: true });
  add('output', 'output', null, [], [x], [1, 1000]);
  const calls = nodes.filter((n) => n.kind !== 'input' && n.kind !== 'output');
  const seen = new Set<string>();
  let totalParams = 0;
  for (const n of calls) {
    if (n.path && seen.has(n.path)) continue;
    if (n.path) seen.add(n.path);
    totalParams += n.cost!.params;
  }
  return {
    entry: 'GeneratedNet', modelClass: 'GeneratedNet', candidates: ['GeneratedNet'], entries: [], input: [1, 3, 224, 224], inputSource: 'default',
    graph: { nodes, edges },
    layers: calls.map((n) => ({ nodeId: n.id, path: n.path, type: n.op, line: n.callRange!.line, outputShape: n.cost!.outputShape, params: n.cost!.params, macs: n.cost!.macs })),
    output: [1, 1000], totalParams, totalMacs: calls.reduce((a, n) => a + n.cost!.macs, 0), diagnostics: [],
  };
}

/**
 * Posts a host message to the page and resolves with the milliseconds until the frame showing its effect has
 * been painted (the listener is added after the app's, so it runs once the app has handled the message).
 */
export function postAndTimePaint(page: Page, message: unknown): Promise<number> {
  const script = `new Promise((resolve) => {
    const t0 = performance.now();
    window.addEventListener('message', function done() {
      window.removeEventListener('message', done);
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
    });
    window.postMessage(${JSON.stringify(message)}, '*');
  })`;
  return page.evaluate(script) as Promise<number>;
}

/**
 * The Train panel's own clock from its next click (the event's timeStamp: when the input reached the page, even if
 * the page was busy and handled it later) to the mutation that puts `#run-view[data-status="cancelled"]` on screen;
 * call before clicking Cancel, read the milliseconds with the returned function once it says cancelled. The test
 * driver's own latency (finding, scrolling to and clicking the button) is not the panel's and is left out.
 */
export async function clickToCancelled(target: Page | Frame): Promise<() => Promise<number>> {
  await target.evaluate(() => {
    const w = window as unknown as { __clicked?: number; __cancelled?: number };
    document.addEventListener('click', (e) => { w.__clicked = e.timeStamp; }, { capture: true, once: true });
    new MutationObserver((_, o) => {
      if (!document.querySelector('#run-view[data-status="cancelled"]')) return;
      w.__cancelled = performance.now();
      o.disconnect();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return () => target.evaluate(() => { const w = window as unknown as { __clicked: number; __cancelled: number }; return w.__cancelled - w.__clicked; });
}
