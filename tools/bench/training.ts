// Training of the full-size seed AlexNet (models/alexnet.py, num_classes=10) at 224x224, batch 16, SGD with
// momentum: the CLI's path (core/training: data -> Trainer -> the step graph on onnxruntime-node) against PyTorch on
// the CPU (/usr/bin/python3, Debian's torch: zero_grad, forward, cross_entropy, backward, step), in the same run
// and with the same number of threads (BENCH_THREADS, default: all CPUs). Figures and ratios only.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { floatTensors } from '../../src/core/onnx';
import { buildTrainingStep } from '../../src/core/training/step';
import type { Dataset } from '../../src/core/training/data';
import { initialStateDict } from '../../src/core/training/init';
import { nodeStepRunner } from '../../src/core/training/onnxruntime.node';
import { Rng, STREAMS } from '../../src/core/training/random';
import { Trainer } from '../../src/core/training/trainer';
import type { TrainingStep } from '../../src/core/training/types';
import { type Tensor, toFloat32 } from '../../src/core/weights/tensor';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { median } from './lib/measure';

const root = join(__dirname, '..', '..');
const MODEL = join(root, 'models', 'alexnet.py');
const PYTHON = '/usr/bin/python3';
const THREADS = Number(process.env.BENCH_THREADS) || cpus().length;
const BATCH = 16;
const WARMUP = 2;
const TIMED = 8;
const LR = 0.01;
const MOMENTUM = 0.9;

const line = (label: string, text: string) => console.log(`${label.padEnd(52)} ${text}`);

const PY = String.raw`
import importlib.util, json, sys, time
import torch, torch.nn.functional as F
model_path, threads, batch, warmup, timed, lr, momentum = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
torch.set_num_threads(threads)
spec = importlib.util.spec_from_file_location('alexnet_model', model_path)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
torch.manual_seed(0)
net = mod.AlexNet(num_classes=10); net.train()
opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
x = torch.randn(batch, 3, 224, 224); y = torch.randint(0, 10, (batch,))
ms = []
for i in range(warmup + timed):
    t = time.perf_counter()
    opt.zero_grad(); loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
    if i >= warmup: ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({'threads': torch.get_num_threads(), 'ms': ms}))
`;

