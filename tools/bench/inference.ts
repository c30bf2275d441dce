// Inference of the full-size seed AlexNet (models/alexnet.py, 10 classes): the CLI's path (core/classifier ->
// ONNX -> onnxruntime-node) and the webview's (webview/ui/backend.ts -> onnxruntime-web wasm in headless Chromium)
// against PyTorch on the CPU (/usr/bin/python3 with Debian's torch), same model, weights and input, in one run.
// Weights: the shipped Fashion-MNIST ones when trained, else random ones of the right shapes made by PyTorch.
// onnxruntime-node and PyTorch run with the same number of threads (BENCH_THREADS, default: all CPUs).
// Figures and ratios only; nothing is asserted. BENCH_WEBGPU=1 also times WebGPU on Chromium's adapter (SwiftShader here).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import * as ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { buildOnnx, loadModel } from '../../src/core/classifier';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';
import { median } from './lib/measure';

const root = join(__dirname, '..', '..');
const MODEL = join(root, 'models', 'alexnet.py');
const SHIPPED = join(root, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth');
const PYTHON = '/usr/bin/python3';
const RUNS_1 = 20;
const RUNS_8 = 8;
const THREADS = Number(process.env.BENCH_THREADS) || cpus().length;
const ORT_OPTIONS = { intraOpNumThreads: THREADS, interOpNumThreads: 1 };
const tmp = mkdtempSync(join(tmpdir(), 'bench-inference-'));

const f1 = (v: number) => v.toFixed(1);
const line = (label: string, text: string) => console.log(`${label.padEnd(52)} ${text}`);
const timing = (xs: number[], batch: number) => `median ${f1(median(xs))} ms  min ${f1(Math.min(...xs))} ms  (${f1(median(xs) / batch)} ms/image, ${xs.length} runs)`;

/** A fixed pseudo-random input, batch `n`, as float32 [n, 3, 224, 224]. */
function input(n: number): Float32Array {
  const x = new Float32Array(n * 3 * 224 * 224);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    x[i] = (s / 0x7fffffff) * 2 - 1;
  }
  return x;
}

const PY = String.raw`
import importlib.util, json, resource, sys, time
import torch
mode, model_path, weights, inputs_path, threads = sys.argv[1:6]
spec = importlib.util.spec_from_file_location('alexnet_model', model_path)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
if int(threads) > 0: torch.set_num_threads(int(threads))
if mode == 'random':
    torch.manual_seed(0)
    torch.save(mod.AlexNet(num_classes=10, init_weights=True).state_dict(), weights)
    sys.exit(0)
t0 = time.perf_counter()
sd = torch.load(weights, map_location='cpu')
net = mod.AlexNet(num_classes=10)
net.load_state_dict({k: v.float() for k, v in sd.items()})
net.eval()
load_ms = (time.perf_counter() - t0) * 1000
data = open(inputs_path, 'rb').read()
x8 = torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(8, 3, 224, 224)
x1 = x8[:1].clone()
def timed(x, n):
    out = []
    with torch.no_grad():
        for _ in range(3): net(x)
        for _ in range(n):
            t = time.perf_counter(); net(x); out.append((time.perf_counter() - t) * 1000)
    return out
with torch.no_grad(): logits = net(x1)[0].tolist()
res = {'threads': torch.get_num_threads(), 'load_ms': load_ms, 'b1': timed(x1, ${RUNS_1}), 'b8': timed(x8, ${RUNS_8}),
       'logits': logits, 'maxrss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
print(json.dumps(res))
`;

interface TorchResult { threads: number; load_ms: number; b1: number[]; b8: number[]; logits: number[]; maxrss_mb: number }

