// The training step (src/core/training: forward, loss, backward and update as one ONNX graph) on onnxruntime-web,
// run inside the Train panel's worker (worker.ts; the page's handle is trainingWorker.ts). On WebGPU the weights
// and the optimizer state stay on the GPU between steps: state outputs are kept as GPU buffers
// (`preferredOutputLocation: 'gpu-buffer'`) and fed back as the next step's inputs; only the loss is copied back (and
// the batch's logits, for accuracy). On wasm each step hands its new state out (StepResult.state, for the page to
// keep: Cancel may stop the worker mid-step) and feeds the next step from a copy of its own. The runtime only runs
// steps: data, masks and schedules come from the caller, so the same settings give the same numbers as the CLI on
// onnxruntime-node.
import type * as ortWasm from 'onnxruntime-web/wasm';
import type { TrainingStep } from '../../src/core/training/types';
import { type BackendChoice, type Session, createSession } from '../ui/backend';
import { type StateValues, type StepFeeds, type StepResult, type TrainingSession, stateValue } from './session';

export type { StateValues, StepFeeds, StepResult, TrainingSession } from './session';

type Ort = Session['ort'];
type OrtTensor = ortWasm.Tensor;

/** The graph carries every state as float32 (num_batches_tracked too: int64 arithmetic has no WebGPU kernel). */
function tensorOf(ort: Ort, data: Float32Array | BigInt64Array, shape: readonly number[]): OrtTensor {
  return new ort.Tensor('float32', data instanceof BigInt64Array ? Float32Array.from(data, Number) : data, shape);
}

/**
 * A session of the training step with its state set to `initial` (every state input must be there). On WebGPU the
 * state outputs stay on the GPU; the session owns them and disposes each once the next step has replaced it. On wasm
 * it owns one buffer per state and copies each step's new state into it: a transferred buffer exists in one place
 * only, and the step's own outputs go to the caller, which keeps the last completed step while the next one runs.
 */
export async function createTrainingSession(
  step: Pick<TrainingStep, 'onnx' | 'inputs' | 'state' | 'masks'>,
  choice: BackendChoice,
  /** On wasm the session takes the float32 buffers over (it writes each step's state into them). */
  initial: StateValues,
  /** More session options (a verbose log level, to see where each node runs). */
  options: ortWasm.InferenceSession.SessionOptions = {},
): Promise<TrainingSession> {
  const onGpu = choice.backend === 'webgpu';
  const preferredOutputLocation: Record<string, 'gpu-buffer' | 'cpu'> = { loss: 'cpu', logits: 'cpu' };
  for (const s of step.state) preferredOutputLocation[s.output] = onGpu ? 'gpu-buffer' : 'cpu';
  // errors only, unless the caller asks for more (the placement log, in a test)
  const sessionOptions = { logSeverityLevel: 3 as const, ...options };
  const session = await createSession(step.onnx, choice, onGpu ? { ...sessionOptions, preferredOutputLocation } : sessionOptions);
  const { ort } = session;
  const inputShape = new Map(step.inputs.map((i) => [i.name, i.shape]));
  let state = new Map<string, OrtTensor>();
  for (const s of step.state) {
    const values = initial.get(s.input);
    if (!values) throw new Error(`the training step needs the initial value of '${s.input}'`);
    state.set(s.input, tensorOf(ort, values, s.shape));
  }
  const fetches = ['loss', 'logits', ...step.state.map((s) => s.output)];
  const int64 = new Set(step.state.filter((s) => s.type === 'int64').map((s) => s.input));
  let released = false;

  return {
    backend: choice.backend,
    async step(feeds: StepFeeds): Promise<StepResult> {
      if (released) throw new Error('the training session was released');
      const inputs: Record<string, OrtTensor> = {
        input: new ort.Tensor('float32', feeds.input, inputShape.get('input')!),
        labels: new ort.Tensor('float32', feeds.labels, inputShape.get('labels')!),
        lr: new ort.Tensor('float32', Float32Array.of(feeds.lr), []),
        step: new ort.Tensor('float32', Float32Array.of(feeds.step), []),
      };
      for (const m of step.masks) {
        const mask = feeds.masks?.[m.name];
        if (!mask) throw new Error(`the training step needs the dropout mask '${m.name}'`);
        inputs[m.name] = new ort.Tensor('float32', mask, m.shape);
      }
      for (const [name, t] of state) inputs[name] = t;
      const start = performance.now();
      const out = await session.session.run(inputs, fetches);
      const lossTensor = out.loss;
      const loss = Number((lossTensor.data as Float32Array)[0]);
      const logits = Float32Array.from(out.logits.data as Float32Array);
      const ms = performance.now() - start;
      if (onGpu) {
        const next = new Map<string, OrtTensor>();
        for (const s of step.state) next.set(s.input, out[s.output]);
        // the previous state is no longer needed once the step that read it has run
        for (const t of state.values()) t.dispose();
        state = next;
        return { loss, logits, ms };
      }
      const handed = new Map<string, Float32Array>();
      for (const s of step.state) {
        const data = out[s.output].data as Float32Array;
        (state.get(s.input)!.data as Float32Array).set(data);
        handed.set(s.input, data);
      }
      return { loss, logits, ms, state: handed };
    },
    async readState(names?: readonly string[]): Promise<StateValues> {
      const values: StateValues = new Map();
      for (const [name, t] of state) {
        if (names && !names.includes(name)) continue;
        values.set(name, stateValue(name, (await t.getData()) as Float32Array, int64, true));
      }
      return values;
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      if (onGpu) for (const t of state.values()) t.dispose();
      await session.release();
    },
  };
}
