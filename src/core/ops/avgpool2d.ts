// nn.AvgPool2d and F.avg_pool2d: ATen's avg_pool2d meta checks and pooling_output_shape (dilation 1).
// count_include_pad and divisor_override change values, not shapes.
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, oneInput, pair, pool2dOutput, poolList, poolWindow, truthy, wrapDim, ai, ais, astr, poolGeometry, putBackWindows, windowTitle } from './common';
import type { Args, OpDef, Param, ShapeResult, ShapeRule } from './types';

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

const avgPool2dRules: ShapeRule[] = [
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

export const avgPool2d: OpDef = {
  key: 'avg_pool2d',
  rules: avgPool2dRules,
  title: (a) => windowTitle(a, true),
  lower(g, { args: a, inputs: [x], inShapes: [inShape], outShape, out }) {
    if (a.divisor_override !== null && a.divisor_override !== undefined) {
      g.fail(`divisor_override=${String(a.divisor_override)} has no ONNX equivalent (AveragePool always divides by the window size)`);
    }
    const geo = poolGeometry(g, a, inShape, outShape, [1, 1]);
    const attrs = (pads: number[]) => ({ count_include_pad: ai(0), kernel_shape: ais(geo.kernel), pads: ais(pads), strides: ais(geo.stride) });
    const [ph, pw] = geo.padding;
    const [eh, ew] = geo.end;
    if (truthy(a.count_include_pad) && (ph > 0 || pw > 0)) {
      // PyTorch counts the zero padding but not the ceil_mode overhang: pad with zeros, then average the valid part
      const padded = g.op('Pad', [x, g.intConst([0, 0, ph, pw, 0, 0, ph, pw])], { mode: astr('constant') });
      g.op('AveragePool', [padded], attrs([0, 0, eh - ph, ew - pw]), out);
      return;
    }
    g.op('AveragePool', [x], attrs([ph, pw, eh, ew]), out);
  },
  // dY divided by each window's divisor (ATen's: count_include_pad counts the zero padding but not the ceil_mode
  // overhang), put back over each window with one strided ConvTranspose of a kernel of ones
  backward(g, { args: a, inShapes: [inShape], outShape, dOut }) {
    if (a.divisor_override !== null && a.divisor_override !== undefined) g.fail('divisor_override has no backward here');
    const geo = poolGeometry(g, a, inShape, outShape, [1, 1]);
    const [n, c, h, w] = inShape;
    const outHW: [number, number] = [outShape[2], outShape[3]];
    const includePad = truthy(a.count_include_pad);
    const divisors = new Float32Array(outHW[0] * outHW[1]);
    const span = (o: number, i: number): number => {
      const size = [h, w][i];
      const start = o * geo.stride[i] - geo.padding[i];
      const end = Math.min(start + geo.kernel[i], size + geo.padding[i]);
      return includePad ? end - start : Math.min(end, size) - Math.max(start, 0);
    };
    for (let oh = 0; oh < outHW[0]; oh++) for (let ow = 0; ow < outHW[1]; ow++) divisors[oh * outHW[1] + ow] = span(oh, 0) * span(ow, 1);
    const scaled = g.op('Div', [dOut, g.floatConst(divisors, outHW)]);
    const stacked = g.op('Reshape', [scaled, g.intConst([n * c, 1, outHW[0], outHW[1]])]);
    const ones = g.floatConst(new Float32Array(geo.kernel[0] * geo.kernel[1]).fill(1), [1, 1, geo.kernel[0], geo.kernel[1]]);
    return { inputs: [putBackWindows(g, stacked, ones, geo.stride, geo.kernel, outHW, geo.padding, inShape)] };
  },
  traits: { perChannel: true },
};
