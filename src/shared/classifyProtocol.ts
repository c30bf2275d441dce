// Messages between the extension host and the classification webview ("Classify with AlexNet").
// The host prepares everything that needs files (model -> ONNX bytes, images -> input tensors); the webview owns
// onnxruntime-web (WebGPU or wasm), runs the model and draws. Order: webview `ready` -> host `init` ->
// webview `backend` (what it found) ... host `model` (once per model) and `run` + one `image` per file.
import type { OutputKind } from '../core/scores';
import type { ReadyMessage, WebviewError } from './messages';

export type BackendSetting = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

/** Every string the classification webview shows, already translated by the host (vscode.l10n). */
export interface ClassifyStrings {
  loading: string;
  preparingModel: string;
  /** Fetching the cached ONNX: {0} of {1} MB. */
  fetchingModel: string;
  startingRuntime: string;
  warmingUp: string;
  classifying: string;
  cancel: string;
  cancelled: string;
  weights: string;
  labels: string;
  model: string;
  preprocessing: string;
  input: string;
  /** By ModelInfo.inputSource: where the input size came from. */
  inputFromComment: string;
  inputFromOption: string;
  inputFromDefault: string;
  inputFromFits: string;
  /** How the preset scales an image to the model's size. */
  scaleSeed: string;
  scaleImagenet: string;
  changeWeights: string;
  defaultWeights: string;
  backend: string;
  backendWebgpu: string;
  backendWasm: string;
  latency: string;
  sessionReady: string;
  top: string;
  file: string;
  prediction: string;
  probability: string;
  image: string;
  inputSeen: string;
  activations: string;
  activationsHint: string;
  channel: string;
  close: string;
  noLabels: string;
  builtInImagenet: string;
  results: string;
  failed: string;
  error: string;
  details: string;
  backToTable: string;
  noImages: string;
  showAll: string;
  defaultTag: string;
  previous: string;
  next: string;
  notes: string;
  deviceLost: string;
  runtimeFailed: string;
  /** Why wasm runs instead of WebGPU, by reason code (see BackendReport.reason). */
  reasonSetting: string;
  reasonNoWebgpu: string;
  reasonNoAdapter: string;
  reasonFallbackAdapter: string;
  reasonDevice: string;
  reasonSession: string;
  reasonTimeout: string;
}

export interface ClassifySettings {
  backend: BackendSetting;
  allowFallbackAdapter: boolean;
  topK: number;
}

// ---- host -> webview ----

export interface ClassifyInitMessage {
  type: 'init';
  language: string;
  strings: ClassifyStrings;
  settings: ClassifySettings;
  /** Webview URIs of onnxruntime-web's wasm binaries (dist/ort/...): the CPU build's and the WebGPU build's. */
  ortWasmUrl: string;
  ortWebgpuWasmUrl: string;
}

/** What the panel says about the model in use. */
export interface ModelInfo {
  /** Changes whenever the ONNX bytes would (model source, weights file, labels, builder version). */
  key: string;
  /** The model's class and file, e.g. `AlexNet` / `alexnet.py`. */
  entry: string;
  modelFile: string;
  weightsFile: string;
  /** The labels file's name, or null (then `labelsSource` says built-in ImageNet or none). */
  labelsFile: string | null;
  labelsSource: 'file' | 'imagenet' | 'none';
  /** The shipped model and weights. */
  isDefault: boolean;
  /** [1, C, H, W]: the model's own size, which the preset resizes to. */
  input: number[];
  /** Where H and W came from: the file's `# input[...]`, the setting, the default 224, or the size the model fits. */
  inputSource: 'comment' | 'option' | 'default' | 'fits';
  classes: number;
  labels: string[] | null;
  preset: 'seed' | 'imagenet';
  transforms: string;
  /** Mean and std per input channel, to show the input tensor as the network sees it. */
  mean: number[];
  std: number[];
  outputKind: OutputKind;
  notes: string[];
  /** Conv layers whose maps can be drawn: ONNX output name, title, [1, C, H, W]. */
  maps: { name: string; title: string; layer: string; shape: number[] }[];
}

