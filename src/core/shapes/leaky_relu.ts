// LeakyReLU: nn.LeakyReLU and F.leaky_relu. Same shape as the input.
import { sameShapeRule } from './common';
import type { ShapeRule } from './types';

const signature = [
  { name: 'negative_slope', default: 0.01 },
  { name: 'inplace', default: false },
];

export const leakyReluRules: ShapeRule[] = [
  sameShapeRule('LeakyReLU', 'module', signature, { pyName: 'LeakyReLU.__init__' }),
  sameShapeRule('torch.nn.functional.leaky_relu', 'function', signature, { pyName: 'leaky_relu' }),
];
