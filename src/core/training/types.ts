// The contract between the training step's graph (step.ts), its runtimes (CLI: onnxruntime-node; webview:
// onnxruntime-web) and the data it is fed. Pure types: no runtime here.
import type { OnnxTarget } from '../ops/types';

export interface SgdOptions {
  kind: 'sgd';
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

export interface AdamOptions {
  kind: 'adam';
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export type OptimizerOptions = SgdOptions | AdamOptions;

export interface TrainStepOptions {
  optimizer: OptimizerOptions;
  /** Images per step (the graph's batch dimension). */
  batch: number;
  /** F.cross_entropy's label_smoothing (0 by default). */
  labelSmoothing?: number;
  /** Dropout layers active (their masks are graph inputs); false gives eval-mode dropout (the identity). */
  dropout: boolean;
  /**
   * The runtime the step is for: 'webgpu' (default; the webview, on WebGPU or wasm) uses only ops with WebGPU
   * kernels; 'cpu' (onnxruntime-node) lets each op use the formulation fastest on onnxruntime's CPU EP.
   */
  target?: OnnxTarget;
}

/** A graph input or output: its name, element type and shape. */
export interface TensorSpec {
  name: string;
  type: 'float32' | 'int64';
  shape: number[];
}

/** A dropout mask the runtime feeds each step: 0 or 1/(1-p) per element (per channel for Dropout2d, broadcast over H, W). */
export interface MaskSpec {
  name: string;
  shape: number[];
  p: number;
}

/**
 * One training step as one ONNX graph: forward (train mode), F.cross_entropy (mean over the batch), backward,
 * and the optimizer's update. Inputs: `input` [B, C, H, W] float32, `labels` [B] float32 (class indices:
 * int64 arithmetic has no kernel on WebGPU), `lr` [] float32,
 * `step` [] float32 (1 for the first step; Adam's bias correction), each mask, and each piece of state
 * (parameters and buffers by state_dict key, optimizer state as `<key>.momentum_buffer`, `<key>.exp_avg`,
 * `<key>.exp_avg_sq`: zero before the first step, as PyTorch starts). Outputs: `loss` [] float32, `logits`
 * [B, classes], and the next value of each piece of state, linked by `state` so the runtime feeds output back as
 * the next step's input (on the GPU, where it can).
 */
export interface TrainingStep {
  onnx: Uint8Array;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /**
   * Each piece of state: the input it is read from, the output its next value is written to. Every graph value is
   * float32; `type` is the state_dict's dtype ('int64' for num_batches_tracked: the runtime converts it).
   */
  state: { input: string; output: string; shape: number[]; type: 'float32' | 'int64'; kind: 'param' | 'buffer' | 'optimizer' }[];
  masks: MaskSpec[];
}
