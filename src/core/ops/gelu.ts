// GELU: nn.GELU and F.gelu (a builtin whose `approximate` is keyword-only). Same shape as the input.
import type { Shape } from '../types';
import { err, sameShapeRule } from './common';
import type { Args, OpDef, ShapeErr, ShapeRule } from './types';

function checkApproximate(_x: Shape, a: Args): ShapeErr | undefined {
  return a.approximate === 'none' || a.approximate === 'tanh' ? undefined : err('approximate argument must be either none or tanh.');
}

const geluRules: ShapeRule[] = [
  sameShapeRule('GELU', 'module', [{ name: 'approximate', default: 'none' }], { pyName: 'GELU.__init__' }, checkApproximate),
  sameShapeRule(
    'torch.nn.functional.gelu',
    'function',
    [{ name: 'approximate', default: 'none', kwOnly: true }],
    { pyName: 'gelu', native: {} },
    checkApproximate,
  ),
];

export const gelu: OpDef = {
  key: 'gelu',
  rules: geluRules,
  lower(g, { args: a, inputs: [x], out }) {
    const half = g.op('Mul', [x, g.scalar(0.5)]);
    if (a.approximate === 'tanh') {
      // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
      const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
      const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
      g.op('Mul', [half, g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])], {}, out);
      return;
    }
    if (a.approximate !== 'none' && a.approximate !== undefined) g.fail(`approximate='${String(a.approximate)}' is not 'none' or 'tanh'`);
    // 0.5 * x * (1 + erf(x / sqrt(2))); opset 13 has no Gelu
    const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
    g.op('Mul', [half, g.op('Add', [erf, g.scalar(1)])], {}, out);
  },
  traits: { perChannel: true, activation: true },
};
