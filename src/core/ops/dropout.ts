// Dropout: nn.Dropout and F.dropout. Same shape as the input; p must lie in [0, 1].
import type { Shape } from '../types';
import { badArg, err, isNumber, pyRepr, sameShapeRule } from './common';
import type { Args, OpDef, ShapeErr, ShapeRule } from './types';

/** _DropoutNd.__init__ / F.dropout's check on p. */
export function checkDropoutP(op: string, a: Args): ShapeErr | undefined {
  const p = typeof a.p === 'boolean' ? Number(a.p) : a.p;
  if (!isNumber(p)) return badArg(op, 'p', a.p, 'a number');
  if (p < 0 || p > 1) return err(`dropout probability has to be between 0 and 1, but got ${pyRepr(a.p)}`);
  return undefined;
}

const dropoutRules: ShapeRule[] = [
  sameShapeRule(
    'Dropout',
    'module',
    [
      { name: 'p', default: 0.5 },
      { name: 'inplace', default: false },
    ],
    { pyName: '_DropoutNd.__init__' },
    (_x: Shape, a) => checkDropoutP('Dropout', a),
  ),
  sameShapeRule(
    'torch.nn.functional.dropout',
    'function',
    [
      { name: 'p', default: 0.5 },
      { name: 'training', default: true },
      { name: 'inplace', default: false },
    ],
    { pyName: 'dropout' },
    (_x: Shape, a) => checkDropoutP('dropout', a),
  ),
];

export const dropout: OpDef = {
  key: 'dropout',
  rules: dropoutRules,
  title: (a) => (a.p === undefined ? [] : [`p=${a.p}`]),
  // eval mode: the identity
  lower: (g, { inputs: [x], out }) => void g.op('Identity', [x], {}, out),
  traits: { perChannel: true, keepsScores: true },
};
