// nn.Conv2d: constructor checks of _ConvNd.__init__, then F.pad (non-zero padding modes) and ATen's convolution checks.
import type { Shape } from '../types';
import {
  badArg,
  err,
  floorDiv,
  fmtShape,
  intList,
  isErr,
  isInt,
  numel,
  ok,
  oneInput,
  pyMod,
  pyStr,
  pyRepr,
  spatialFormula,
  truthy,
  ai,
  ais,
  reduceSum,
  windowTitle,
  astr,
} from './common';
import { padBackward, padForward, type PadMode } from './pad';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

// Python prints these sets in hash order; this is the order torch 1.13 printed them in (PYTHONHASHSEED=0).
const PADDING_STRINGS = "{'same', 'valid'}";
const PADDING_MODES = "{'replicate', 'reflect', 'zeros', 'circular'}";

function inferConv2d(inputs: Shape[], a: Args): ShapeResult {
  const op = 'Conv2d';
  const { in_channels: inC, out_channels: outC, groups } = a;
  if (!isInt(inC)) return badArg(op, 'in_channels', inC, 'an int');
  if (!isInt(outC)) return badArg(op, 'out_channels', outC, 'an int');
  if (!isInt(groups)) return badArg(op, 'groups', groups, 'an int');
  const kernel = intList(a.kernel_size, 2);
  if (!kernel || kernel.length === 0) return badArg(op, 'kernel_size', a.kernel_size, 'an int or a tuple of ints');
  const stride = intList(a.stride, 2);
  if (!stride || stride.length === 0) return badArg(op, 'stride', a.stride, 'an int or a tuple of ints');
  const dilation = intList(a.dilation, 2);
  if (!dilation || dilation.length === 0) return badArg(op, 'dilation', a.dilation, 'an int or a tuple of ints');
  const paddingMode = a.padding_mode;
  const paddingString = typeof a.padding === 'string' ? a.padding : null;
  const paddingInts = paddingString === null ? intList(a.padding, 2) : null;
  if (paddingString === null && (!paddingInts || paddingInts.length === 0)) {
    return badArg(op, 'padding', a.padding, "an int, a tuple of ints, 'same' or 'valid'");
  }

  // _ConvNd.__init__
  if (groups <= 0) return err('groups must be a positive integer');
  if (pyMod(inC, groups) !== 0) return err('in_channels must be divisible by groups');
  if (pyMod(outC, groups) !== 0) return err('out_channels must be divisible by groups');
  if (paddingString !== null) {
    if (paddingString !== 'same' && paddingString !== 'valid') {
      return err(`Invalid padding string ${pyRepr(paddingString)}, should be one of ${PADDING_STRINGS}`);
    }
    if (paddingString === 'same' && stride.some((s) => s !== 1)) {
      return err("padding='same' is not supported for strided convolutions");
    }
  }
  if (typeof paddingMode !== 'string' || !['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode)) {
    return err(`padding_mode must be one of ${PADDING_MODES}, but got padding_mode='${pyStr(paddingMode)}'`);
  }
  const weight = [outC, floorDiv(inC, groups), ...kernel];
  const negative = weight.find((d) => d < 0);
  if (negative !== undefined) return err(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(weight)}`);
  const hasBias = truthy(a.bias);
  const params = numel(weight) + (hasBias ? outC : 0);

  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const kd = kernel.length;

  // Padding as [left, right] per spatial dim (H, W); 'same' pads d*(k-1) in total, the extra one on the right.
  const same = paddingString === 'same';
  const lr: Array<[number, number]> = kernel.map((k, i) => {
    if (paddingString === 'valid') return [0, 0];
    if (same) {
      const d = dilation.length === 1 ? dilation[0] : dilation[i] ?? 1;
      const total = d * (k - 1);
      const left = floorDiv(total, 2);
      return [left, total - left];
    }
    const p = paddingInts!.length === 1 ? paddingInts![0] : paddingInts![i] ?? 0;
    return [p, p];
  });

  let padded: Shape = x;
  let convPadding: number[] = paddingInts ?? kernel.map(() => 0);
  const formulaPadding = lr.map(([l]) => l);
  if (paddingMode !== 'zeros') {
    // Module.forward: F.pad(input, reversed padding, mode), then a convolution without padding.
    const padErr = checkPad(x, paddingMode, lr);
    if (padErr) return err(padErr);
    padded = x.map((d, i) => {
      const spatial = i - (x.length - kd);
      return spatial >= 0 ? d + lr[spatial][0] + lr[spatial][1] : d;
    });
    convPadding = kernel.map(() => 0);
  }

  if (x.length !== 3 && x.length !== 4) {
    return err(`Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${fmtShape(x)}`);
  }
  if (same && paddingMode === 'zeros') {
    // F.conv2d(padding='same') pads the odd extra on the right first, then pads symmetrically.
    padded = x.map((d, i) => {
      const spatial = i - (x.length - kd);
      return spatial >= 0 ? d + lr[spatial][1] - lr[spatial][0] : d;
    });
    convPadding = lr.map(([l]) => l);
  }
  const batched = padded.length === 4 ? padded : [1, ...padded];

  // at::_convolution: stride / padding / output_padding / dilation must match the kernel's dims.
  const expand = (label: string, v: number[]): number[] | string => {
    if (v.length === 1) return Array(kd).fill(v[0]);
    if (v.length !== kd) {
      return `expected ${label} to be a single integer value or a list of ${kd} values to match the convolution dimensions, but got ${label}=${fmtShape(v)}`;
    }
    return v;
  };
  const s = expand('stride', stride);
  if (typeof s === 'string') return err(s);
  const p = expand('padding', convPadding);
  if (typeof p === 'string') return err(p);
  const op2 = expand('output_padding', [0, 0]);
  if (typeof op2 === 'string') return err(op2);
  const d = expand('dilation', dilation);
  if (typeof d === 'string') return err(d);
  if (kd !== 2) return err(`${op}: kernel_size must have 2 elements, got ${pyRepr(a.kernel_size)}`);

  // check_shape_forward
  if (p.some((v) => v < 0)) return err('negative padding is not supported');
  if (s.some((v) => v <= 0)) return err('non-positive stride is not supported');
  if (outC === 0) {
    return err(`Given groups=${groups}, expected weight to be at least 1 at dimension 0, but got weight of size ${fmtShape(weight)} instead`);
  }
  const expectedC = weight[1] * groups;
  if (batched[1] !== expectedC) {
    return err(
      `Given groups=${groups}, weight of size ${fmtShape(weight)}, expected input${fmtShape(batched)} to have ${expectedC} channels, but got ${batched[1]} channels instead`,
    );
  }
  const paddedIn = [0, 1].map((i) => batched[2 + i] + 2 * p[i]);
  const effective = [0, 1].map((i) => d[i] * (kernel[i] - 1) + 1);
  if (paddedIn.some((v, i) => v < effective[i])) {
    return err(
      `Calculated padded input size per channel: (${paddedIn.join(' x ')}). Kernel size: (${effective.join(' x ')}). Kernel size can't be greater than actual input size`,
    );
  }
  if (d.some((v) => v <= 0)) return err(`dilation should be greater than zero, but got ${fmtShape(d)}`);
  if (kernel.some((v) => v <= 0)) {
    return err(`kernel size should be greater than zero, but got kernel_height: ${kernel[0]} kernel_width: ${kernel[1]}`);
  }

  const outHW = [0, 1].map((i) => floorDiv(batched[2 + i] + 2 * p[i] - d[i] * (kernel[i] - 1) - 1, s[i]) + 1);
  const output = x.length === 4 ? [batched[0], outC, ...outHW] : [outC, ...outHW];
  const perOutput = weight[1] * kernel[0] * kernel[1];
  const macs = numel(output) * perOutput;

  const formula = (['H', 'W'] as const).map((label, i) => {
    const inDim = x[x.length - 2 + i];
    if (same) return `${label}: padding='same', stride 1: ${inDim} -> ${outHW[i]}`;
    return spatialFormula(label, inDim, formulaPadding[i], d[i], kernel[i], s[i], outHW[i]);
  });
  formula.push(`params: ${outC}*${weight[1]}*${kernel[0]}*${kernel[1]}${hasBias ? ` + ${outC}` : ''} = ${params}`);
  formula.push(`MACs: ${numel(output)} outputs * ${weight[1]}*${kernel[0]}*${kernel[1]} = ${macs}`);
  return ok(output, params, macs, formula);
}

