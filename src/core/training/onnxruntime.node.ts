/** Node-only: the Trainer's runtime on onnxruntime-node (CPU): the step graph and eval models as InferenceSessions. */
import type * as Ort from 'onnxruntime-node';
import type { CreateEvalSession, Feeds, RunStep } from './trainer';

export const NODE_BACKEND = 'onnxruntime-node (cpu)';

/** onnxruntime-node, loaded on first use: importing this file costs the CLI nothing until it trains. */
const runtime = (): Promise<typeof Ort> => import('onnxruntime-node');

/**
 * Threads wait without spinning: as fast on an idle machine, and on a busy one (the editor, other jobs) a spinning
 * thread takes the core the other needs (measured: a seed AlexNet step 540 ms instead of 840 ms at load 6 on 2 CPUs).
 */
function sessionOptions(threads?: number): Ort.InferenceSession.SessionOptions {
  return { ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}), extra: { session: { intra_op: { allow_spinning: '0' } } } };
}

/** An InferenceSession of the step graph as a RunStep; `release` frees it. */
export async function nodeStepRunner(onnx: Uint8Array, threads?: number): Promise<{ run: RunStep; release: () => Promise<void> }> {
  const ort = await runtime();
  const session = await ort.InferenceSession.create(onnx, sessionOptions(threads));
  const run: RunStep = async (feeds) => {
    const inputs: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.type, t.data, t.dims);
    const out = await session.run(inputs);
    const result: Feeds = {};
    for (const [name, t] of Object.entries(out)) {
      result[name] = { type: t.type === 'int64' ? 'int64' : 'float32', data: t.data as Float32Array | BigInt64Array, dims: [...t.dims] };
    }
    return result;
  };
  return { run, release: () => session.release() };
}

export function nodeEvalSession(threads?: number): CreateEvalSession {
  return async (onnx) => {
    const ort = await runtime();
    const session = await ort.InferenceSession.create(onnx, sessionOptions(threads));
    return {
      run: async (input, dims) => (await session.run({ input: new ort.Tensor('float32', input, dims) })).logits!.data as Float32Array,
      release: () => session.release(),
    };
  };
}
