// Sigmoid in its four spellings: nn.Sigmoid, F.sigmoid, torch.sigmoid, x.sigmoid(). Same shape as the input.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const sigmoidRules: ShapeRule[] = [
  // nn.Sigmoid has no __init__ of its own: Python reports Module.__init__.
  sameShapeRule('Sigmoid', 'module', [], { pyName: 'Module.__init__' }),
  sameShapeRule('torch.nn.functional.sigmoid', 'function', [], { pyName: 'sigmoid' }),
  sameShapeRule('torch.sigmoid', 'function', [{ name: 'out', default: null, kwOnly: true }], { pyName: 'sigmoid', native: {} }),
  sameShapeRule('.sigmoid', 'method', [], { pyName: '_TensorBase.sigmoid', native: { noArgs: true } }),
];

export const sigmoid: OpDef = {
  key: 'sigmoid',
  rules: sigmoidRules,
  lower: (g, { inputs: [x], out }) => void g.op('Sigmoid', [x], {}, out),
  // sigmoid_backward: dY * y * (1 - y)
  backward: (g, { out, dOut }) => ({ inputs: [g.op('Mul', [dOut, g.op('Mul', [out, g.op('Sub', [g.scalar(1), out])])])] }),
  traits: { perChannel: true, activation: true },
};
