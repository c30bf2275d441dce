// nn.Identity: accepts and ignores any constructor arguments; returns its input. An empty nn.Sequential (a ResNet's
// identity shortcut) is called as one.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const identityRules: ShapeRule[] = [
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

export const identity: OpDef = {
  key: 'identity',
  rules: identityRules,
  alsoSpelled: ['Sequential'],
  lower: (g, { inputs: [x], out }) => void g.op('Identity', [x], {}, out),
  backward: (_g, { dOut }) => ({ inputs: [dOut] }),
  traits: { perChannel: true, keepsScores: true },
};
