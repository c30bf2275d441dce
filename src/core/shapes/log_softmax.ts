// LogSoftmax: nn.LogSoftmax, F.log_softmax, torch.log_softmax. Same shape as the input; dim must exist.
import { inferSoftmaxLike } from './softmax';
import type { ShapeRule } from './types';

export const logSoftmaxRules: ShapeRule[] = [
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