function torch(weights: string, inputs: string, threads: number): TorchResult | null {
  const r = spawnSync(PYTHON, ['-c', PY, 'time', MODEL, weights, inputs, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.log(`PyTorch (${threads || 'default'} threads): failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout) as TorchResult;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

/** Peak RSS (VmHWM) of Chromium's renderer processes, in MB. */
function rendererPeakMb(browserPid: number | undefined): number | null {
  if (!browserPid) return null;
  const children = new Map<number, number[]>();
  for (const pid of spawnSync('ls', ['/proc'], { encoding: 'utf8' }).stdout.split('\n').filter((p) => /^\d+$/.test(p)).map(Number)) {
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch { /* gone */ }
  }
  let peak = 0;
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('--type=renderer')) {
          peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${c}/status`, 'utf8'))?.[1] ?? 0) / 1024);
        }
      } catch { /* gone */ }
      walk(c);
    }
  };
  walk(browserPid);
  return peak || null;
}

/** Runs in the page, on webview/ui/backend.ts (bundled as window.bench): session from bytes, warm-up, timed runs. */
const PAGE_BENCH = `async function ({ origin, backend, runs1, runs8 }) {
  const b = window.bench;
  async function get(p) { return new Uint8Array(await (await fetch(p)).arrayBuffer()); }
  async function time(s, x, n, runs) {
    for (let i = 0; i < 2; i++) await b.runModel(s, x, [n, 3, 224, 224]);
    const out = [];
    for (let i = 0; i < runs; i++) out.push((await b.runModel(s, x, [n, 3, 224, 224])).ms);
    return out;
  }
  const x8 = new Float32Array((await get('/x8.bin')).buffer);
  const x1 = x8.slice(0, 3 * 224 * 224);
  b.configureRuntime({ wasm: origin + '/dist/ort/ort-wasm-simd-threaded.wasm', webgpu: origin + '/dist/ort/ort-wasm-simd-threaded.asyncify.wasm' });
  const t0 = performance.now();
  const choice = await b.chooseBackend(backend, true);
  if (choice.backend !== backend) return 'no ' + backend + ': ' + choice.reason + ' ' + (choice.detail || '');
  const s1 = await b.createSession(await get('/b1.onnx'), choice);
  const createMs = performance.now() - t0;
  const logits = Array.from((await b.runModel(s1, x1, [1, 3, 224, 224])).logits);
  const b1 = await time(s1, x1, 1, runs1);
  await s1.release();
  const bytes8 = await get('/b8.onnx');
  const t8 = performance.now();
  const s8 = await b.createSession(bytes8, choice);
  const sessionMs = performance.now() - t8;
  const b8 = await time(s8, x8, 8, runs8);
  await s8.release();
  return { backend: choice.backend, adapter: b.adapterName(choice.adapter), createMs, sessionMs, b1, b8, logits };
}`;

interface WebResult { backend: string; adapter: string; createMs: number; sessionMs: number; b1: number[]; b8: number[]; logits: number[] }

