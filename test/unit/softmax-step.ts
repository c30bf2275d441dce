// A hand-written training step for the Trainer's tests, independent of the graph builder (src/core/training/step.ts):
// softmax regression `Flatten -> Linear` with one dropout mask on the flattened input, F.cross_entropy (mean) and
// SGD with momentum (buf = m*buf + grad; w -= lr*buf), in the contract of src/core/training/types.ts.
import { type OnnxNode, type OnnxTensor, encodeModel } from '../../src/core/onnx/model-proto';
import type { TrainingStep } from '../../src/core/training/types';

export const MOMENTUM = 0.9;

export function softmaxStep(opts: { batch: number; features: number[]; classes: number; p: number; prefix: string }): TrainingStep {
  const { batch: B, classes: K, p, prefix } = opts;
  const D = opts.features.reduce((a, b) => a * b, 1);
  const W = `${prefix}.weight`;
  const b = `${prefix}.bias`;
  const n = (opType: string, inputs: string[], outputs: string[], attributes: OnnxNode['attributes'] = {}): OnnxNode => ({ opType, inputs, outputs, name: outputs[0]!, attributes });
  const f = (name: string, v: number[], dims: number[]): OnnxTensor => ({ name, dims, data: Float32Array.from(v) });
  const nodes: OnnxNode[] = [
    n('Flatten', ['input'], ['x'], { axis: { type: 'int', value: 1 } }),
    n('Mul', ['x', 'mask.x'], ['xd']),
    n('Gemm', ['xd', W, b], ['logits'], { transB: { type: 'int', value: 1 } }),
    n('LogSoftmax', ['logits'], ['logp'], { axis: { type: 'int', value: 1 } }),
    n('Reshape', ['labels', 'column'], ['labelcol']),
    n('Equal', ['labelcol', 'classes'], ['hit']),
    n('Cast', ['hit'], ['onehot'], { to: { type: 'int', value: 1 } }),
    n('Mul', ['onehot', 'logp'], ['picked']),
    n('ReduceSum', ['picked'], ['sum'], { keepdims: { type: 'int', value: 0 } }),
    n('Neg', ['sum'], ['negsum']),
    n('Div', ['negsum', 'B'], ['loss']),
    n('Exp', ['logp'], ['prob']),
    n('Sub', ['prob', 'onehot'], ['diff']),
    n('Div', ['diff', 'B'], ['g']),
    n('Gemm', ['g', 'xd'], ['dW'], { transA: { type: 'int', value: 1 } }),
    n('ReduceSum', ['g', 'axis0'], ['db'], { keepdims: { type: 'int', value: 0 } }),
  ];
  for (const [param, grad] of [[W, 'dW'], [b, 'db']] as const) {
    nodes.push(n('Mul', [`${param}.momentum_buffer`, 'm'], [`${param}.mbuf`]));
    nodes.push(n('Add', [`${param}.mbuf`, grad], [`${param}.momentum_buffer.next`]));
    nodes.push(n('Mul', [`${param}.momentum_buffer.next`, 'lr'], [`${param}.delta`]));
    nodes.push(n('Sub', [param, `${param}.delta`], [`${param}.next`]));
  }
  const shapes: Record<string, number[]> = { [W]: [K, D], [b]: [K] };
  const state: TrainingStep['state'] = [];
  for (const param of [W, b]) {
    state.push({ input: param, output: `${param}.next`, shape: shapes[param]!, type: 'float32', kind: 'param' });
    state.push({ input: `${param}.momentum_buffer`, output: `${param}.momentum_buffer.next`, shape: shapes[param]!, type: 'float32', kind: 'optimizer' });
  }
  const inputs: TrainingStep['inputs'] = [
    { name: 'input', type: 'float32', shape: [B, ...opts.features] },
    { name: 'labels', type: 'float32', shape: [B] },
    { name: 'lr', type: 'float32', shape: [] },
    { name: 'step', type: 'float32', shape: [] },
    { name: 'mask.x', type: 'float32', shape: [B, D] },
    ...state.map((s) => ({ name: s.input, type: s.type, shape: s.shape })),
  ];
  const outputs: TrainingStep['outputs'] = [
    { name: 'loss', type: 'float32', shape: [] },
    { name: 'logits', type: 'float32', shape: [B, K] },
    ...state.map((s) => ({ name: s.output, type: s.type, shape: s.shape })),
  ];
  const onnx = encodeModel({
    irVersion: 7, opset: 13, producerName: 'test', producerVersion: '0', metadata: {},
    graph: {
      name: 'softmax-step', nodes, valueInfo: [],
      initializers: [
        f('B', [B], []), f('m', [MOMENTUM], []),
        f('classes', Array.from({ length: K }, (_, k) => k), [1, K]),
        { name: 'column', dims: [2], data: BigInt64Array.of(BigInt(B), 1n) },
        { name: 'axis0', dims: [1], data: BigInt64Array.of(0n) },
      ],
      inputs: inputs.map((i) => ({ name: i.name, dims: i.shape, type: i.type })),
      outputs: outputs.map((o) => ({ name: o.name, dims: o.shape, type: o.type })),
    },
  });
  return { onnx, inputs, outputs, state, masks: [{ name: 'mask.x', shape: [B, D], p }] };
}