/** F.pad's checks for the non-zero padding modes with a 4-element pad (left/right of W, then of H). */
function checkPad(x: Shape, mode: string, lr: Array<[number, number]>): string | null {
  if (x.length < 2) return 'Padding length too large';
  if (x.length !== 3 && x.length !== 4) return 'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now';
  if (lr.length !== 2) return null;
  const ndim = x.length;
  if (mode === 'reflect') {
    const [wl, wr] = lr[1];
    if (!(wl < x[ndim - 1] && wr < x[ndim - 1])) {
      return `Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${wl}, ${wr}) at dimension ${ndim - 1} of input ${ndim}`;
    }
    const [hl, hr] = lr[0];
    if (!(hl < x[ndim - 2] && hr < x[ndim - 2])) {
      return `Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (${hl}, ${hr}) at dimension ${ndim - 2} of input ${ndim}`;
    }
  } else if (mode === 'circular') {
    if (ndim === 3) return 'Invalid padding size, expected 2 but got 4';
    if (lr.some(([l, r], i) => l > x[2 + i] || r > x[2 + i])) return 'Padding value causes wrapping around more than once.';
  }
  return null;
}

const conv2dRules: ShapeRule[] = [
  {
    op: 'Conv2d',
    kind: 'module',
    pyName: 'Conv2d.__init__',
    signature: [
      { name: 'in_channels' },
      { name: 'out_channels' },
      { name: 'kernel_size' },
      { name: 'stride', default: 1 },
      { name: 'padding', default: 0 },
      { name: 'dilation', default: 1 },
      { name: 'groups', default: 1 },
      { name: 'bias', default: true },
      { name: 'padding_mode', default: 'zeros' },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: inferConv2d,
  },
];

/** [begin, end] padding of H and W: 'valid', 'same' (the odd extra at the end) or ints. */
function padsOf(g: OnnxEmitter, a: Args, kernel: [number, number], dilation: [number, number]): [number, number][] {
  if (a.padding === 'valid') return [[0, 0], [0, 0]];
  if (a.padding === 'same') {
    return [0, 1].map((i) => {
      const total = dilation[i] * (kernel[i] - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
    });
  }
  const p = g.pair('padding', a.padding);
  return [[p[0], p[0]], [p[1], p[1]]];
}

/** F.pad of H and W with a non-zero padding mode (src/core/ops/pad.ts), as Module.forward pads before a conv without padding. */
function padSpatial(g: OnnxEmitter, x: string, shape: Shape, lr: [number, number][], mode: string): string {
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') return g.fail(`padding_mode='${mode}' has no ONNX mapping`);
  return padForward(g, x, shape, [[0, 0], [0, 0], ...lr], mode);
}

/** A Conv2d call's arguments as ints, with [begin, end] padding of H and W. */
function convArgs(g: OnnxEmitter, a: Args) {
  const kernel = g.pair('kernel_size', a.kernel_size);
  const dilation = g.pair('dilation', a.dilation);
  return {
    inC: g.int('in_channels', a.in_channels),
    outC: g.int('out_channels', a.out_channels),
    groups: g.int('groups', a.groups),
    kernel,
    stride: g.pair('stride', a.stride),
    dilation,
    lr: padsOf(g, a, kernel, dilation),
  };
}

function lowerConv2d(g: OnnxEmitter, { args: a, inputs: [x], inShapes: [inShape], out }: LowerCall): void {
  g.rank4(inShape, 'Conv2d');
  const { inC, outC, groups, kernel, stride, dilation, lr } = convArgs(g, a);
  const weight = g.param('weight', [outC, inC / groups, kernel[0], kernel[1]]);
  const bias = truthy(a.bias) ? [g.param('bias', [outC])] : [];
  let input = x;
  let pads = [lr[0][0], lr[1][0], lr[0][1], lr[1][1]];
  const mode = a.padding_mode ?? 'zeros';
  if (mode !== 'zeros' && pads.some((p) => p !== 0)) {
    input = padSpatial(g, x, inShape, lr, String(mode));
    g.save('padded', input);
    pads = [0, 0, 0, 0];
  }
  g.op('Conv', [input, weight, ...bias], { dilations: ais(dilation), group: ai(groups), kernel_shape: ais(kernel), pads: ais(pads), strides: ais(stride) }, out);
}

/*
 * Conv2d backward, PyTorch's semantics, ONNX ops with WebGPU kernels only:
 * - dX: one ConvTranspose of dY with the same weight, strides, dilations, groups and pads; output_padding adds the
 *   rows a stride that does not divide (H + pads - effective kernel) dropped, so dX has the input's size exactly.
 * - dW: one Conv over the batch: the input as [C/G, G*N, H, W] (channels <-> batch) convolved with dY as
 *   [O, N, OH, OW] in G groups, stride and dilation swapped; gives [C/G, O, kh', kw'], cropped to the kernel
 *   (kh' > kh where a stride does not divide) and transposed to [O, C/G, kh, kw]. Exact for groups without the
 *   G-fold waste of a full cross-channel product, and no im2col buffer of N*OH*OW*C*kh*kw.
 * - db: ReduceSum of dY over N, H, W.
 * On the CPU (target 'cpu') a unit-stride, ungrouped convolution takes dW as one Gemm per kernel offset instead
 * (weightGradByOffset): the Conv above runs one tiny-N GEMM per input channel there, up to 1.8x slower measured.
 */
function backwardConv2d(g: OnnxEmitter, { args: a, inputs: [x], inShapes: [inShape], outShape, dOut, needsGrad }: BackwardCall): Gradients {
  const { inC, outC, groups, kernel, stride, dilation, lr } = convArgs(g, a);
  const weight = g.param('weight', [outC, inC / groups, kernel[0], kernel[1]]);
  const [n, , h, w] = inShape;
  const [oh, ow] = [outShape[2], outShape[3]];
  const pads = [lr[0][0], lr[1][0], lr[0][1], lr[1][1]];
  const eff = [0, 1].map((i) => dilation[i] * (kernel[i] - 1) + 1);
  let dx: string | null = null;
  if (needsGrad[0]) {
    const outputPadding = [0, 1].map((i) => [h, w][i] + lr[i][0] + lr[i][1] - (stride[i] * ([oh, ow][i] - 1) + eff[i]));
    dx = g.op('ConvTranspose', [dOut, weight], {
      dilations: ais(dilation),
      group: ai(groups),
      kernel_shape: ais(kernel),
      output_padding: ais(outputPadding),
      pads: ais(pads),
      strides: ais(stride),
    });
  }
  const params: Record<string, string> = {};
  if (truthy(a.bias)) params.bias = reduceSum(g, dOut, [0, 2, 3], false);
  if (g.target === 'cpu' && groups === 1 && stride[0] === 1 && stride[1] === 1) {
    return { inputs: [dx], params: { weight: weightGradByOffset(g, x, dOut, inShape, [oh, ow], kernel, dilation, pads), ...params } };
  }
  const cg = inC / groups;
  const xt =
    groups === 1
      ? g.op('Transpose', [x], { perm: ais([1, 0, 2, 3]) })
      : g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [x, g.intConst([n, groups, cg, h, w])])], { perm: ais([2, 1, 0, 3, 4]) }), g.intConst([cg, groups * n, h, w])]);
  const dyt = g.op('Transpose', [dOut], { perm: ais([1, 0, 2, 3]) });
  let dw = g.op('Conv', [xt, dyt], { dilations: ais(stride), group: ai(groups), kernel_shape: ais([oh, ow]), pads: ais(pads), strides: ais(dilation) });
  const full = [0, 1].map((i) => Math.floor(([h, w][i] + lr[i][0] + lr[i][1] - stride[i] * ([oh, ow][i] - 1) - 1) / dilation[i]) + 1);
  if (full[0] > kernel[0] || full[1] > kernel[1]) dw = g.op('Slice', [dw, g.intConst([0, 0]), g.intConst(kernel), g.intConst([2, 3])]);
  return { inputs: [dx], params: { weight: g.op('Transpose', [dw], { perm: ais([1, 0, 2, 3]) }), ...params } };
}

