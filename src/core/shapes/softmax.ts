// Softmax: nn.Softmax, F.softmax, torch.softmax, x.softmax(). Same shape as the input; dim must exist.
import type { Shape } from '../model/ir';
import { badArg, isErr, isInt, ok, oneInput, wrapDim } from './common';
import type { Args, ShapeResult, ShapeRule } from './types';

/** Softmax-like ops: dim=None picks PyTorch's legacy implicit dim (0 for 0-D, 1-D and 3-D inputs, else 1). */
export function inferSoftmaxLike(op: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  let dim = a.dim;
  if (dim === null || dim === undefined) dim = x.length === 0 || x.length === 1 || x.length === 3 ? 0 : 1;
  if (!isInt(dim)) return badArg(op, 'dim', a.dim, 'an int');
  const wrapped = wrapDim(dim, x.length);
  if (isErr(wrapped)) return wrapped;
  return ok([...x]);
}

export const softmaxRules: ShapeRule[] = [
  {
    op: 'Softmax',
    kind: 'module',
    pyName: 'Softmax.__init__',
    signature: [{ name: 'dim', default: null }],
    infer: (inputs, args) => inferSoftmaxLike('Softmax', inputs, args),
  },
  {
    op: 'torch.nn.functional.softmax',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'softmax',
    signature: [
      { name: 'dim', default: null },
      { name: '_stacklevel', default: 3 },
      { name: 'dtype', default: null },
    ],
    infer: (inputs, args) => inferSoftmaxLike('softmax', inputs, args),
  },
  {
    op: 'torch.softmax',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'softmax',
    // The other overload takes a dim name: (input, name dim, *, dtype).
    native: { otherOverloads: [[2, 3]] },
    signature: [
      { name: 'dim' },
      { name: 'dtype', default: null },
      { name: 'out', default: null, kwOnly: true },
    ],
    infer: (inputs, args) => inferSoftmaxLike('softmax', inputs, args),
  },
  {
    op: '.softmax',
    kind: 'method',
    pyName: 'softmax',
    native: { otherOverloads: [[1, 2]] },
    signature: [
      { name: 'dim' },
      { name: 'dtype', default: null },
    ],
    infer: (inputs, args) => inferSoftmaxLike('softmax', inputs, args),
  },
];
