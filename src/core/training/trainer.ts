/**
 * The run loop around one training step graph (types.ts), whatever runs it: the CLI hands it onnxruntime-node's
 * session, the webview may hand it onnxruntime-web's. Each step it feeds a batch, the learning rate, the step
 * number, fresh dropout masks and the state, and takes the state's next value back as the next step's input.
 * Cancel stops after the step in flight, or during it where the runtime can drop it (the webview's worker on wasm:
 * runStep answers null); the weights of the last completed step stay (stateDict()).
 */
import type { Analysis } from '../model/ir';
import { buildOnnxModel, floatTensors } from '../onnx';
import { type Tensor, toFloat32 } from '../weights/tensor';
import { type Dataset, type SampleTransform, dropoutMasks, epochBatches, loadBatch } from './data';
import { Rng, STREAMS } from './random';
import type { TensorSpec, TrainingStep } from './types';

/** A tensor on the host, as runtimes take and give them. */
export interface HostTensor {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

export type Feeds = Record<string, HostTensor>;

/**
 * Runs the step graph once: its inputs by name -> its outputs by name; null when Cancel stopped the runtime before
 * the step was done (it does not count, the state stays that of the last completed step).
 */
export type RunStep = (feeds: Feeds) => Promise<Feeds | null>;

/** An eval-mode classifier: input [N, C, H, W] -> logits [N, classes], flattened. */
export interface EvalSession {
  run(input: Float32Array, dims: number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Makes a session of an eval-mode ONNX model (the runtime's InferenceSession). */
export type CreateEvalSession = (onnx: Uint8Array) => Promise<EvalSession>;

export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

export interface TrainerOptions {
  step: TrainingStep;
  runStep: RunStep;
  analysis: Analysis;
  /** The model's state_dict to start from (initialStateDict or a checkpoint), keys in model order. */
  initial: ReadonlyMap<string, Tensor>;
  data: Dataset;
  transform: SampleTransform;
  lr: number;
  /** Whole passes over the data; ignored when `steps` is given. */
  epochs?: number;
  /** Steps in all (the data is passed over as often as needed). */
  steps?: number;
  seed: number;
  /** A new seeded order each epoch; false keeps the dataset's order. */
  shuffle: boolean;
  onProgress?: (p: Progress) => void;
  /**
   * The runtime keeps the state between steps (onnxruntime-web, on the GPU): feeds carry no state and the outputs
   * need none; `pullState` copies it back when the host needs it (epoch ends, the end of the run).
   */
  runtimeState?: { pullState(names: string[]): Promise<Map<string, Float32Array | BigInt64Array>> };
  /** After each whole epoch (1-based), before the next step: checkpoints and evaluation hook in here. */
  onEpochEnd?: (epoch: number) => Promise<void>;
}

export interface Progress {
  /** 1-based, over the whole run. */
  step: number;
  totalSteps: number;
  /** 1-based. */
  epoch: number;
  loss: number;
  /** Wall time of this step: batch, masks and the graph. */
  ms: number;
  imagesPerSecond: number;
  /** Correct predictions so far in this epoch (train mode, from the step's logits), as a fraction. */
  trainAccuracy: number;
}

export interface TrainResult {
  steps: number;
  cancelled: boolean;
  /** The last step's loss (NaN when no step ran). */
  loss: number;
  /** Over the last epoch's steps run so far (train mode, from the step's logits). */
  trainAccuracy: number;
  /** Images per second over the run, data loading included. */
  imagesPerSecond: number;
}

function specOf(list: readonly TensorSpec[], name: string, what: string): TensorSpec {
  const s = list.find((x) => x.name === name);
  if (!s) throw new TrainingError(`the training step has no ${what} '${name}'`);
  return s;
}

/** Where argmax(logits[b]) equals the label, counted. */
export function countCorrect(logits: Float32Array, classes: number, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let b = 0; b < labels.length; b++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[b * classes + k]! > logits[b * classes + best]!) best = k;
    if (best === labels[b]) correct++;
  }
  return correct;
}

export class Trainer {
  private readonly state = new Map<string, HostTensor>();
  /** State the state_dict holds as int64 (num_batches_tracked), carried as float32 by the step. */
  private readonly int64State = new Set<string>();
  private readonly o: TrainerOptions;
  readonly batch: number;
  readonly classes: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private cancelRequested = false;
  private stepsDone = 0;
  /** The step whose state this side holds (runtimeState): 0, the initial state, until pullState. */
  private pulledAt = 0;

