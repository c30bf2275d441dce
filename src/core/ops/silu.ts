// SiLU (swish): nn.SiLU and F.silu. Same shape as the input.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const siluRules: ShapeRule[] = [
  sameShapeRule('SiLU', 'module', [{ name: 'inplace', default: false }], { pyName: 'SiLU.__init__' }),
  sameShapeRule('torch.nn.functional.silu', 'function', [{ name: 'inplace', default: false }], { pyName: 'silu' }),
];

export const silu: OpDef = {
  key: 'silu',
  rules: siluRules,
  lower: (g, { inputs: [x], out }) => void g.op('Mul', [x, g.op('Sigmoid', [x])], {}, out),
  // silu_backward: dY * s * (1 + x * (1 - s)), s = sigmoid(x)
  backward(g, { inputs: [x], dOut }) {
    const s = g.op('Sigmoid', [x]);
    const inner = g.op('Add', [g.scalar(1), g.op('Mul', [x, g.op('Sub', [g.scalar(1), s])])]);
    return { inputs: [g.op('Mul', [dOut, g.op('Mul', [s, inner])])] };
  },
  traits: { perChannel: true, activation: true },
};
