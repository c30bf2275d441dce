// Softmax: nn.Softmax, F.softmax, torch.softmax, x.softmax(). Same shape as the input; dim must exist.
import type { Shape } from '../types';
import { badArg, isErr, isInt, ok, oneInput, wrapDim, ai, axisOf, reduceSum } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

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

const softmaxRules: ShapeRule[] = [
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

/** The axis of a softmax-like op: dim=None is 0 for 0-, 1- and 3-D inputs, else 1 (PyTorch's legacy rule). */
export function softmaxAxis(g: OnnxEmitter, dim: unknown, rank: number): number {
  return axisOf(g, typeof dim === 'number' ? dim : rank === 0 || rank === 1 || rank === 3 ? 0 : 1, rank);
}

export const softmax: OpDef = {
  key: 'softmax',
  rules: softmaxRules,
  lower: (g, { args, inputs: [x], inShapes: [s], out }) => void g.op('Softmax', [x], { axis: ai(softmaxAxis(g, args.dim, s.length)) }, out),
  // _softmax_backward_data: y * (dY - sum(dY * y))
  backward(g, { args, inShapes: [s], out, dOut }) {
    const sum = reduceSum(g, g.op('Mul', [dOut, out]), [softmaxAxis(g, args.dim, s.length)], true);
    return { inputs: [g.op('Mul', [out, g.op('Sub', [dOut, sum])])] };
  },
  traits: { keepsScores: true },
};
