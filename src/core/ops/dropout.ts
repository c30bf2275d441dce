// Dropout: nn.Dropout and F.dropout. Same shape as the input; p must lie in [0, 1].
import type { Shape } from '../types';
import { badArg, err, isNumber, pyRepr, sameShapeRule } from './common';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeErr, ShapeRule } from './types';

/** _DropoutNd.__init__ / F.dropout's check on p. */
export function checkDropoutP(op: string, a: Args): ShapeErr | undefined {
  const p = typeof a.p === 'boolean' ? Number(a.p) : a.p;
  if (!isNumber(p)) return badArg(op, 'p', a.p, 'a number');
  if (p < 0 || p > 1) return err(`dropout probability has to be between 0 and 1, but got ${pyRepr(a.p)}`);
  return undefined;
}

/** Dropout's forward: a mask of `maskShape` from the runtime in train mode, unless F.dropout says training=False. */
export function lowerDropout(g: OnnxEmitter, { args: a, inputs: [x], out }: LowerCall, maskShape: number[]): void {
  const p = g.num('p', a.p);
  const mask = a.training === false || p === 0 ? null : g.mask(maskShape, p);
  if (!mask) {
    g.op('Identity', [x], {}, out);
    return;
  }
  g.save('mask', mask);
  g.op('Mul', [x, mask], {}, out);
}

/** dY * mask: what the forward dropped gets no gradient, the rest is scaled as the forward scaled it. */
export function backwardDropout(g: OnnxEmitter, { dOut }: BackwardCall): Gradients {
  const mask = g.saved('mask');
  return { inputs: [mask ? g.op('Mul', [dOut, mask]) : dOut] };
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
  // eval mode: the identity; train mode: x * mask (0 or 1/(1-p) per element, fed by the runtime)
  lower: (g, call) => lowerDropout(g, call, call.outShape),
  backward: backwardDropout,
  traits: { perChannel: true, keepsScores: true },
};
