// A page for test/webview/train-runtime.test.ts and the training bench: the Train panel's runtime as the panel starts
// it (webview/train/trainingWorker.ts: the steps in its worker, dist/webview/train-worker.js, started from a Blob URL
// with the wasm binary fetched by the page) on a backend, driven from Node; with `verbose`, onnxruntime-web logs
// where each node of the step runs (the worker's console lines come back in `log`). Large tensors come by URL
// (`stateUrl`: every state tensor in step.state order as float32; `inputUrl`: one batch reused).
import { TrainingWorker } from '../../webview/train/trainingWorker';
import type { StepFeeds } from '../../webview/train/session';
import type { TrainingStep } from '../../src/core/training/types';

interface Job {
  backend: 'wasm' | 'webgpu';
  verbose: boolean;
  step: Omit<TrainingStep, 'onnx'>;
  initial?: Record<string, number[]>;
  stateUrl?: string;
  inputUrl?: string;
  feeds: Array<{ input?: number[]; labels: number[]; lr: number; step: number; masks: Record<string, number[]> }>;
  /** Read the state back at the end (the test compares it; the bench does not need it). */
  readBack: boolean;
}

async function floatsAt(url: string): Promise<Float32Array> {
  return new Float32Array(await (await fetch(url)).arrayBuffer());
}

async function initialState(job: Job, int64: Set<string>): Promise<Map<string, Float32Array | BigInt64Array>> {
  if (job.initial) {
    return new Map(Object.entries(job.initial).map(([k, v]) => [k, int64.has(k) ? BigInt64Array.from(v.map(BigInt)) : Float32Array.from(v)] as const));
  }
  const all = await floatsAt(job.stateUrl!);
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const s of job.step.state) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    out.set(s.input, all.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function runSteps(job: Job): Promise<{ backend: string; losses: number[]; ms: number[]; state: Record<string, number[]>; log: string[] }> {
  const log: string[] = [];
  const runtime = new TrainingWorker({ worker: '/dist/webview/train-worker.js', wasm: '/dist/ort/ort-wasm-simd-threaded.wasm', webgpu: '/dist/ort/ort-wasm-simd-threaded.asyncify.wasm' }, (line) => log.push(line));
  const choice = await runtime.probe(job.backend, true);
  if (choice.backend !== job.backend) throw new Error(`asked for ${job.backend}, got ${choice.backend}: ${choice.reason} ${choice.detail ?? ''}`);
  const onnx = new Uint8Array(await (await fetch('/step.onnx')).arrayBuffer());
  const int64 = new Set(job.step.state.filter((s) => s.type === 'int64').map((s) => s.input));
  const initial = await initialState(job, int64);
  const sharedInput = job.inputUrl ? await floatsAt(job.inputUrl) : null;
  const session = await runtime.createTrainingSession({ ...job.step, onnx }, job.backend, true, initial, job.verbose);
  const losses: number[] = [];
  const ms: number[] = [];
  for (const f of job.feeds) {
    // the feeds' buffers go to the worker (transferred): the shared batch is sent as a copy
    const feeds: StepFeeds = {
      input: sharedInput ? sharedInput.slice() : Float32Array.from(f.input!), labels: Float32Array.from(f.labels), lr: f.lr, step: f.step,
      masks: Object.fromEntries(Object.entries(f.masks).map(([k, v]) => [k, Float32Array.from(v)])),
    };
    const r = await session.step(feeds);
    losses.push(r.loss);
    ms.push(r.ms);
  }
  const state = job.readBack ? await session.readState() : new Map();
  await session.release();
  return { backend: session.backend, losses, ms, state: Object.fromEntries([...state].map(([k, v]) => [k, Array.from(v as ArrayLike<number | bigint>, Number)])), log };
}

(window as unknown as { runSteps: typeof runSteps }).runSteps = runSteps;
