// LeakyReLU: nn.LeakyReLU and F.leaky_relu. Same shape as the input.
import { sameShapeRule, af } from './common';
import type { OpDef, ShapeRule } from './types';

const signature = [
  { name: 'negative_slope', default: 0.01 },
  { name: 'inplace', default: false },
];

const leakyReluRules: ShapeRule[] = [
  sameShapeRule('LeakyReLU', 'module', signature, { pyName: 'LeakyReLU.__init__' }),
  sameShapeRule('torch.nn.functional.leaky_relu', 'function', signature, { pyName: 'leaky_relu' }),
];

export const leakyRelu: OpDef = {
  key: 'leaky_relu',
  rules: leakyReluRules,
  lower: (g, { args, inputs: [x], out }) => void g.op('LeakyRelu', [x], { alpha: af(g.num('negative_slope', args.negative_slope)) }, out),
  // leaky_relu_backward: x > 0 ? dY : dY * negative_slope
  backward: (g, { args, inputs: [x], dOut }) => ({
    inputs: [g.op('Where', [g.op('Greater', [x, g.scalar(0)]), dOut, g.op('Mul', [dOut, g.scalar(g.num('negative_slope', args.negative_slope))])])],
  }),
  traits: { perChannel: true, activation: true },
};
