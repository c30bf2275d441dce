// GELU: nn.GELU and F.gelu (a builtin whose `approximate` is keyword-only). Same shape as the input.
import type { Shape } from '../model/ir';
import { err, sameShapeRule } from './common';
import type { Args, ShapeErr, ShapeRule } from './types';

function checkApproximate(_x: Shape, a: Args): ShapeErr | undefined {
  return a.approximate === 'none' || a.approximate === 'tanh' ? undefined : err('approximate argument must be either none or tanh.');
}

export const geluRules: ShapeRule[] = [
  sameShapeRule('GELU', 'module', [{ name: 'approximate', default: 'none' }], { pyName: 'GELU.__init__' }, checkApproximate),
  sameShapeRule(
    'torch.nn.functional.gelu',
    'function',
    [{ name: 'approximate', default: 'none', kwOnly: true }],
    { pyName: 'gelu', native: {} },
    checkApproximate,
  ),
];
