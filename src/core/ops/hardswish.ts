// Hardswish: nn.Hardswish and F.hardswish, x * relu6(x + 3) / 6 (MobileNetV3). Same shape as the input.
import { sameShapeRule } from './common';
import type { OpDef, ShapeRule } from './types';

const hardswishRules: ShapeRule[] = [
  sameShapeRule('Hardswish', 'module', [{ name: 'inplace', default: false }], { pyName: 'Hardswish.__init__' }),
  sameShapeRule('torch.nn.functional.hardswish', 'function', [{ name: 'inplace', default: false }], { pyName: 'hardswish' }),
];

export const hardswish: OpDef = {
  key: 'hardswish',
  rules: hardswishRules,
  // x * min(max(x + 3, 0), 6) / 6, multiplied before dividing as PyTorch's kernel does (ONNX HardSwish needs opset 14)
  lower(g, { inputs: [x], out }) {
    const relu6 = g.op('Clip', [g.op('Add', [x, g.scalar(3)]), g.scalar(0), g.scalar(6)]);
    g.op('Div', [g.op('Mul', [x, relu6]), g.scalar(6)], {}, out);
  },
  // PyTorch's hardswish_backward: 0 below -3, x/3 + 1/2 up to 3 (inclusive), 1 above
  backward(g, { inputs: [x], dOut }) {
    const middle = g.op('Add', [g.op('Div', [x, g.scalar(3)]), g.scalar(0.5)]);
    const upper = g.op('Where', [g.op('LessOrEqual', [x, g.scalar(3)]), middle, g.scalar(1)]);
    const slope = g.op('Where', [g.op('Less', [x, g.scalar(-3)]), g.scalar(0), upper]);
    return { inputs: [g.op('Mul', [dOut, slope])] };
  },
  traits: { perChannel: true, activation: true },
};