  constructor(options: TrainerOptions) {
    this.o = options;
    const { step } = options;
    const input = specOf(step.inputs, 'input', 'input');
    const logits = specOf(step.outputs, 'logits', 'output');
    specOf(step.inputs, 'labels', 'input');
    specOf(step.outputs, 'loss', 'output');
    this.batch = input.shape[0]!;
    this.classes = logits.shape[logits.shape.length - 1]!;
    const { channels, size } = options.transform;
    const want = [this.batch, channels, size.height, size.width];
    if (input.shape.join() !== want.join()) throw new TrainingError(`the training step takes input [${input.shape.join(', ')}], the data makes [${want.join(', ')}]`);
    if (options.data.classes.length !== this.classes) {
      throw new TrainingError(`the model has ${this.classes} outputs but ${options.data.name} has ${options.data.classes.length} classes`);
    }
    this.stepsPerEpoch = Math.floor(options.data.labels.length / this.batch);
    if (this.stepsPerEpoch === 0) throw new TrainingError(`${options.data.name} has ${options.data.labels.length} images, fewer than one batch of ${this.batch}`);
    this.totalSteps = options.steps ?? this.stepsPerEpoch * (options.epochs ?? 1);
    for (const s of step.state) {
      if (s.kind === 'optimizer') {
        // momentum buffers and Adam's moments start at zero
        this.state.set(s.input, zeros(s.shape));
        continue;
      }
      const t = options.initial.get(s.input);
      if (!t) throw new TrainingError(`no initial value for '${s.input}'`);
      if (t.shape.join() !== s.shape.join()) throw new TrainingError(`'${s.input}' has shape [${t.shape.join(', ')}], the step expects [${s.shape.join(', ')}]`);
      // the graph carries every state as float32, num_batches_tracked included
      const data = t.dtype === 'int64' ? Float32Array.from(t.data as BigInt64Array, Number) : toFloat32(t).slice();
      this.state.set(s.input, { type: 'float32', data, dims: [...s.shape] });
      if (s.type === 'int64') this.int64State.add(s.input);
    }
  }

