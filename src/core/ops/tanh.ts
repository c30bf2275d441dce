// Tanh in its four spellings: nn.Tanh, F.tanh, torch.tanh, x.tanh(). Same shape as the input.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const tanhRules: ShapeRule[] = [
  // nn.Tanh has no __init__ of its own: Python reports Module.__init__.
  sameShapeRule('Tanh', 'module', [], { pyName: 'Module.__init__' }),
  sameShapeRule('torch.nn.functional.tanh', 'function', [], { pyName: 'tanh' }),
  sameShapeRule('torch.tanh', 'function', [{ name: 'out', default: null, kwOnly: true }], { pyName: 'tanh', native: {} }),
  sameShapeRule('.tanh', 'method', [], { pyName: '_TensorBase.tanh', native: { noArgs: true } }),
];

export const tanh: OpDef = {
  key: 'tanh',
  rules: tanhRules,
  lower: (g, { inputs: [x], out }) => void g.op('Tanh', [x], {}, out),
  // tanh_backward: dY * (1 - y^2)
  backward: (g, { out, dOut }) => ({ inputs: [g.op('Mul', [dOut, g.op('Sub', [g.scalar(1), g.op('Mul', [out, out])])])] }),
  traits: { perChannel: true, activation: true },
};
