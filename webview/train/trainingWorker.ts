// The Train panel's runtime as the page holds it: the training step runs in a dedicated worker (worker.ts, started
// by webview/ui/worker.ts), so the page answers clicks while a step computes, and Cancel does not wait for the step.
// On wasm each step's reply transfers the new state to the page (the worker computes the next step from a copy of
// its own), so the page always holds the state of the last completed step: Cancel terminates the worker at once and
// the weights to save are the page's. On WebGPU the state stays on the GPU inside the worker (copying it back every
// step would cost what the GPU saves); Cancel lets the step in flight finish, which is short on a real GPU, and the
// state is read from the worker after it.
import { CancelledError } from '../../src/shared/messages';
import type { Backend, BackendSetting } from '../../src/shared/classifyProtocol';
import type { TrainingStep } from '../../src/core/training/types';
import type { BackendChoice } from '../ui/backend';
import { WorkerClient, buffersOf, fetchBytes } from '../ui/worker';
import { type StateValues, type StepFeeds, type StepResult, type TrainingSession, stateValue } from './session';

export type SessionStep = Pick<TrainingStep, 'onnx' | 'inputs' | 'state' | 'masks'>;
type Where = { setting: BackendSetting; allowFallbackAdapter: boolean; binary: ArrayBuffer | null };

/** The worker's requests (worker.ts answers them one at a time). */
export type TrainWorkerProtocol = {
  /** The backend the setting gets in the worker (the panel's probe report; the GPUDevice stays in the worker). */
  probe: { request: Omit<Where, 'binary'>; reply: Omit<BackendChoice, 'device'> };
  /** `binary`: the runtime's wasm binary, the first time the worker needs that runtime. */
  session: { request: Where & { step: SessionStep; initial: StateValues; verbose: boolean }; reply: { backend: Backend } };
  step: { request: StepFeeds; reply: StepResult };
  readState: { request: { names?: readonly string[] }; reply: StateValues };
  release: { request: Record<string, never>; reply: null };
  evalSession: { request: Where & { onnx: Uint8Array }; reply: null };
  evalRun: { request: { input: Float32Array; dims: readonly number[] }; reply: Float32Array };
  evalRelease: { request: Record<string, never>; reply: null };
};

export interface TrainingWorkerUrls {
  /** dist/webview/train-worker.js. */
  worker: string;
  /** The two runtimes' wasm binaries (dist/ort/...). */
  wasm: string;
  webgpu: string;
}

