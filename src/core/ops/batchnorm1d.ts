// nn.BatchNorm1d in training mode: [N, C] or [N, C, L]; everything else as BatchNorm2d (batchnorm2d.ts).
import { BATCH_NORM_SIGNATURE, batchNormCommon, inferBatchNorm } from './batchnorm2d';
import { ai, truthy } from './common';
import type { BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeRule } from './types';

const batchNorm1dRules: ShapeRule[] = [
  {
    op: 'BatchNorm1d',
    kind: 'module',
    pyName: '_BatchNorm.__init__',
    signature: BATCH_NORM_SIGNATURE,
    infer: (inputs, args) => inferBatchNorm('BatchNorm1d', inputs, args, (n) => (n !== 2 && n !== 3 ? `expected 2D or 3D input (got ${n}D input)` : null)),
  },
];

/**
 * Eval mode, as the ONNX forward (running statistics): y = (x - mean) * invstd * w + b, so dx = dy * w * invstd,
 * dw = sum(dy * (x - mean) * invstd), db = sum(dy), summed over every dim but the channels.
 */
function backwardBatchNorm1d(g: OnnxEmitter, { args: a, inputs: [x], inShapes: [s], dOut }: BackwardCall): Gradients {
  if (!truthy(a.track_running_stats)) g.fail('the gradient through batch statistics (track_running_stats=False) is not built');
  const c = g.int('num_features', a.num_features);
  const perChannel = g.intConst(s.map((_, i) => (i === 1 ? c : 1)));
  const channel = (name: string) => g.op('Reshape', [g.param(name, [c]), perChannel]);
  const invstd = g.op('Div', [g.scalar(1), g.op('Sqrt', [g.op('Add', [channel('running_var'), g.scalar(g.num('eps', a.eps))])])]);
  const axes = g.intConst(s.map((_, i) => i).filter((i) => i !== 1));
  if (!truthy(a.affine)) return { inputs: [g.op('Mul', [dOut, invstd])] };
  const xhat = g.op('Mul', [g.op('Sub', [x, channel('running_mean')]), invstd]);
  return {
    inputs: [g.op('Mul', [dOut, g.op('Mul', [channel('weight'), invstd])])],
    params: {
      weight: g.op('ReduceSum', [g.op('Mul', [dOut, xhat]), axes], { keepdims: ai(0) }),
      bias: g.op('ReduceSum', [dOut, axes], { keepdims: ai(0) }),
    },
  };
}

export const batchNorm1d: OpDef = {
  key: 'batch_norm1d',
  rules: batchNorm1dRules,
  ...batchNormCommon,
  backward: backwardBatchNorm1d,
};
