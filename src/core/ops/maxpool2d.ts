// nn.MaxPool2d and F.max_pool2d: ATen's max_pool2d_with_indices meta checks and pooling_output_shape.
// With return_indices=True PyTorch returns (values, indices); the shape given is the values' (indices match).
import type { Shape } from '../types';
import { badArg, err, isErr, numel, oneInput, pair, pool2dOutput, poolList, poolWindow, truthy, ai, ais, astr, gradWhere, poolGeometry, putBackWindows, windowTitle } from './common';
import type { Args, OpDef, ShapeResult, ShapeRule } from './types';

function inferMaxPool2d(op: string, inputs: Shape[], a: Args): ShapeResult {
  const window = poolWindow(op, a);
  if (isErr(window)) return window;
  const { kernel, stride, padding } = window;
  const dilation = poolList(a.dilation);
  if (!dilation) return badArg(op, 'dilation', a.dilation, 'an int or a tuple of ints');
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;

  if (kernel.length !== 1 && kernel.length !== 2) {
    return err('max_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  }
  if (stride.length > 2) return err('max_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  if (padding.length !== 1 && padding.length !== 2) {
    return err('max_pool2d: padding must be either be a single int, or a tuple of two ints');
  }
  if (dilation.length !== 1 && dilation.length !== 2) {
    return err('max_pool2d: dilation must be either a single int, or a tuple of two ints');
  }
  if (x.length !== 3 && x.length !== 4) return err('non-empty 3D or 4D (batch mode) tensor expected for input');
  const k = pair(kernel);
  const s = stride.length === 0 ? k : pair(stride);
  return pool2dOutput(x, x[x.length - 3], k, s, pair(padding), pair(dilation), truthy(a.ceil_mode));
}

const maxPool2dRules: ShapeRule[] = [
  {
    op: 'MaxPool2d',
    kind: 'module',
    pyName: '_MaxPoolNd.__init__',
    signature: [
      { name: 'kernel_size' },
      { name: 'stride', default: null },
      { name: 'padding', default: 0 },
      { name: 'dilation', default: 1 },
      { name: 'return_indices', default: false },
      { name: 'ceil_mode', default: false },
    ],
    infer: (inputs, args) => inferMaxPool2d('MaxPool2d', inputs, args),
  },
  {
    // A boolean_dispatch wrapper; with return_indices=True Python names the callee max_pool2d_with_indices.
    op: 'torch.nn.functional.max_pool2d',
    kind: 'function',
    tensorInputs: 1,
    pyName: '_max_pool2d',
    signature: [
      { name: 'kernel_size' },
      { name: 'stride', default: null },
      { name: 'padding', default: 0 },
      { name: 'dilation', default: 1 },
      { name: 'ceil_mode', default: false },
      { name: 'return_indices', default: false },
    ],
    infer: (inputs, args) => inferMaxPool2d('max_pool2d', inputs, args),
  },
];

export const maxPool2d: OpDef = {
  key: 'max_pool2d',
  rules: maxPool2dRules,
  title: (a) => windowTitle(a, true),
  lower(g, { args: a, inputs: [x], inShapes: [inShape], outShape, out }) {
    if (truthy(a.return_indices)) g.fail('return_indices=True has no ONNX mapping here');
    const dilation = g.pair('dilation', a.dilation);
    const geo = poolGeometry(g, a, inShape, outShape, dilation);
    let input = x;
    let pads = [geo.padding[0], geo.padding[1], geo.end[0], geo.end[1]];
    if (pads.some((p, i) => p >= geo.kernel[i % 2])) {
      // onnxruntime wants pads smaller than the kernel: pad with -inf explicitly (a max never picks it)
      const padValues = g.intConst([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]);
      input = g.op('Pad', [x, padValues, g.scalar(-Infinity)], { mode: astr('constant') });
      pads = [0, 0, 0, 0];
    }
    const attributes = { dilations: ais(dilation), kernel_shape: ais(geo.kernel), pads: ais(pads), strides: ais(geo.stride) };
    if (g.mode === 'train' && g.target === 'cpu' && input === x) {
      // onnxruntime's CPU MaxPool gives where each maximum sat (the first in scan order, as PyTorch): the backward scatters there
      const [, indices] = g.opOutputs('MaxPool', [input], attributes, [out, null]);
      g.save('indices', indices!);
      return;
    }
    g.op('MaxPool', [input], attributes, out);
  },
  /*
   * The gradient of each output goes to the FIRST maximum of its window in scan order (rows, then columns), as
   * PyTorch's kernel picks it (`val > maxval` keeps the first of equal values: ties after ReLU are common).
   * MaxPool's Indices output has no WebGPU kernel, so: the input padded with -inf (padding and the ceil_mode
   * overhang never win), one strided Slice per window offset giving what that offset saw for every output,
   * Equal to the output marks where the maximum sat, And with "no earlier offset matched" keeps the first; each
   * offset's masked dY is one plane of a stack that one strided ConvTranspose with one-hot kernels puts back.
   */
  backward(g, { args: a, inputs: [x], inShapes: [inShape], outShape, out, dOut }) {
    const indices = g.saved('indices');
    if (indices) {
      // CPU: dY added at the flat input index of each window's maximum (overlapping windows sum, as PyTorch's kernel)
      const flat = g.intConst([-1]);
      const zeros = g.op('ConstantOfShape', [g.intConst([numel(inShape)])]);
      const dx = g.op('ScatterElements', [zeros, g.op('Reshape', [indices, flat]), g.op('Reshape', [dOut, flat])], { axis: ai(0), reduction: astr('add') });
      return { inputs: [g.op('Reshape', [dx, g.intConst([...inShape])])] };
    }
    const dilation = g.pair('dilation', a.dilation);
    const geo = poolGeometry(g, a, inShape, outShape, dilation);
    const [n, c] = inShape;
    const outHW: [number, number] = [outShape[2], outShape[3]];
    const eff: [number, number] = [0, 1].map((i) => dilation[i] * (geo.kernel[i] - 1) + 1) as [number, number];
    const end = [0, 1].map((i) => Math.max(0, geo.stride[i] * (outHW[i] - 1) + eff[i] - inShape[2 + i] - geo.padding[i]));
    const padded = g.op('Pad', [x, g.intConst([0, 0, geo.padding[0], geo.padding[1], 0, 0, end[0], end[1]]), g.scalar(-Infinity)], { mode: astr('constant') });
    const count = geo.kernel[0] * geo.kernel[1];
    const planes: string[] = [];
    const kernels = new Float32Array(count * eff[0] * eff[1]);
    let free: string | null = null;
    for (let kh = 0; kh < geo.kernel[0]; kh++) {
      for (let kw = 0; kw < geo.kernel[1]; kw++) {
        const start = [kh * dilation[0], kw * dilation[1]];
        const seen = g.op('Slice', [
          padded,
          g.intConst(start),
          g.intConst([0, 1].map((i) => start[i] + geo.stride[i] * (outHW[i] - 1) + 1)),
          g.intConst([2, 3]),
          g.intConst(geo.stride),
        ]);
        const isMax = g.op('Equal', [seen, out]);
        const first: string = free === null ? isMax : g.op('And', [isMax, free]);
        const index = planes.length;
        if (index < count - 1) {
          const notMax = g.op('Not', [isMax]);
          free = free === null ? notMax : g.op('And', [free, notMax]);
        }
        planes.push(g.op('Reshape', [gradWhere(g, first, dOut), g.intConst([n * c, 1, outHW[0], outHW[1]])]));
        kernels[(index * eff[0] + start[0]) * eff[1] + start[1]] = 1;
      }
    }
    const stacked = planes.length === 1 ? planes[0] : g.op('Concat', planes, { axis: ai(1) });
    const oneHot = g.floatConst(kernels, [count, 1, eff[0], eff[1]]);
    return { inputs: [putBackWindows(g, stacked, oneHot, geo.stride, eff, outHW, geo.padding, inShape)] };
  },
  traits: { perChannel: true },
};
