// Backwards whose ONNX ops could fall back or differ on onnxruntime-web's WebGPU EP (the padding modes' folds with
// Gather, Slice and Pad; expand/sum/squeeze), run in headless Chromium on SwiftShader's WebGPU: each gradient graph of
// a few test/fixtures/grads cases (tools/make-grad-fixtures.py) gives PyTorch's output and gradients, every node on
// WebGPU. (onnxruntime-web's WebGPU Slice got negative steps wrong here; the reflect fold uses Gather instead.)
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { analyzeSource } from '../../src/core/model/analyze';
import { GRAD_INPUT_NAME, GRAD_OUTPUT_NAME, buildGradientGraph } from '../../src/core/training';
import { relativeError } from '../unit/tolerances';
import { ROOT, launchWithWebGpu } from './page';

/** float32 on another backend, summed in another order (as test/webview/train-runtime.test.ts). */
const BROWSER_RELATIVE = 1e-3;
const CASES = ['pad_reflect_limits', 'pad_reflect_negative', 'pad_replicate', 'pad_circular_limits', 'conv2d_reflect_stride_limits', 'conv2d_circular_groups', 'se_expand_as', 'sum_dims'];

const graphs = new Map<string, Uint8Array>();
let server: Server;
let browser: Browser;
let page: Page;
const log: string[] = [];

before(async () => {
  const bundled = await esbuild.build({
    entryPoints: [join(ROOT, 'test', 'webview', 'graph-entry.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'warning',
  });
  const entryJs = bundled.outputFiles[0].text;
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const send = (type: string, body: string | Uint8Array) => { res.writeHead(200, { 'content-type': type }); res.end(body); };
    if (path === '/') return send('text/html', '<!doctype html><html><body><script src="/entry.js"></script></body></html>');
    if (path === '/entry.js') return send('text/javascript', entryJs);
    const graph = /^\/graph\/(\w+)\.onnx$/.exec(path);
    if (graph && graphs.has(graph[1])) return send('application/octet-stream', graphs.get(graph[1])!);
    if (/^\/dist\/ort\/[\w.-]+\.(wasm|mjs)$/.test(path)) return send(path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', readFileSync(join(ROOT, path)));
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await launchWithWebGpu();
  page = await browser.newPage();
  page.on('console', (m) => log.push(m.text()));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  server?.close();
});

for (const name of CASES) {
  test(`${name}: on WebGPU, every node placed there, PyTorch's output and gradients within ${BROWSER_RELATIVE}`, { timeout: 120_000 }, async () => {
    const f = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'grads', `${name}.json`), 'utf8'));
    const analysis = analyzeSource(f.source, { input: f.input, entry: f.entry, batch: f.batch });
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [key, t] of Object.entries<{ shape: number[]; dtype: string; data: number[] }>(f.state)) if (t.dtype !== 'int64') tensors.set(key, { shape: t.shape, data: Float32Array.from(t.data) });
    const graph = buildGradientGraph(analysis, tensors, { batch: f.batch, dropout: false });
    graphs.set(name, graph.onnx);
    const feeds: Record<string, { data: number[]; dims: number[] }> = {
      input: { data: f.x, dims: [f.batch, ...f.input] },
      [GRAD_OUTPUT_NAME]: { data: f.grad_output, dims: f.output_shape },
    };
    for (const s of graph.state) feeds[s.key] = { data: f.state[s.key].data, dims: f.state[s.key].shape };
    const expected: Record<string, number[]> = { output: f.output, [GRAD_INPUT_NAME]: f.grad_input };
    for (const [key, g] of Object.entries<number[]>(f.grads)) expected[`grad.${key}`] = g;
    const from = log.length;
    const out = await page.evaluate((job) => (window as unknown as { runGraph(j: unknown): Promise<Record<string, number[]>> }).runGraph(job), { url: `/graph/${name}.onnx`, feeds, outputs: Object.keys(expected) });
    const placement = log.slice(from).flatMap((l) => l.split('\n')).filter((l) => /(Node\(s\)|All nodes) placed on \[/.test(l));
    assert.ok(placement.length > 0 && placement.every((l) => /All nodes placed on \[WebGpuExecutionProvider\]/.test(l)), placement.join('\n'));
    for (const [key, values] of Object.entries(expected)) {
      const e = relativeError(Float32Array.from(out[key]), values);
      assert.ok(e <= BROWSER_RELATIVE, `${key}: relative error ${e.toExponential(2)}`);
    }
  });
}
