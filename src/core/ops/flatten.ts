// Flatten: nn.Flatten (start_dim=1), torch.flatten and x.flatten() (start_dim=0).
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, numel, ok, oneInput, productFormula, wrapDim } from './common';
import type { Args, OpDef, ShapeResult, ShapeRule } from './types';
import { backwardReshape, lowerReshape } from './view';

function inferFlatten(op: string, inputs: Shape[], a: Args): ShapeResult {
  if (!isInt(a.start_dim)) return badArg(op, 'start_dim', a.start_dim, 'an int');
  if (!isInt(a.end_dim)) return badArg(op, 'end_dim', a.end_dim, 'an int');
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const start = wrapDim(a.start_dim, x.length);
  if (isErr(start)) return start;
  const end = wrapDim(a.end_dim, x.length);
  if (isErr(end)) return end;
  if (start > end) return err('flatten() has invalid args: start_dim cannot come after end_dim');
  if (x.length === 0) return ok([1]);
  if (start === end) return ok([...x]);
  const merged = x.slice(start, end + 1);
  return ok([...x.slice(0, start), numel(merged), ...x.slice(end + 1)], 0, 0, [productFormula(merged)]);
}

const flattenRules: ShapeRule[] = [
  {
    op: 'Flatten',
    kind: 'module',
    pyName: 'Flatten.__init__',
    signature: [
      { name: 'start_dim', default: 1 },
      { name: 'end_dim', default: -1 },
    ],
    infer: (inputs, args) => inferFlatten('Flatten', inputs, args),
  },
  {
    op: 'torch.flatten',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'flatten',
    // Other overloads: (input, int, int, name out_dim), (input, name, name, name), (input, names dims, name).
    native: { otherOverloads: [[4, 4], [4, 4], [3, 3]] },
    signature: [
      { name: 'start_dim', default: 0 },
      { name: 'end_dim', default: -1 },
    ],
    infer: (inputs, args) => inferFlatten('flatten', inputs, args),
  },
  {
    op: '.flatten',
    kind: 'method',
    pyName: 'flatten',
    native: { otherOverloads: [[3, 3], [3, 3], [2, 2]] },
    signature: [
      { name: 'start_dim', default: 0 },
      { name: 'end_dim', default: -1 },
    ],
    infer: (inputs, args) => inferFlatten('flatten', inputs, args),
  },
];

export const flatten: OpDef = {
  key: 'flatten',
  rules: flattenRules,
  title: (a) => (a.start_dim !== undefined && a.start_dim !== 1 ? [`start_dim=${a.start_dim}`] : []),
  lower: lowerReshape,
  backward: backwardReshape,
};
