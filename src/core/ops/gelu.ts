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
  // gelu_backward as ATen writes it for both approximations
  backward(g, { args: a, inputs: [x], dOut }) {
    const mul = (p: string, q: string) => g.op('Mul', [p, q]);
    const add = (p: string, q: string) => g.op('Add', [p, q]);
    if (a.approximate === 'tanh') {
      const beta = Math.sqrt(2 / Math.PI);
      const kappa = 0.044715;
      const sq = mul(x, x);
      const inner = mul(add(x, mul(mul(sq, x), g.scalar(kappa))), g.scalar(beta));
      const t = g.op('Tanh', [inner]);
      const leftDerivative = mul(g.scalar(0.5), add(t, g.scalar(1)));
      const innerDerivative = mul(g.scalar(beta), add(g.scalar(1), mul(sq, g.scalar(3 * kappa))));
      const rightDerivative = mul(mul(mul(x, g.scalar(0.5)), g.op('Sub', [g.scalar(1), mul(t, t)])), innerDerivative);
      return { inputs: [mul(dOut, add(leftDerivative, rightDerivative))] };
    }
    // cdf + x * pdf: 0.5 * (1 + erf(x / sqrt 2)) + x * exp(-x^2 / 2) / sqrt(2 pi)
    const cdf = mul(g.scalar(0.5), add(g.op('Erf', [mul(x, g.scalar(Math.SQRT1_2))]), g.scalar(1)));
    const pdf = mul(g.op('Exp', [mul(mul(x, x), g.scalar(-0.5))]), g.scalar(1 / Math.sqrt(2 * Math.PI)));
    return { inputs: [mul(dOut, add(cdf, mul(x, pdf)))] };
  },
  traits: { perChannel: true, activation: true },
};