async function webview(models: { b1: Uint8Array; b8: Uint8Array }, x8: Float32Array, backend: 'wasm' | 'webgpu'): Promise<{ result: WebResult | string; peakMb: number | null }> {
  const bundle = await esbuild.build({
    stdin: { contents: `import * as b from './webview/ui/backend'; (window as any).bench = b;`, resolveDir: root, loader: 'ts' },
    bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'error',
  });
  const files: Record<string, { type: string; body: Uint8Array | string }> = {
    '/': { type: 'text/html', body: '<!DOCTYPE html><html><body>bench</body></html>' },
    '/bench.js': { type: 'text/javascript', body: bundle.outputFiles[0].contents },
    '/b1.onnx': { type: 'application/octet-stream', body: models.b1 },
    '/b8.onnx': { type: 'application/octet-stream', body: models.b8 },
    '/x8.bin': { type: 'application/octet-stream', body: new Uint8Array(x8.buffer) },
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const f = files[path];
    if (f) {
      res.writeHead(200, { 'content-type': f.type });
      res.end(f.body);
    } else if (/^\/dist\/ort\/[\w.-]+\.(wasm|mjs)$/.test(path) && existsSync(join(root, path))) {
      res.writeHead(200, { 'content-type': path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
      res.end(readFileSync(join(root, path)));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a server, not launch(): its process id leads to the renderer's peak memory
  const browserServer = await chromium.launchServer({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--no-first-run', '--disable-background-networking', ...(backend === 'webgpu' ? ['--enable-unsafe-webgpu'] : [])],
  });
  const browser = await chromium.connect(browserServer.wsEndpoint());
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.addScriptTag({ url: '/bench.js' });
    const args = { origin, backend, runs1: backend === 'webgpu' ? 5 : RUNS_1, runs8: backend === 'webgpu' ? 2 : RUNS_8 };
    // a string, not a function: tsx's helpers (__name) do not exist in the page
    const result = (await page.evaluate(`(${PAGE_BENCH})(${JSON.stringify(args)})`)) as WebResult | string;
    return { result, peakMb: rendererPeakMb(browserServer.process().pid) };
  } finally {
    await browser.close();
    await browserServer.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  let weights = SHIPPED;
  let which = 'the shipped Fashion-MNIST weights';
  if (!existsSync(SHIPPED)) {
    if (!hasTorch) {
      console.log(`skipped: no ${SHIPPED} and no PyTorch to make random weights of the right shapes (apt-get install -y python3-torch)`);
      return;
    }
    weights = join(tmp, 'random.pth');
    const r = spawnSync(PYTHON, ['-c', PY, 'random', MODEL, weights, '-', '0'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`making random weights failed: ${r.stderr}`);
    which = 'random weights (seed 0; the shipped ones are not trained yet)';
  }
  console.log(`model: models/alexnet.py AlexNet(num_classes=10), ${which}; load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${require('node:os').cpus().length} CPUs`);
  const x8 = input(8);
  const inputsFile = join(tmp, 'x8.bin');
  writeFileSync(inputsFile, new Uint8Array(x8.buffer));
  const x1 = x8.slice(0, 3 * 224 * 224);

  console.log(`\n### CLI path: core/classifier -> ONNX -> onnxruntime-node (CPU, ${THREADS} threads)`);
  const t0 = performance.now();
  const model = { file: 'alexnet.py', text: readFileSync(MODEL, 'utf8') };
  const loaded = loadModel(model, { file: weights, read: () => readCheckpointFile(weights) }, { input: [3, 224, 224] });
  const b1 = buildOnnx(loaded, { batch: 1 });
  const tBuilt = performance.now();
  const s1 = await ort.InferenceSession.create(b1, ORT_OPTIONS);
  const loadMs = performance.now() - t0;
  line('weights load + ONNX build (goal: with session < 1.5 s)', `${f1(tBuilt - t0)} ms`);
  line('  + session creation = load to ready', `${f1(loadMs)} ms (goal < 1500 ms: ${loadMs < 1500 ? 'met' : 'NOT met'})`);
  const timeNode = async (s: ort.InferenceSession, x: Float32Array, n: number, runs: number) => {
    const feeds = { input: new ort.Tensor('float32', x, [n, 3, 224, 224]) };
    for (let i = 0; i < 3; i++) await s.run(feeds);
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await s.run(feeds);
      out.push(performance.now() - t);
    }
    return out;
  };
  const nodeLogits = (await s1.run({ input: new ort.Tensor('float32', x1, [1, 3, 224, 224]) })).logits.data as Float32Array;
  const n1 = await timeNode(s1, x1, 1, RUNS_1);
  line('onnxruntime-node batch 1', timing(n1, 1));
  const s8 = await ort.InferenceSession.create(buildOnnx(loaded, { batch: 8 }), ORT_OPTIONS);
  const n8 = await timeNode(s8, x8, 8, RUNS_8);
  line('onnxruntime-node batch 8', timing(n8, 8));
  line('peak RSS of this node process', `${f1(process.resourceUsage().maxRSS / 1024)} MB`);
  line('ONNX size', `${f1(b1.length / 1048576)} MB`);

  console.log('\n### webview path: onnxruntime-web wasm (1 thread) in headless Chromium');
  const web = await webview({ b1, b8: buildOnnx(loaded, { batch: 8 }) }, x8, 'wasm');
  let wasm: WebResult | null = null;
  if (typeof web.result === 'string') {
    console.log(`wasm: ${web.result}`);
  } else {
    wasm = web.result;
    line('runtime start (fetch + compile wasm) + session', `${f1(wasm.createMs)} ms`);
    line('session creation alone (runtime started)', `${f1(wasm.sessionMs)} ms (batch-8 model)`);
    line('onnxruntime-web wasm batch 1', timing(wasm.b1, 1));
    line('onnxruntime-web wasm batch 8', timing(wasm.b8, 8));
    if (web.peakMb) line('peak RSS of the Chromium renderer', `${f1(web.peakMb)} MB`);
    line('max |logit difference| wasm vs onnxruntime-node', maxDiff(wasm.logits, nodeLogits).toExponential(2));
  }
  if (process.env.BENCH_WEBGPU) {
    const gpu = await webview({ b1, b8: buildOnnx(loaded, { batch: 8 }) }, x8, 'webgpu');
    if (typeof gpu.result === 'string') console.log(`webgpu: ${gpu.result}`);
    else {
      line(`onnxruntime-web WebGPU (${gpu.result.adapter}) batch 1`, timing(gpu.result.b1, 1));
      line(`onnxruntime-web WebGPU (${gpu.result.adapter}) batch 8`, timing(gpu.result.b8, 8));
    }
  }

  console.log('\n### PyTorch (CPU, eval, no_grad)');
  const torchRuns: TorchResult[] = [];
  if (!hasTorch) {
    console.log('skipped: /usr/bin/python3 has no torch (apt-get install -y python3-torch)');
  } else {
    // the same threads as onnxruntime-node, then one thread (the webview's wasm runs on one)
    for (const threads of [THREADS, 1]) {
      if (threads === 1 && torchRuns[0]?.threads === 1) continue;
      const t = torch(weights, inputsFile, threads);
      if (!t) continue;
      torchRuns.push(t);
      const label = `PyTorch ${t.threads} thread${t.threads === 1 ? '' : 's'}`;
      line(`${label}: torch.load + load_state_dict`, `${f1(t.load_ms)} ms`);
      line(`${label} batch 1`, timing(t.b1, 1));
      line(`${label} batch 8`, timing(t.b8, 8));
      line(`${label}: peak RSS of python`, `${f1(t.maxrss_mb)} MB`);
      line(`${label}: max |logit difference| vs onnxruntime-node`, maxDiff(t.logits, nodeLogits).toExponential(2));
    }
  }

  console.log('\n### ratios (> 1: slower than PyTorch)');
  for (const t of torchRuns) {
    const who = `PyTorch ${t.threads} thread${t.threads === 1 ? '' : 's'}`;
    line(`onnxruntime-node vs ${who}, batch 1`, `${(median(n1) / median(t.b1)).toFixed(2)}x`);
    line(`onnxruntime-node vs ${who}, batch 8`, `${(median(n8) / median(t.b8)).toFixed(2)}x`);
    if (wasm) {
      const r1 = median(wasm.b1) / median(t.b1);
      line(`wasm vs ${who}, batch 1 (goal within 2x)`, `${r1.toFixed(2)}x: ${r1 <= 2 ? 'met' : 'NOT met'}`);
      line(`wasm vs ${who}, batch 8`, `${(median(wasm.b8) / median(t.b8)).toFixed(2)}x`);
    }
  }
}

main().then(
  () => rmSync(tmp, { recursive: true, force: true }),
  (e) => {
    rmSync(tmp, { recursive: true, force: true });
    console.error(e);
    process.exitCode = 1;
  },
);
