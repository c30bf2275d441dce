// SiLU (swish): nn.SiLU and F.silu. Same shape as the input.
import { sameShapeRule } from './common';
import type { ShapeRule } from './types';

export const siluRules: ShapeRule[] = [
  sameShapeRule('SiLU', 'module', [{ name: 'inplace', default: false }], { pyName: 'SiLU.__init__' }),
  sameShapeRule('torch.nn.functional.silu', 'function', [{ name: 'inplace', default: false }], { pyName: 'silu' }),
];