async function main(): Promise<void> {
  console.log(`model: models/alexnet.py AlexNet(num_classes=10) at [3, 224, 224], batch ${BATCH}, SGD lr ${LR} momentum ${MOMENTUM}; ` +
    `${THREADS} threads each; load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  const analysis = analyzeSource(readFileSync(MODEL, 'utf8'), { input: [3, 224, 224], entry: 'AlexNet(num_classes=10)', mode: 'train', batch: BATCH });
  if (analysis.error) throw new Error(`models/alexnet.py:${analysis.error.line}: ${analysis.error.message}`);
  const initial = initialStateDict(analysis, new Rng(0, STREAMS.init));
  const t0 = performance.now();
  const options = { optimizer: { kind: 'sgd', lr: LR, momentum: MOMENTUM, dampening: 0, nesterov: false, weightDecay: 0 }, batch: BATCH, dropout: true } as const;
  const step = buildTrainingStep(analysis, floatTensors(initial), { ...options, target: 'cpu' });
  const built = performance.now();
  const runner = await nodeStepRunner(step.onnx, THREADS);
  line('step graph build', `${(built - t0).toFixed(0)} ms (${(step.onnx.length / 1024).toFixed(0)} KB of ONNX: the weights are inputs)`);
  line('  + session creation', `${(performance.now() - built).toFixed(0)} ms`);

  // images already 224x224: the figures are the step's, with the batch assembly the CLI does (no decoding)
  const rng = new Rng(1);
  const images = Array.from({ length: BATCH * 2 }, () => Uint8Array.from({ length: 224 * 224 * 3 }, () => rng.below(256)));
  const data: Dataset = {
    name: 'random images', classes: Array.from({ length: 10 }, (_, i) => String(i)),
    labels: Int32Array.from({ length: images.length }, (_, i) => i % 10),
    pixels: (i) => ({ width: 224, height: 224, channels: 3, data: images[i]! }),
  };
  const ms: number[] = [];
  const trainer = new Trainer({
    step, runStep: runner.run, analysis, initial, data, lr: LR, steps: WARMUP + TIMED, seed: 0, shuffle: true,
    transform: { channels: 3, size: { height: 224, width: 224 }, preset: 'seed', augment: false },
    onProgress: (p) => { if (p.step > WARMUP) ms.push(p.ms); },
  });
  await trainer.run();
  await runner.release();
  const ours = median(ms);
  line(`onnxruntime-node (${THREADS} threads), median of ${TIMED} steps`, `${ours.toFixed(0)} ms/step = ${((BATCH * 1000) / ours).toFixed(1)} images/s`);

  // the Train panel's graph: the WebGPU formulation, which its wasm fallback runs too
  const web = await chromiumWasm(buildTrainingStep(analysis, floatTensors(initial), options), initial, images[0]!);
  if (typeof web === 'string') line('onnxruntime-web wasm in Chromium (1 thread)', web);
  else line(`onnxruntime-web wasm in Chromium (1 thread), median of ${web.length} steps`, `${median(web).toFixed(0)} ms/step = ${((BATCH * 1000) / median(web)).toFixed(1)} images/s`);

  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    console.log('PyTorch: not measured: /usr/bin/python3 has no torch (apt-get install -y python3-torch)');
    return;
  }
  const r = spawnSync(PYTHON, ['-c', PY, MODEL, String(THREADS), String(BATCH), String(WARMUP), String(TIMED), String(LR), String(MOMENTUM)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`PyTorch: failed: ${(r.stderr || '').trim().split('\n').pop()}`);
    return;
  }
  const torch = JSON.parse(r.stdout) as { threads: number; ms: number[] };
  const theirs = median(torch.ms);
  line(`PyTorch CPU (${torch.threads} threads), median of ${TIMED} steps`, `${theirs.toFixed(0)} ms/step = ${((BATCH * 1000) / theirs).toFixed(1)} images/s`);
  line('ratio (> 1: slower than PyTorch)', `${(ours / theirs).toFixed(2)}x`);
  line('images/s: ours against PyTorch\'s (goal >= 1.5x)', `${(theirs / ours).toFixed(2)}x: ${theirs / ours >= 1.5 ? 'met' : 'NOT met'}`);
}

/** The same step in headless Chromium on onnxruntime-web's wasm backend (the Train panel's CPU path), as webview/train/runtime.ts runs it. */
async function chromiumWasm(step: TrainingStep, initial: Map<string, Tensor>, image: Uint8Array): Promise<number[] | string> {
  const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return `not measured: no Chromium at ${chromiumPath}`;
  const bundled = await esbuild.build({ entryPoints: [join(root, 'test', 'webview', 'train-entry.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'warning' });
  const state = new Float32Array(step.state.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0));
  let at = 0;
  for (const s of step.state) {
    const t = initial.get(s.input);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (t) state.set(t.dtype === 'int64' ? Float32Array.from(t.data as BigInt64Array, Number) : toFloat32(t), at);
    at += n;
  }
  const input = new Float32Array(BATCH * 3 * 224 * 224);
  for (let b = 0; b < BATCH; b++) for (let i = 0; i < 224 * 224 * 3; i++) input[b * 224 * 224 * 3 + i] = image[i]! / 127.5 - 1;
  const files: Record<string, [string, string | Uint8Array]> = {
    '/': ['text/html', '<!doctype html><html><body><script src="/entry.js"></script></body></html>'],
    '/entry.js': ['text/javascript', bundled.outputFiles[0]!.text],
    '/step.onnx': ['application/octet-stream', step.onnx],
    '/state.bin': ['application/octet-stream', new Uint8Array(state.buffer)],
    '/input.bin': ['application/octet-stream', new Uint8Array(input.buffer)],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path] ?? (/^\/dist\/(ort\/[\w.-]+\.(wasm|mjs)|webview\/train-worker\.js)$/.test(path) ? [path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', readFileSync(join(root, path))] as [string, Uint8Array] : null);
    if (!file) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': file[0] });
    res.end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--headless', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const { onnx: _bytes, ...meta } = step;
    const masks = (rng: Rng) => Object.fromEntries(step.masks.map((m) => [m.name, Array.from({ length: m.shape.reduce((a, b) => a * b, 1) }, () => (rng.below(2) ? 1 / (1 - m.p) : 0))]));
    const rng = new Rng(2);
    const feeds = Array.from({ length: WARMUP + TIMED }, (_, k) => ({ labels: Array.from({ length: BATCH }, (_, i) => i % 10), lr: LR, step: k + 1, masks: masks(rng) }));
    const result = await page.evaluate(
      (job) => (window as unknown as { runSteps(j: unknown): Promise<{ ms: number[] }> }).runSteps(job),
      { backend: 'wasm', verbose: false, step: meta, stateUrl: '/state.bin', inputUrl: '/input.bin', feeds, readBack: false },
    );
    return result.ms.slice(WARMUP);
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
