// ReLU6: nn.ReLU6 and F.relu6. Same shape as the input.
import { gradWhere, sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const relu6Rules: ShapeRule[] = [
  sameShapeRule('ReLU6', 'module', [{ name: 'inplace', default: false }], { pyName: 'ReLU6.__init__' }),
  sameShapeRule('torch.nn.functional.relu6', 'function', [{ name: 'inplace', default: false }], { pyName: 'relu6' }),
];

export const relu6: OpDef = {
  key: 'relu6',
  rules: relu6Rules,
  lower: (g, { inputs: [x], out }) => void g.op('Clip', [x, g.scalar(0), g.scalar(6)], {}, out),
  // hardtanh_backward: dY strictly inside (0, 6), 0 at and beyond the bounds
  backward: (g, { inputs: [x], dOut }) => ({
    inputs: [gradWhere(g, g.op('And', [g.op('Greater', [x, g.scalar(0)]), g.op('Less', [x, g.scalar(6)])]), dOut)],
  }),
  traits: { perChannel: true, activation: true },
};