/** The model: sent once, kept by the webview until a model with another key comes. */
export interface ModelMessage {
  type: 'model';
  info: ModelInfo;
  /**
   * Where the webview fetches the ONNX (opset 13, the conv layers' outputs as extra graph outputs): a file cached
   * under the extension's storage, as asWebviewUri gives it (never the bytes in a message: 29 MB over IPC for the default weights).
   */
  url: string;
  /** Its size in bytes, for the progress line. */
  size: number;
}

/** A new classification: forgets the previous results; `files` are the display names in order. */
export interface RunMessage {
  type: 'run';
  runId: number;
  modelKey: string;
  files: { name: string; path: string }[];
}

/** One image of a run, prepared by the host (or left to the webview's decoder: WebP). */
export interface ImageMessage {
  type: 'image';
  runId: number;
  index: number;
  name: string;
  /** The input tensor [C, 224, 224], normalized; absent when `error` or `encoded` is set. */
  tensor?: Float32Array;
  /** The file's bytes, for the WebP the webview decodes itself (then it preprocesses too). */
  encoded?: Uint8Array;
  /** The file's bytes and MIME type, to show it (absent for huge files). */
  display?: { bytes: Uint8Array; mime: string };
  width?: number;
  height?: number;
  /** Why the file cannot be classified; names the file. */
  error?: string;
}

/** The host gave up before any image could run (weights missing, model and weights not fitting): shown in the panel. */
export interface FailureMessage {
  type: 'failure';
  message: string;
  /** Offer the Load Weights / Use Default Weights buttons. */
  offerWeights: boolean;
}

/** A host-side phase (reading and converting the weights) for the panel's progress line. */
export interface StatusMessage {
  type: 'status';
  text: string | null;
}

/** The host's progress notification was cancelled. */
export interface CancelRunMessage {
  type: 'cancel';
  runId: number;
}

export type ClassifyToWebview = ClassifyInitMessage | ModelMessage | RunMessage | ImageMessage | FailureMessage | StatusMessage | CancelRunMessage;

// ---- webview -> host ----

export type ClassifyReadyMessage = ReadyMessage;

/** WebGPU probe result, and which backend the session runs on. */
export interface BackendReport {
  type: 'backend';
  backend: Backend;
  /** The adapter seen (also when it was refused). */
  adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean } | null;
  /** Why wasm, when it is wasm. */
  reason: 'setting' | 'no-webgpu' | 'no-adapter' | 'fallback-adapter' | 'device' | 'session' | 'timeout' | null;
  /** Error text behind the reason, when there was one. */
  detail: string | null;
  /** ms for creating the session (includes the runtime's first start). */
  sessionMs: number;
}

export interface ProgressReport {
  type: 'progress';
  runId: number;
  done: number;
  total: number;
}

/** One image classified (or failed in the webview). */
export interface ResultReport {
  type: 'result';
  runId: number;
  index: number;
  name: string;
  top?: { index: number; label: string; prob: number }[];
  /** The model's raw output (for the output log and the tests). */
  logits?: number[];
  ms?: number;
  error?: string;
}

export interface RunDoneReport {
  type: 'runDone';
  runId: number;
  cancelled: boolean;
}

/** The user pressed Cancel in the panel. */
export interface CancelRequest {
  type: 'cancelRun';
  runId: number;
}

/** A button in the panel that runs a command (Load Weights..., Use Default Weights). */
export interface CommandRequest {
  type: 'command';
  command: 'loadWeights' | 'useDefaultWeights';
}

export type ClassifyErrorReport = WebviewError<'error' | 'unhandledrejection' | 'runtime' | 'message'>;

export type ClassifyFromWebview = ClassifyReadyMessage | BackendReport | ProgressReport | ResultReport | RunDoneReport | CancelRequest | CommandRequest | ClassifyErrorReport;

/** What the webview keeps with setState, so that a reloaded window classifies the same files again. */
export interface ClassifyViewState {
  files: string[];
}