export interface EvalSession {
  run(input: Float32Array, dims: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The page's training session: steps in the worker; on wasm the state of the last completed step kept here. */
class PageTrainingSession implements TrainingSession {
  private stopped = false;

  constructor(
    readonly backend: Backend,
    private readonly client: WorkerClient<TrainWorkerProtocol>,
    private readonly int64: ReadonlySet<string>,
    /** wasm: the state after the last completed step, as the graph carries it (float32); null on WebGPU. */
    private kept: Map<string, Float32Array> | null,
  ) {}

  /** The feeds' buffers are transferred to the worker (detached here). */
  async step(feeds: StepFeeds): Promise<StepResult> {
    if (this.stopped) throw new CancelledError('the training was stopped');
    const r = await this.client.request('step', feeds, buffersOf([feeds.input, feeds.labels, ...Object.values(feeds.masks ?? {})]));
    if (this.kept && r.state) this.kept = r.state;
    return r;
  }

  /** On wasm the page's copy (what a stopped worker computed last); on WebGPU read from the GPU after the step in flight. */
  async readState(names?: readonly string[]): Promise<StateValues> {
    if (!this.kept) return this.client.request('readState', { names });
    const values: StateValues = new Map();
    for (const [name, data] of this.kept) if (!names || names.includes(name)) values.set(name, stateValue(name, data, this.int64, false));
    return values;
  }

  async release(): Promise<void> {
    this.kept = null;
    if (!this.stopped && this.client.alive) await this.client.request('release', {});
  }

  /** Cancel on wasm: the worker is gone; what was computed last stays readable. */
  stop(): void {
    this.stopped = true;
  }
}

export class TrainingWorker {
  private client: WorkerClient<TrainWorkerProtocol> | null = null;
  private starting: Promise<WorkerClient<TrainWorkerProtocol>> | null = null;
  /** The runtimes whose binary the current worker has. */
  private binaries = new Set<Backend>();
  private session: PageTrainingSession | null = null;
  /** The backend of the session being made or run. */
  private backend: Backend | null = null;

  /** `onLog`: the worker's console lines while a session is verbose. */
  constructor(private readonly urls: TrainingWorkerUrls, private readonly onLog: (line: string) => void = () => undefined) {}

  private worker(): Promise<WorkerClient<TrainWorkerProtocol>> {
    if (this.client?.alive) return Promise.resolve(this.client);
    this.starting ??= WorkerClient.start<TrainWorkerProtocol>(this.urls.worker, 'alexnet-train', (e) => this.onLog(e.line)).then((c) => {
      this.client = c;
      this.binaries = new Set();
      return c;
    }).finally(() => { this.starting = null; });
    return this.starting;
  }

  /** The backend the setting gets (WebGPU probed inside the worker, where the device has to live). */
  async probe(setting: BackendSetting, allowFallbackAdapter: boolean): Promise<Omit<BackendChoice, 'device'>> {
    return (await this.worker()).request('probe', { setting, allowFallbackAdapter });
  }

  /** Probes, and fetches the chosen runtime's binary when the worker has not had it. */
  private async where(setting: BackendSetting, allowFallbackAdapter: boolean): Promise<{ client: WorkerClient<TrainWorkerProtocol>; where: Where; backend: Backend }> {
    const client = await this.worker();
    const { backend } = await client.request('probe', { setting, allowFallbackAdapter });
    const binary = this.binaries.has(backend) ? null : await fetchBytes(backend === 'webgpu' ? this.urls.webgpu : this.urls.wasm);
    this.binaries.add(backend);
    // a copy goes to the worker: the page keeps the bytes for a worker started after Cancel
    return { client, where: { setting, allowFallbackAdapter, binary }, backend };
  }

  /** A training session in the worker with its state set to `initial` (float32, int64 as BigInt64Array). */
  async createTrainingSession(step: SessionStep, setting: BackendSetting, allowFallbackAdapter: boolean, initial: StateValues, verbose = false): Promise<TrainingSession> {
    await this.session?.release();
    this.session = null;
    this.backend = null;
    const { client, where, backend } = await this.where(setting, allowFallbackAdapter);
    this.backend = backend;
    const int64 = new Set(step.state.filter((s) => s.type === 'int64').map((s) => s.input));
    // wasm: the page keeps the initial state (step 0) as the graph carries it; the worker gets a copy
    const kept = backend === 'wasm' ? new Map([...initial].map(([k, v]) => [k, v instanceof BigInt64Array ? Float32Array.from(v, Number) : v])) : null;
    const made = await client.request('session', { ...where, step, initial, verbose });
    this.session = new PageTrainingSession(made.backend, client, int64, kept);
    return this.session;
  }

  /** An eval-mode session in the worker (test accuracy), on the training session's backend. */
  async createEvalSession(onnx: Uint8Array, setting: BackendSetting, allowFallbackAdapter: boolean): Promise<EvalSession> {
    const { client, where } = await this.where(setting, allowFallbackAdapter);
    await client.request('evalSession', { ...where, onnx }, buffersOf([onnx]));
    return {
      run: (input, dims) => client.request('evalRun', { input, dims }, buffersOf([input])),
      release: async () => { if (client.alive) await client.request('evalRelease', {}); },
    };
  }

  /**
   * Cancel. wasm: terminates the worker now (a step in flight is dropped, the session keeps the state of the last
   * completed one; open requests fail with CancelledError) and returns true. WebGPU: returns false and leaves the
   * step in flight to finish (the state is on the GPU in the worker; its step is short there).
   */
  stop(): boolean {
    if (this.backend !== 'wasm' || !this.client?.alive) return false;
    this.client.terminate();
    this.session?.stop();
    return true;
  }
}
