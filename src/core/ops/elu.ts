// ELU: nn.ELU and F.elu (alpha). Same shape as the input.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const signature = [
  { name: 'alpha', default: 1.0 },
  { name: 'inplace', default: false },
];

const eluRules: ShapeRule[] = [
  sameShapeRule('ELU', 'module', signature, { pyName: 'ELU.__init__' }),
  sameShapeRule('torch.nn.functional.elu', 'function', signature, { pyName: 'elu' }),
];

export const elu: OpDef = {
  key: 'elu',
  rules: eluRules,
  title: (a) => (a.alpha === undefined || a.alpha === 1 ? [] : [`α=${a.alpha}`]),
  // x > 0 ? x : alpha * (exp(x) - 1), from primitives (onnxruntime-web's WebGPU EP has no Elu kernel)
  lower(g, { args, inputs: [x], out }) {
    const alpha = g.num('alpha', args.alpha);
    const negative = g.op('Mul', [g.op('Sub', [g.op('Exp', [x]), g.scalar(1)]), g.scalar(alpha)]);
    g.op('Where', [g.op('Greater', [x, g.scalar(0)]), x, negative], {}, out);
  },
  // elu_backward on the input: x > 0 ? dY : dY * alpha * exp(x)
  backward(g, { args, inputs: [x], dOut }) {
    const alpha = g.num('alpha', args.alpha);
    const slope = g.op('Mul', [g.op('Exp', [x]), g.scalar(alpha)]);
    return { inputs: [g.op('Where', [g.op('Greater', [x, g.scalar(0)]), dOut, g.op('Mul', [dOut, slope])])] };
  },
  traits: { perChannel: true, activation: true },
};
