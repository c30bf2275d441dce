// A page for test/webview/train.test.ts: the webview's training runtime (webview/train/runtime.ts) on a backend,
// driven from the test; with `verbose`, onnxruntime-web logs where each node of the step runs.
import * as ortGpu from 'onnxruntime-web/webgpu';
import { chooseBackend, configureRuntime } from '../../webview/run/backend';
import { createTrainingSession, type StepFeeds } from '../../webview/train/runtime';
import type { TrainingStep } from '../../src/core/training/types';

interface Job {
  backend: 'wasm' | 'webgpu';
  verbose: boolean;
  step: Omit<TrainingStep, 'onnx'>;
  initial: Record<string, number[]>;
  feeds: Array<{ input: number[]; labels: number[]; lr: number; step: number; masks: Record<string, number[]> }>;
}

async function runSteps(job: Job): Promise<{ backend: string; losses: number[]; state: Record<string, number[]> }> {
  configureRuntime({ wasm: '/dist/ort/ort-wasm-simd-threaded.wasm', webgpu: '/dist/ort/ort-wasm-simd-threaded.asyncify.wasm' });
  if (job.verbose) ortGpu.env.logLevel = 'verbose';
  const choice = await chooseBackend(job.backend, true);
  if (choice.backend !== job.backend) throw new Error(`asked for ${job.backend}, got ${choice.backend}: ${choice.reason} ${choice.detail ?? ''}`);
  const onnx = new Uint8Array(await (await fetch('/step.onnx')).arrayBuffer());
  const int64 = new Set(job.step.state.filter((s) => s.type === 'int64').map((s) => s.input));
  const initial = new Map(Object.entries(job.initial).map(([k, v]) => [k, int64.has(k) ? BigInt64Array.from(v.map(BigInt)) : Float32Array.from(v)] as const));
  const options = job.verbose ? ({ logSeverityLevel: 0, logVerbosityLevel: 0 } as const) : {};
  const session = await createTrainingSession({ ...job.step, onnx }, choice, initial, options);
  const losses: number[] = [];
  for (const f of job.feeds) {
    const feeds: StepFeeds = {
      input: Float32Array.from(f.input), labels: Float32Array.from(f.labels), lr: f.lr, step: f.step,
      masks: Object.fromEntries(Object.entries(f.masks).map(([k, v]) => [k, Float32Array.from(v)])),
    };
    losses.push((await session.step(feeds)).loss);
  }
  const state = await session.readState();
  await session.release();
  return { backend: choice.backend, losses, state: Object.fromEntries([...state].map(([k, v]) => [k, Array.from(v, Number)])) };
}

(window as unknown as { runSteps: typeof runSteps }).runSteps = runSteps;