/**
 * dW of a unit-stride, ungrouped convolution as Gemms: the zero-padded input as [C, H', W', N]; per kernel offset
 * (i, j), its Slice [C, OH, OW, N] against dY as [O, OH*OW*N] gives dW[:, :, i, j] = dY x^T (one [O, C] Gemm);
 * the kh*kw results stacked on the last axis are [O, C, kh, kw]. No im2col buffer is assembled.
 */
function weightGradByOffset(g: OnnxEmitter, x: string, dOut: string, inShape: Shape, outHW: [number, number], kernel: [number, number], dilation: [number, number], pads: number[]): string {
  const [n, c] = inShape;
  const [oh, ow] = outHW;
  // batch innermost: each window's Slice copies runs of OW*N values, not of OW (measured 5% of the step)
  const toCHWN = { perm: ais([1, 2, 3, 0]) };
  let xt = g.op('Transpose', [x], toCHWN);
  if (pads.some((p) => p > 0)) xt = g.op('Pad', [xt, g.intConst([0, pads[0], pads[1], 0, 0, pads[2], pads[3], 0])], { mode: astr('constant') });
  const rows = g.op('Reshape', [g.op('Transpose', [dOut], toCHWN), g.intConst([-1, n * oh * ow])]);
  const columns = g.intConst([c, n * oh * ow]);
  const last = g.intConst([2]);
  const parts: string[] = [];
  for (let i = 0; i < kernel[0]; i++) {
    for (let j = 0; j < kernel[1]; j++) {
      const start = [i * dilation[0], j * dilation[1]];
      const seen = g.op('Slice', [xt, g.intConst(start), g.intConst([start[0] + oh, start[1] + ow]), g.intConst([1, 2])]);
      parts.push(g.op('Unsqueeze', [g.op('Gemm', [rows, g.op('Reshape', [seen, columns])], { transB: ai(1) }), last]));
    }
  }
  return g.op('Reshape', [parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: ai(2) }), g.intConst([-1, c, kernel[0], kernel[1]])]);
}