  /** Stops after the step in flight (or with it, where the runtime drops it); what was trained stays. */
  cancel(): void {
    this.cancelRequested = true;
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  get steps(): number {
    return this.stepsDone;
  }

  async run(): Promise<TrainResult> {
    const o = this.o;
    const shuffleRng = new Rng(o.seed, STREAMS.shuffle);
    const augmentRng = new Rng(o.seed, STREAMS.augment);
    const maskRng = new Rng(o.seed, STREAMS.masks);
    const start = performance.now();
    let loss = NaN;
    let correct = 0;
    let seen = 0;
    let epoch = 0;
    let batches: Int32Array[] = [];
    let inEpoch = 0;
    while (this.stepsDone < this.totalSteps && !this.cancelRequested) {
      if (inEpoch === batches.length) {
        if (epoch > 0) await o.onEpochEnd?.(epoch);
        if (this.cancelRequested) break;
        batches = epochBatches(o.data.labels.length, this.batch, o.shuffle, shuffleRng);
        inEpoch = 0;
        epoch++;
        correct = 0;
        seen = 0;
      }
      const t0 = performance.now();
      const batch = loadBatch(o.data, batches[inEpoch++]!, o.transform, o.transform.augment ? augmentRng : null);
      const feeds: Feeds = {
        input: { type: 'float32', data: batch.input, dims: specOf(o.step.inputs, 'input', 'input').shape },
        labels: { type: 'float32', data: batch.labels, dims: [this.batch] },
        lr: { type: 'float32', data: Float32Array.of(o.lr), dims: [] },
        step: { type: 'float32', data: Float32Array.of(this.stepsDone + 1), dims: [] },
      };
      for (const [name, mask] of dropoutMasks(o.step.masks, maskRng)) {
        feeds[name] = { type: 'float32', data: mask, dims: o.step.masks.find((m) => m.name === name)!.shape };
      }
      if (!o.runtimeState) for (const [name, t] of this.state) feeds[name] = t;
      const out = await o.runStep(feeds);
      if (out === null) {
        this.cancelRequested = true;
        break;
      }
      loss = Number(out.loss?.data[0]);
      if (!Number.isFinite(loss)) {
        throw new TrainingError(`the loss is ${loss} at step ${this.stepsDone + 1}: training diverged (try a smaller --lr); nothing of this run is kept`);
      }
      for (const s of o.runtimeState ? [] : o.step.state) {
        const next = out[s.output];
        if (!next) throw new TrainingError(`the training step did not return '${s.output}'`);
        this.state.set(s.input, { type: 'float32', data: next.data, dims: [...s.shape] });
      }
      const logits = out.logits?.data;
      if (logits instanceof Float32Array) correct += countCorrect(logits, this.classes, batch.classes);
      seen += this.batch;
      this.stepsDone++;
      const ms = performance.now() - t0;
      o.onProgress?.({
        step: this.stepsDone, totalSteps: this.totalSteps, epoch, loss, ms,
        imagesPerSecond: (this.batch * 1000) / ms, trainAccuracy: correct / seen,
      });
    }
    const seconds = (performance.now() - start) / 1000;
    if (!this.cancelRequested && this.stepsDone > 0 && inEpoch === batches.length) await o.onEpochEnd?.(epoch);
    return {
      steps: this.stepsDone, cancelled: this.cancelRequested, loss,
      trainAccuracy: seen ? correct / seen : NaN,
      imagesPerSecond: seconds > 0 ? (this.stepsDone * this.batch) / seconds : 0,
    };
  }

  /** Copies the runtime's state back (runtimeState); stateDict() and evaluate() then see the weights trained so far. */
  async pullState(): Promise<void> {
    // no step since the last pull (Cancel right after an epoch's end): the state is here already, and copying it
    // from a webview costs seconds in code-server (58 MB of AlexNet at 4-13 MB/s)
    if (!this.o.runtimeState || this.pulledAt === this.stepsDone) return;
    const at = this.stepsDone;
    // the state_dict's tensors only: the optimizer's state is neither saved nor evaluated
    const values = await this.o.runtimeState.pullState(this.o.step.state.filter((s) => s.kind !== 'optimizer').map((s) => s.input));
    for (const s of this.o.step.state) {
      const v = values.get(s.input);
      // kept as the step carries it: float32, num_batches_tracked as a float counter
      if (v) this.state.set(s.input, { type: 'float32', data: v instanceof BigInt64Array ? Float32Array.from(v, Number) : v, dims: [...s.shape] });
    }
    this.pulledAt = at;
  }

  /** The epoch the run is in (1-based; 0 before the first step). */
  get epochsDone(): number {
    return Math.floor(this.stepsDone / this.stepsPerEpoch);
  }

  /** The model's state_dict now: the initial tensors with the trained ones in their place, in model order. */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [key, t] of this.o.initial) {
      const s = this.state.get(key);
      if (s && this.int64State.has(key)) out.set(key, { dtype: 'int64', shape: [...t.shape], data: BigInt64Array.from(s.data as Float32Array, (v) => BigInt(Math.round(v))) });
      else if (s) out.set(key, { dtype: 'float32', shape: [...t.shape], data: s.data.slice() });
      else out.set(key, t.dtype === 'float32' || t.dtype === 'int64' ? t : { dtype: 'float32', shape: t.shape, data: toFloat32(t) });
    }
    return out;
  }

  /** Accuracy of the current weights on `data` with the eval-mode model (BatchNorm's running stats, no dropout). */
  async evaluate(data: Dataset, createSession: CreateEvalSession, batch = 32): Promise<number> {
    const { transform, analysis } = this.o;
    const onnx = buildOnnxModel(analysis, floatTensors(this.stateDict()), { batch: 'N' });
    const session = await createSession(onnx);
    try {
      let correct = 0;
      const n = data.labels.length;
      for (let start = 0; start < n; start += batch) {
        const indices = Int32Array.from({ length: Math.min(batch, n - start) }, (_, i) => start + i);
        const b = loadBatch(data, indices, { ...transform, augment: false }, null);
        const logits = await session.run(b.input, [indices.length, transform.channels, transform.size.height, transform.size.width]);
        correct += countCorrect(logits, this.classes, b.classes);
      }
      return n ? correct / n : NaN;
    } finally {
      await session.release();
    }
  }
}

function zeros(shape: readonly number[]): HostTensor {
  return { type: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)), dims: [...shape] };
}
