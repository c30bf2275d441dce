// The training step in headless Chromium, as the Train panel runs it (webview/train/runtime.ts in the panel's worker,
// started by trainingWorker.ts): TinyAlexNet (LRN, groups=2, tanh, overlapping max-pooling, BatchNorm, Dropout with
// PyTorch's masks) takes PyTorch's 3 SGD-with-momentum steps on wasm and on WebGPU (SwiftShader), the state kept on
// the GPU between steps; the weights after the last step equal PyTorch's (tools/make-step-fixtures.py) within 1e-3,
// and no node of the step runs on the CPU (the worker's verbose log).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { type Browser } from 'playwright-core';
import type { TrainingStep } from '../../src/core/training';
import { build, floats, manifest } from '../fixtures/training/steps';
import { relativeError } from '../unit/tolerances';
import { ROOT, launchWithWebGpu } from './page';

/** Our step against PyTorch's weights in the browser: float32 on another backend, summed in another order. */
const BROWSER_RELATIVE = 1e-3;

const run = manifest.runs.find((r) => r.optimizer.kind === 'sgd' && r.optimizer.momentum > 0 && !r.optimizer.nesterov)!;
let step: TrainingStep;
let entryJs: string;
let server: Server;
let origin: string;
let browser: Browser;

before(async () => {
  step = build(run);
  const bundled = await esbuild.build({
    entryPoints: [join(ROOT, 'test', 'webview', 'train-entry.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'warning',
  });
  entryJs = bundled.outputFiles[0].text;
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const send = (type: string, body: string | Uint8Array) => { res.writeHead(200, { 'content-type': type }); res.end(body); };
    if (path === '/') return send('text/html', '<!doctype html><html><body><script src="/entry.js"></script></body></html>');
    if (path === '/entry.js') return send('text/javascript', entryJs);
    if (path === '/step.onnx') return send('application/octet-stream', step.onnx);
    if (/^\/dist\/(ort\/[\w.-]+\.(wasm|mjs)|webview\/train-worker\.js)$/.test(path)) return send(path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', readFileSync(join(ROOT, path)));
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchWithWebGpu();
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  server?.close();
});

interface BrowserRun {
  backend: string;
  losses: number[];
  state: Record<string, number[]>;
  /** The page's errors and the worker's console lines (onnxruntime's log with `verbose`). */
  log: string[];
}

async function trainInChromium(backend: 'wasm' | 'webgpu', verbose: boolean): Promise<BrowserRun> {
  const page = await browser.newPage();
  const log: string[] = [];
  // the worker's console comes back through the runtime (result.log), as it would in VS Code
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${origin}/`);
    const initial: Record<string, number[]> = {};
    for (const s of step.state) {
      const r = manifest.initial[s.input];
      if (s.kind === 'optimizer') initial[s.input] = new Array(s.shape.reduce((a, b) => a * b, 1)).fill(0);
      else initial[s.input] = 'int' in r ? [r.int] : Array.from(floats(r));
    }
    const feeds = manifest.steps.slice(0, run.steps.length).map((d, k) => ({
      input: Array.from(floats(d.input)), labels: d.labels, lr: run.optimizer.lr, step: k + 1,
      masks: Object.fromEntries(step.masks.map((m, i) => [m.name, Array.from(floats(d.masks[i].data))])),
    }));
    const { onnx: _bytes, ...meta } = step;
    const result = await page.evaluate(
      (job) => (window as unknown as { runSteps(j: unknown): Promise<BrowserRun> }).runSteps(job),
      { backend, verbose, step: meta, initial, feeds, readBack: true },
    );
    return { ...result, log: [...log, ...result.log] };
  } finally {
    await page.close();
  }
}

/** The nodes a verbose session log says were placed on the CPU ("Node(s) placed on [CPUExecutionProvider]" and the lines under it, or "All nodes placed on [CPUExecutionProvider]"). */
function cpuPlacedNodes(log: string[]): string[] {
  const lines = log.flatMap((l) => l.split('\n')).map((l) => l.replace(/^.*VerifyEachNodeIsAssignedToAnEp\]\s?/, ''));
  const out: string[] = [];
  let inCpu = false;
  for (const l of lines) {
    if (/All nodes placed on \[CPUExecutionProvider\]/.test(l)) out.push(l.trim());
    if (/(Node\(s\)|All nodes) placed on \[/.test(l)) inCpu = /\[CPUExecutionProvider\]/.test(l);
    else if (inCpu && /^\s{2,}\S+ \(.*\)\s*$/.test(l)) out.push(l.trim());
    else if (inCpu && !/^\s/.test(l)) inCpu = false;
  }
  return out;
}

function compareWithPyTorch(result: BrowserRun, what: string): void {
  const last = run.steps[run.steps.length - 1];
  result.losses.forEach((loss, k) => {
    assert.ok(Math.abs(loss - run.steps[k].loss) <= BROWSER_RELATIVE * Math.abs(run.steps[k].loss), `${what}: step ${k + 1} loss ${loss} vs PyTorch's ${run.steps[k].loss}`);
  });
  let compared = 0;
  for (const s of step.state) {
    if (s.kind === 'optimizer') continue;
    const torch = last.state[s.input];
    const ours = result.state[s.input];
    assert.ok(torch && ours, `${what}: '${s.input}' missing`);
    if ('int' in torch) {
      assert.equal(ours[0], torch.int, `${what}: ${s.input}`);
      continue;
    }
    const e = relativeError(ours, floats(torch));
    assert.ok(e <= BROWSER_RELATIVE, `${what}: ${s.input} differs from PyTorch's by ${e.toExponential(2)} (relative)`);
    compared++;
  }
  assert.ok(compared >= 10, `only ${compared} tensors compared`);
}

describe('training in the webview', () => {
  test(`wasm: ${run.name}, PyTorch's weights after ${run.steps.length} steps within ${BROWSER_RELATIVE}`, { timeout: 300_000 }, async () => {
    const result = await trainInChromium('wasm', false);
    assert.equal(result.backend, 'wasm');
    compareWithPyTorch(result, 'wasm');
  });

  test(`WebGPU (SwiftShader): the same steps, state kept on the GPU, PyTorch's weights within ${BROWSER_RELATIVE}; no node runs on the CPU`, { timeout: 300_000 }, async () => {
    const result = await trainInChromium('webgpu', true);
    assert.equal(result.backend, 'webgpu');
    assert.ok(result.log.some((l) => /(Node\(s\)|All nodes) placed on \[WebGpuExecutionProvider\]/.test(l)), 'the verbose log says where the nodes run');
    assert.deepEqual(cpuPlacedNodes(result.log), [], 'nodes placed on the CPU');
    compareWithPyTorch(result, 'webgpu');
  });
});
