// Hardsigmoid: nn.Hardsigmoid and F.hardsigmoid, relu6(x + 3) / 6. Same shape as the input.
import { sameShapeRule } from './common';
import type { OnnxEmitter, OpDef, ShapeRule } from './types';

const hardsigmoidRules: ShapeRule[] = [
  sameShapeRule('Hardsigmoid', 'module', [{ name: 'inplace', default: false }], { pyName: 'Hardsigmoid.__init__' }),
  sameShapeRule('torch.nn.functional.hardsigmoid', 'function', [{ name: 'inplace', default: false }], { pyName: 'hardsigmoid' }),
];

/** min(max(x + 3, 0), 6) / 6 as PyTorch's kernel computes it (ONNX's HardSigmoid scales first: x/6 + 0.5). */
export function hardsigmoidOf(g: OnnxEmitter, x: string, out?: string): string {
  return g.op('Div', [g.op('Clip', [g.op('Add', [x, g.scalar(3)]), g.scalar(0), g.scalar(6)]), g.scalar(6)], {}, out);
}

/** 1/6 where -3 < x < 3, else 0 (PyTorch's hardsigmoid_backward: the open interval). */
export function hardsigmoidSlope(g: OnnxEmitter, x: string): string {
  const inside = g.op('Less', [g.op('Abs', [x]), g.scalar(3)]);
  return g.op('Where', [inside, g.scalar(1 / 6), g.scalar(0)]);
}

export const hardsigmoid: OpDef = {
  key: 'hardsigmoid',
  rules: hardsigmoidRules,
  lower: (g, { inputs: [x], out }) => void hardsigmoidOf(g, x, out),
  backward: (g, { inputs: [x], dOut }) => ({ inputs: [g.op('Mul', [dOut, hardsigmoidSlope(g, x)])] }),
  traits: { perChannel: true, activation: true },
};
