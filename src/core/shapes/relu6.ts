// ReLU6: nn.ReLU6 and F.relu6. Same shape as the input.
import { sameShapeRule } from './common';
import type { ShapeRule } from './types';

export const relu6Rules: ShapeRule[] = [
  sameShapeRule('ReLU6', 'module', [{ name: 'inplace', default: false }], { pyName: 'ReLU6.__init__' }),
  sameShapeRule('torch.nn.functional.relu6', 'function', [{ name: 'inplace', default: false }], { pyName: 'relu6' }),
];
