// The Train panel's worker (dist/webview/train-worker.js; the page starts it from a Blob URL, trainingWorker.ts): the
// backend probe (a GPUDevice cannot be transferred, so WebGPU is requested here), the training session (runtime.ts)
// and the evaluation sessions. It fetches nothing: the page sends the runtime's wasm binary.
import { type BackendChoice, type Session, chooseBackend, createSession, runModel, useWasmBinary, verboseLog } from '../ui/backend';
import { Transfer, buffersOf, forwardConsole, serveRequests } from '../ui/worker';
import { type TrainingSession, createTrainingSession } from './runtime';
import type { TrainWorkerProtocol } from './trainingWorker';

const choices = new Map<string, Promise<BackendChoice>>();
let train: TrainingSession | null = null;
let evalSession: Session | null = null;
let forwarding = false;

function backendFor(setting: 'auto' | 'webgpu' | 'wasm', allowFallbackAdapter: boolean, binary: ArrayBuffer | null = null): Promise<BackendChoice> {
  const key = `${setting}:${allowFallbackAdapter}`;
  if (!choices.has(key)) choices.set(key, chooseBackend(setting, allowFallbackAdapter));
  return choices.get(key)!.then((choice) => {
    if (binary) useWasmBinary(choice.backend, binary);
    return choice;
  });
}

serveRequests<TrainWorkerProtocol>({
  probe: async ({ setting, allowFallbackAdapter }) => {
    const { device: _device, ...report } = await backendFor(setting, allowFallbackAdapter);
    return report;
  },
  session: async ({ setting, allowFallbackAdapter, binary, step, initial, verbose }) => {
    await train?.release();
    train = null;
    const choice = await backendFor(setting, allowFallbackAdapter, binary);
    if (verbose) {
      if (!forwarding) forwardConsole();
      forwarding = true;
      verboseLog();
    }
    train = await createTrainingSession(step, choice, initial, verbose ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {});
    return { backend: choice.backend };
  },
  step: async (feeds) => {
    if (!train) throw new Error('no training session');
    const r = await train.step(feeds);
    // the new state (wasm) and the logits go to the page without a copy
    return new Transfer(r, buffersOf([r.logits, ...(r.state?.values() ?? [])]));
  },
  readState: async ({ names }) => {
    if (!train) throw new Error('no training session');
    const values = await train.readState(names);
    return new Transfer(values, buffersOf(values.values()));
  },
  release: async () => {
    await train?.release();
    train = null;
    return null;
  },
  evalSession: async ({ setting, allowFallbackAdapter, binary, onnx }) => {
    await evalSession?.release();
    evalSession = null;
    evalSession = await createSession(onnx, await backendFor(setting, allowFallbackAdapter, binary), { logSeverityLevel: 3 });
    return null;
  },
  evalRun: async ({ input, dims }) => {
    if (!evalSession) throw new Error('no evaluation session');
    const { logits } = await runModel(evalSession, input, dims);
    return new Transfer(logits, buffersOf([logits]));
  },
  evalRelease: async () => {
    await evalSession?.release();
    evalSession = null;
    return null;
  },
});
