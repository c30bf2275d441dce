// ReLU in its four spellings: nn.ReLU, F.relu, torch.relu, x.relu(). Same shape as the input.
import { gradWhere, sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const reluRules: ShapeRule[] = [
  sameShapeRule('ReLU', 'module', [{ name: 'inplace', default: false }], { pyName: 'ReLU.__init__' }),
  sameShapeRule('torch.nn.functional.relu', 'function', [{ name: 'inplace', default: false }], { pyName: 'relu' }),
  sameShapeRule('torch.relu', 'function', [], { pyName: 'relu', native: {} }),
  sameShapeRule('.relu', 'method', [], { pyName: '_TensorBase.relu', native: { noArgs: true } }),
];

export const relu: OpDef = {
  key: 'relu',
  rules: reluRules,
  lower: (g, { inputs: [x], out }) => void g.op('Relu', [x], {}, out),
  // threshold_backward on the result: dY where y > 0
  backward: (g, { out, dOut }) => ({ inputs: [gradWhere(g, g.op('Greater', [out, g.scalar(0)]), dOut)] }),
  traits: { perChannel: true, activation: true, keepsScores: true },
};
