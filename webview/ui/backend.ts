// onnxruntime-web in the webview: which backend (WebGPU or wasm), and sessions on it.
// Two builds of onnxruntime-web 1.30, each with its own wasm binary (tools/build.mjs copies both to dist/ort/):
// - `onnxruntime-web/webgpu` (the native WebGPU EP, asyncify build: ort-wasm-simd-threaded.asyncify.wasm) for WebGPU;
// - `onnxruntime-web/wasm` (ort-wasm-simd-threaded.wasm) for the CPU: it starts in half the time and runs about
//   1.5x faster than the asyncify build's CPU EP (measured with tools/bench/inference.ts' page).
// Only the one used is ever fetched and compiled. onnxruntime's own workers are never used: its proxy worker fetches
// webview resources, which can hang (microsoft/vscode#315494), and pthread workers would need a module URL our IIFE
// bundles do not have, so one thread. Classify runs on the page thread (configureRuntime: binaries by URL); the Train
// panel runs in a worker of its own (webview/ui/worker.ts) that fetches nothing (useWasmBinary: the page's bytes).
import * as ortWasm from 'onnxruntime-web/wasm';
import * as ortGpu from 'onnxruntime-web/webgpu';
import { encodeModel } from '../../src/core/onnx/model-proto';
import type { Backend, BackendReport, BackendSetting } from '../../src/shared/classifyProtocol';

/** The parts of WebGPU used here (the DOM lib of TypeScript has no WebGPU types). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  /** Before Chrome 121 the flag lived on the adapter. */
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  features: ReadonlySet<string>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<GpuDevice>;
  requestAdapterInfo?(): Promise<GpuAdapterInfo>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}

export type AdapterReport = NonNullable<BackendReport['adapter']>;
export type Reason = NonNullable<BackendReport['reason']>;

export interface BackendChoice {
  backend: Backend;
  device: GpuDevice | null;
  adapter: AdapterReport | null;
  reason: Reason | null;
  detail: string | null;
}

/** Limits the WebGPU EP wants as high as the adapter allows (AlexNet's FC weights exceed the 128 MiB default binding). */
const LIMITS = [
  'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
];
const FEATURES = ['shader-f16', 'subgroups'];

let configured = false;

/** Where the two runtimes' wasm binaries are (webview URIs of dist/ort/...). */
export interface RuntimeUrls {
  wasm: string;
  webgpu: string;
}

function configure(ort: typeof ortWasm): void {
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = 1;
  // a fetch that never answers becomes an error in the panel instead of an endless "Starting..."
  ort.env.wasm.initTimeout = 60_000;
  ort.env.logLevel = 'error';
}

/** Global onnxruntime-web settings of the page; must run before the first session. */
export function configureRuntime(urls: RuntimeUrls): void {
  if (configured) return;
  configured = true;
  for (const [ort, url] of [[ortWasm, urls.wasm], [ortGpu, urls.webgpu]] as const) {
    ort.env.wasm.wasmPaths = { wasm: url };
    configure(ort);
  }
}

/** onnxruntime's verbose log (where each node runs), from now on. */
export function verboseLog(): void {
  ortWasm.env.logLevel = 'verbose';
  ortGpu.env.logLevel = 'verbose';
}

