// The training session as both sides of the Train panel's worker see it: the runtime inside the worker (runtime.ts)
// and the page's handle on it (trainingWorker.ts). No runtime here: the page's bundle stays free of onnxruntime.
import type { Backend } from '../../src/shared/classifyProtocol';

/** What one step needs besides the state: the batch, its labels (class indices), lr, the step number (from 1) and the dropout masks. */
export interface StepFeeds {
  input: Float32Array;
  labels: Float32Array;
  lr: number;
  step: number;
  masks?: Record<string, Float32Array>;
}

export interface StepResult {
  loss: number;
  /** [batch, classes], flattened (train-mode accuracy is counted from them). */
  logits: Float32Array;
  ms: number;
  /**
   * wasm only: the state after this step by input name, as the graph carries it (float32, num_batches_tracked a
   * float counter), in buffers the caller owns (it may transfer them).
   */
  state?: Map<string, Float32Array>;
}

/** A state tensor's values, by its input name (parameters and buffers by state_dict key, optimizer state); int64 for num_batches_tracked. */
export type StateValues = Map<string, Float32Array | BigInt64Array>;

export interface TrainingSession {
  readonly backend: Backend;
  /** Runs one step; the state moves on in place (on the GPU with WebGPU). */
  step(feeds: StepFeeds): Promise<StepResult>;
  /** Copies the current state back (weights to save, or to compare). */
  readState(names?: readonly string[]): Promise<StateValues>;
  release(): Promise<void>;
}

/** A state as the graph carries it (float32) -> as the state_dict has it (int64 for num_batches_tracked); `copy`: never the same buffer. */
export function stateValue(name: string, data: Float32Array, int64: ReadonlySet<string>, copy: boolean): Float32Array | BigInt64Array {
  if (int64.has(name)) return BigInt64Array.from(data, (v) => BigInt(Math.round(v)));
  return copy ? Float32Array.from(data) : data;
}
