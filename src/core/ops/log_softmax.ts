// LogSoftmax: nn.LogSoftmax, F.log_softmax, torch.log_softmax. Same shape as the input; dim must exist.
import { inferSoftmaxLike, softmaxAxis } from './softmax';
import { ai, ais, reduceSum } from './common';
import type { OpDef, ShapeRule } from './types';

const logSoftmaxRules: ShapeRule[] = [
  {
    op: 'LogSoftmax',
    kind: 'module',
    pyName: 'LogSoftmax.__init__',
    signature: [{ name: 'dim', default: null }],
    infer: (inputs, args) => inferSoftmaxLike('LogSoftmax', inputs, args),
  },
  {
    op: 'torch.nn.functional.log_softmax',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'log_softmax',
    signature: [
      { name: 'dim', default: null },
      { name: '_stacklevel', default: 3 },
      { name: 'dtype', default: null },
    ],
    infer: (inputs, args) => inferSoftmaxLike('log_softmax', inputs, args),
  },
  {
    op: 'torch.log_softmax',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'log_softmax',
    native: { otherOverloads: [[2, 3]] },
    signature: [
      { name: 'dim' },
      { name: 'dtype', default: null },
      { name: 'out', default: null, kwOnly: true },
    ],
    infer: (inputs, args) => inferSoftmaxLike('log_softmax', inputs, args),
  },
];

export const logSoftmax: OpDef = {
  key: 'log_softmax',
  rules: logSoftmaxRules,
  lower(g, { args, inputs: [x], inShapes: [s], out }) {
    // x - max - log(sum(exp(x - max))), as PyTorch computes it; WebGPU has no LogSoftmax kernel
    const axis = softmaxAxis(g, args.dim, s.length);
    const shifted = g.op('Sub', [x, g.op('ReduceMax', [x], { axes: ais([axis]), keepdims: ai(1) })]);
    const sum = g.op('ReduceSum', [g.op('Exp', [shifted]), g.intConst([axis])], { keepdims: ai(1) });
    g.op('Sub', [shifted, g.op('Log', [sum])], {}, out);
  },
  // _log_softmax_backward_data: dY - exp(y) * sum(dY)
  backward(g, { args, inShapes: [s], out, dOut }) {
    const sum = reduceSum(g, dOut, [softmaxAxis(g, args.dim, s.length)], true);
    return { inputs: [g.op('Sub', [dOut, g.op('Mul', [g.op('Exp', [out]), sum])])] };
  },
  traits: { keepsScores: true },
};