/** In a worker, before the backend's first session: its runtime compiles `binary` (fetched by the page), fetching nothing. */
export function useWasmBinary(backend: Backend, binary: ArrayBuffer): void {
  const ort = backend === 'webgpu' ? ortGpu : ortWasm;
  configure(ort);
  ort.env.wasm.wasmBinary = binary;
}

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms / 1000} s`), { timedOut: true })), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * WebGPU as the setting allows: navigator.gpu -> requestAdapter() -> adapter.info.isFallbackAdapter (a software
 * adapter such as SwiftShader only when `allowFallbackAdapter`) -> requestDevice(). Anything missing: wasm, with the
 * reason. Never throws.
 */
export async function chooseBackend(setting: BackendSetting, allowFallbackAdapter: boolean, timeoutMs = 10_000): Promise<BackendChoice> {
  const wasm = (reason: Reason, adapter: AdapterReport | null = null, detail: string | null = null): BackendChoice =>
    ({ backend: 'wasm', device: null, adapter, reason, detail });
  if (setting === 'wasm') return wasm('setting');
  const gpu = (navigator as Navigator & { gpu?: Gpu }).gpu;
  if (!gpu) return wasm('no-webgpu');
  let adapter: GpuAdapter | null;
  try {
    adapter = await timeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), timeoutMs, 'requestAdapter()');
  } catch (e) {
    return wasm((e as { timedOut?: boolean }).timedOut ? 'timeout' : 'no-adapter', null, message(e));
  }
  if (!adapter) return wasm('no-adapter');
  let info: GpuAdapterInfo = adapter.info ?? {};
  if (!adapter.info && adapter.requestAdapterInfo) {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      // older Chromium without adapter info: report what we have
    }
  }
  const report: AdapterReport = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description || info.device || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
  if (report.isFallbackAdapter && !allowFallbackAdapter) return wasm('fallback-adapter', report);
  const requiredLimits: Record<string, number> = {};
  for (const key of LIMITS) if (typeof adapter.limits[key] === 'number') requiredLimits[key] = adapter.limits[key];
  const requiredFeatures = FEATURES.filter((f) => adapter!.features.has(f));
  try {
    const device = await timeout(adapter.requestDevice({ requiredLimits, requiredFeatures }), timeoutMs, 'requestDevice()');
    return { backend: 'webgpu', device, adapter: report, reason: null, detail: null };
  } catch (e) {
    return wasm((e as { timedOut?: boolean }).timedOut ? 'timeout' : 'device', report, message(e));
  }
}

// pages that only name the adapter (the Train panel's page: its runtime is in a worker) import it from format.ts
export { adapterName } from './format';

type Ort = typeof ortWasm;

/** A session and the runtime it belongs to (each build checks tensors against its own Tensor class). */
export interface Session {
  ort: Ort;
  session: ortWasm.InferenceSession;
  release(): Promise<void>;
}

const runtimes = new Map<Ort, Promise<void>>();

/** A one-node model (Identity of a float [1]): what starts a runtime before the real model's bytes are there. */
function tinyModel(): Uint8Array {
  const io = { name: 'x', dims: [1] };
  return encodeModel({
    irVersion: 7, opset: 13, producerName: 'alexnet-explorer', producerVersion: '', metadata: {},
    graph: { name: 'start', nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'], name: 'id', attributes: {} }], initializers: [], inputs: [io], outputs: [{ ...io, name: 'y' }], valueInfo: [] },
  });
}

/**
 * Starts the chosen runtime (fetching and compiling its wasm binary, and the WebGPU EP's device setup) with a
 * one-node session, released at once, so that it overlaps the model's download instead of following it. Once per
 * runtime; a failure here is left for the real session to report.
 */
export function startRuntime(choice: BackendChoice): Promise<void> {
  const ort: Ort = choice.backend === 'webgpu' ? ortGpu : ortWasm;
  let started = runtimes.get(ort);
  if (!started) {
    started = createSession(tinyModel(), choice).then((s) => s.release(), () => undefined);
    runtimes.set(ort, started);
  }
  return started;
}

/** A session on the chosen backend; `options` adds session options (a training step keeps its state on the GPU). */
export async function createSession(bytes: Uint8Array, choice: BackendChoice, options: ortWasm.InferenceSession.SessionOptions = {}): Promise<Session> {
  const ort: Ort = choice.backend === 'webgpu' ? ortGpu : ortWasm;
  const ep: ortWasm.InferenceSession.ExecutionProviderConfig = choice.backend === 'webgpu'
    ? ({ name: 'webgpu', device: choice.device } as unknown as ortWasm.InferenceSession.ExecutionProviderConfig)
    : 'wasm';
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all', ...options });
  return { ort, session, release: () => session.release() };
}

export interface RunOutput {
  logits: Float32Array;
  maps: Map<string, { data: Float32Array; dims: readonly number[] }>;
  ms: number;
}

/** One forward pass of an input [1, C, 224, 224]; `maps` names extra outputs to fetch (activation maps). */
export async function runModel({ ort, session }: Session, input: Float32Array, dims: readonly number[], maps: readonly string[] = []): Promise<RunOutput> {
  const feeds = { [session.inputNames[0] ?? 'input']: new ort.Tensor('float32', input, dims) };
  const fetches = ['logits', ...maps];
  const start = performance.now();
  const out = await session.run(feeds, fetches);
  const ms = performance.now() - start;
  const result: RunOutput = { logits: out.logits.data as Float32Array, maps: new Map(), ms };
  for (const name of maps) {
    const t = out[name];
    if (t) result.maps.set(name, { data: t.data as Float32Array, dims: t.dims });
  }
  return result;
}
