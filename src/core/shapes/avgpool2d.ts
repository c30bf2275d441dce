// nn.AvgPool2d and F.avg_pool2d: ATen's avg_pool2d meta checks and pooling_output_shape (dilation 1).
// count_include_pad and divisor_override change values, not shapes.
import type { Shape } from '../model/ir';
import { badArg, err, isErr, isInt, oneInput, pair, pool2dOutput, poolList, poolWindow, truthy, wrapDim } from './common';
import type { Args, Param, ShapeResult, ShapeRule } from './types';

function inferAvgPool2d(op: string, inputs: Shape[], a: Args): ShapeResult {
  const window = poolWindow(op, a);
  if (isErr(window)) return window;
  const { kernel, stride, padding } = window;
  const divisor = a.divisor_override;
  if (divisor !== null && divisor !== undefined && !isInt(divisor)) {
    return badArg(op, 'divisor_override', divisor, 'an int or None');
  }
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;

  if (kernel.length !== 1 && kernel.length !== 2) {
    return err('avg_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  }
  if (stride.length > 2) return err('avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  if (padding.length !== 1 && padding.length !== 2) {
    return err('avg_pool2d: padding must either be a single int, or a tuple of two ints');
  }
  if (divisor === 0) return err('divisor must be not zero');
  // input.size(-3) etc. are read before the shape check: a 2-D input fails on the dim lookup.
  const planesDim = wrapDim(-3, x.length, false);
  if (isErr(planesDim)) return planesDim;
  const k = pair(kernel);
  const s = stride.length === 0 ? k : pair(stride);
  return pool2dOutput(x, x[planesDim], k, s, pair(padding), [1, 1], truthy(a.ceil_mode));
}

/** nn.AvgPool2d's constructor and F.avg_pool2d take the same arguments after the input. */
const AVG_POOL_PARAMS: Param[] = [
  { name: 'kernel_size' },
  { name: 'stride', default: null },
  { name: 'padding', default: 0 },
  { name: 'ceil_mode', default: false },
  { name: 'count_include_pad', default: true },
  { name: 'divisor_override', default: null },
];

export const avgPool2dRules: ShapeRule[] = [
  {
    op: 'AvgPool2d',
    kind: 'module',
    pyName: 'AvgPool2d.__init__',
    signature: AVG_POOL_PARAMS,
    infer: (inputs, args) => inferAvgPool2d('AvgPool2d', inputs, args),
  },
  {
    op: 'torch.nn.functional.avg_pool2d',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'avg_pool2d',
    native: {},
    signature: AVG_POOL_PARAMS,
    infer: (inputs, args) => inferAvgPool2d('avg_pool2d', inputs, args),
  },
];
