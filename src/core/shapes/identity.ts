// nn.Identity: accepts and ignores any constructor arguments; returns its input.
import { sameShapeRule } from './common';
import type { ShapeRule } from './types';

export const identityRules: ShapeRule[] = [
  sameShapeRule(
    'Identity',
    'module',
    [
      { name: 'args', varargs: true },
      { name: 'kwargs', varkw: true },
    ],
    { pyName: 'Identity.__init__' },
  ),
];