/**
 * padding_mode reflect, replicate or circular: the backward of the convolution without padding over the padded
 * input (as lowered), then F.pad's backward (pad.ts) folds the border's gradient back onto the input.
 */
function backwardPaddingMode(g: OnnxEmitter, call: BackwardCall): Gradients {
  const { args: a, inputs: [x], inShapes: [inShape] } = call;
  const mode = a.padding_mode ?? 'zeros';
  const { lr } = convArgs(g, a);
  if (mode === 'zeros' || lr.every(([b, e]) => b === 0 && e === 0)) return backwardConv2d(g, call);
  const padded = g.saved('padded') ?? padSpatial(g, x, inShape, lr, String(mode));
  const paddedShape = inShape.map((d, i) => (i < 2 ? d : d + lr[i - 2][0] + lr[i - 2][1]));
  const inner = backwardConv2d(g, { ...call, args: { ...a, padding: 0, padding_mode: 'zeros' }, inputs: [padded], inShapes: [paddedShape] });
  const dPadded = inner.inputs[0];
  return { ...inner, inputs: [dPadded && padBackward(g, dPadded, inShape, [[0, 0], [0, 0], ...lr], mode as PadMode)] };
}

export const conv2d: OpDef = {
  key: 'conv2d',
  rules: conv2dRules,
  title: (a) => windowTitle(a, false),
  params(a) {
    const out = Number(a.out_channels);
    const [kh, kw] = intList(a.kernel_size, 2) ?? [NaN, NaN];
    const k = [kh, kw ?? kh];
    const params = [{ name: 'weight', shape: [out, Number(a.in_channels) / Number(a.groups), k[0], k[1]] }];
    if (truthy(a.bias)) params.push({ name: 'bias', shape: [out] });
    return params;
  },
  lower: lowerConv2d,
  backward: backwardPaddingMode,
};
