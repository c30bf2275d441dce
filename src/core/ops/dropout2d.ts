// Dropout2d (channel dropout): nn.Dropout2d and F.dropout2d. Same shape as the input; PyTorch 1.13 only warns
// about inputs other than 3-D/4-D, but feature dropout fails below 2-D when it actually runs (training, p > 0).
import type { Shape } from '../types';
import { err, numel, sameShapeRule, truthy } from './common';
import { backwardDropout, checkDropoutP, lowerDropout } from './dropout';
import type { Args, OpDef, ShapeErr, ShapeRule } from './types';

function checkFeatureDropout(op: string, x: Shape, a: Args, training: boolean): ShapeErr | undefined {
  const bad = checkDropoutP(op, a);
  if (bad) return bad;
  if (x.length < 2 && training && a.p !== 0 && numel(x) > 0) {
    return err('Feature dropout requires at least 2 dimensions in the input');
  }
  return undefined;
}

const dropout2dRules: ShapeRule[] = [
  sameShapeRule(
    'Dropout2d',
    'module',
    [
      { name: 'p', default: 0.5 },
      { name: 'inplace', default: false },
    ],
    { pyName: '_DropoutNd.__init__' },
    (x, a) => checkFeatureDropout('Dropout2d', x, a, true),
  ),
  sameShapeRule(
    'torch.nn.functional.dropout2d',
    'function',
    [
      { name: 'p', default: 0.5 },
      { name: 'training', default: true },
      { name: 'inplace', default: false },
    ],
    { pyName: 'dropout2d' },
    (x, a) => checkFeatureDropout('dropout2d', x, a, truthy(a.training)),
  ),
];

export const dropout2d: OpDef = {
  key: 'dropout2d',
  rules: dropout2dRules,
  title: (a) => (a.p === undefined ? [] : [`p=${a.p}`]),
  // eval mode: the identity; train mode: one mask value per (sample, channel), broadcast over H, W
  lower(g, call) {
    const [x] = call.inShapes;
    if (g.mode === 'train') g.rank4(x, 'Dropout2d in training');
    lowerDropout(g, call, [x[0], x[1], 1, 1]);
  },
  backward: backwardDropout,
  traits: { perChannel: true, keepsScores: true },
};
