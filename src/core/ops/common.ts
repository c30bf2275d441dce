// Shared arithmetic, argument coercion and message helpers for the shape rules (one rule file per op).
//
// Cost convention, followed by every rule:
// - params: the exact trainable parameter count, as PyTorch's `sum(p.numel() for p in m.parameters())`.
//   Conv2d: Cout*(Cin/groups)*kH*kW (+ Cout with bias); Linear: in*out (+ out with bias);
//   BatchNorm2d: 2*C when affine, else 0; pooling, LRN, activations, dropout, softmax, flatten, identity: 0.
//   Functional calls (F.relu, torch.cat, ...) and tensor methods own no parameters: 0.
// - macs: multiply-accumulates of weight layers only (like torchinfo's Mult-Adds for conv/linear), for the
//   whole batch of the input:
//   Conv2d: N*Cout*Hout*Wout*(Cin/groups)*kH*kW  (N = 1 for an unbatched input),
//   Linear: (numel(output) / out_features) * in_features * out_features.
//   BatchNorm2d, activations, pooling, dropout, softmax, LRN, add, cat, view: 0.
// Shapes are batch-first and computed exactly as PyTorch 1.13 does (floor division, ceil_mode rules);
// errors carry PyTorch's own wording where PyTorch raises, and this project's wording (prefixed with the op)
// for argument values PyTorch would reject in ways not modelled here (wrong types).
import type { Attribute } from '../onnx/model-proto';
import type { ArgValue, Shape } from '../types';
import type { Args, OnnxEmitter, ShapeErr, ShapeOk, ShapeResult, ShapeRule } from './types';

export function ok(output: Shape, params = 0, macs = 0, formula?: string[]): ShapeOk {
  return formula && formula.length > 0 ? { output, params, macs, formula } : { output, params, macs };
}

export function err(error: string): ShapeErr {
  return { error };
}

export function isErr(v: unknown): v is ShapeErr {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as ShapeErr).error === 'string';
}

/** "[1, 3, 224, 224]", as PyTorch prints sizes. */
export function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

export function numel(s: readonly number[]): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

/** An int argument: a finite integral number (Python's bool is not accepted as one here). */
export function isInt(v: ArgValue | undefined): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function isNumber(v: ArgValue | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Python truthiness of a constant. */
export function truthy(v: ArgValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  return v;
}

/** Python's repr() of a constant (arrays print as tuples). */
export function pyRepr(v: ArgValue | undefined): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return String(v);
  if (v.length === 1) return `(${pyRepr(v[0])},)`;
  return `(${v.map(pyRepr).join(', ')})`;
}

/** Python's str() of a constant. */
export function pyStr(v: ArgValue | undefined): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Python's type name of a constant, as torch's "invalid combination" message prints it. */
export function pyTypeName(v: ArgValue | undefined): string {
  if (v === undefined || v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'tuple';
}

/** Python's // (floor division). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Python's % (sign of the divisor). */
export function pyMod(a: number, b: number): number {
  return a - b * Math.floor(a / b);
}

/** C++ integer division (truncation toward zero), as ATen's checks compute it. */
export function truncDiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** ATen's maybe_wrap_dim: a dim in [-n, n-1] becomes non-negative; a 0-D tensor counts as 1-D unless wrapScalar is false. */
export function wrapDim(dim: number, ndim: number, wrapScalar = true): number | ShapeErr {
  if (ndim === 0 && !wrapScalar) return err(`Dimension specified as ${dim} but tensor has no dimensions`);
  const n = Math.max(ndim, 1);
  if (dim < -n || dim > n - 1) {
    return err(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/**
 * An int or a list/tuple of ints as a list: `expand` copies a single int that many times (Python's _pair);
 * a list is returned as is, whatever its length (callers check it, as PyTorch does). null when not ints.
 */
export function intList(v: ArgValue | undefined, expand: number): number[] | null {
  if (isInt(v)) return Array(expand).fill(v);
  if (Array.isArray(v) && v.every(isInt)) return v as number[];
  return null;
}

/** Our wording for an argument PyTorch rejects by type (not modelled message for message). */
export function badArg(op: string, name: string, v: ArgValue | undefined, expected: string): ShapeErr {
  return err(`${op}: ${name} must be ${expected}, got ${pyRepr(v)}`);
}

/** The one input tensor of a single-input op, or an error when the evaluator passed none. */
export function oneInput(op: string, inputs: Shape[]): Shape | ShapeErr {
  const x = inputs[0];
  if (!Array.isArray(x) || !x.every((d) => Number.isInteger(d) && d >= 0)) return err(`${op}: expected an input tensor`);
  return x;
}

/** Output size of one pooling dim, exactly as ATen's pooling_output_shape_pad_lr (div_rtn = floor division). */
export function poolOutputSize(
  input: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): { size: number; adjusted: boolean } {
  let size = floorDiv(input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0), stride) + 1;
  let adjusted = false;
  // The last pooling window must start inside the input or the left padding.
  if (ceilMode && (size - 1) * stride >= input + pad) {
    size--;
    adjusted = true;
  }
  return { size, adjusted };
}

/** ATen's pooling_output_shape: its checks, then the size. */
export function checkedPoolOutputSize(
  input: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): { size: number; adjusted: boolean } | ShapeErr {
  if (stride === 0) return err('stride should not be zero');
  if (pad < 0) return err(`pad must be non-negative, but got pad: ${pad}`);
  if (pad > truncDiv(kernel, 2)) {
    return err(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${kernel}`);
  }
  return poolOutputSize(input, kernel, pad, stride, dilation, ceilMode);
}

/** "H: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55", the floor (or ceil) division written out with its numbers. */
export function spatialFormula(
  label: string,
  input: number,
  pad: number,
  dilation: number,
  kernel: number,
  stride: number,
  output: number,
  ceilMode = false,
  adjusted = false,
): string {
  const expr = `(${input} + 2*${pad} - ${dilation}*(${kernel}-1) - 1) / ${stride}`;
  if (!ceilMode) return `${label}: ${expr} + 1 = ${output}`;
  const ceiled = adjusted ? output + 1 : output;
  const adjustment = adjusted ? ` - 1 = ${output} (the last window would start in the right padding)` : '';
  return `${label}: ceil(${expr}) + 1 = ${ceiled}${adjustment}`;
}

/** torch's broadcasting (infer_size): the result shape or PyTorch's mismatch message. */
export function broadcastShapes(a: Shape, b: Shape): Shape | ShapeErr {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const offset = n - 1 - i;
    const da = a.length - 1 - offset;
    const db = b.length - 1 - offset;
    const sa = da >= 0 ? a[da] : 1;
    const sb = db >= 0 ? b[db] : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      return err(`The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`);
    }
    out[i] = sa === 1 ? sb : sa;
  }
  return out;
}

/** "128*6*6 = 4608". */
export function productFormula(dims: readonly number[]): string {
  return `${dims.join('*')} = ${numel(dims)}`;
}

/**
 * A rule whose output has its input's shape and which owns no parameters (activations, dropout, ...).
 * `check` may reject arguments or inputs with PyTorch's message.
 */
export function sameShapeRule(
  op: string,
  kind: ShapeRule['kind'],
  signature: ShapeRule['signature'],
  extra: Partial<Pick<ShapeRule, 'pyName' | 'native' | 'tensorInputs'>> = {},
  check?: (x: Shape, args: Args) => ShapeErr | undefined,
): ShapeRule {
  return {
    op,
    kind,
    signature,
    ...(kind === 'module' ? {} : { tensorInputs: 1 }),
    ...extra,
    infer(inputs: Shape[], args: Args): ShapeResult {
      const x = oneInput(op, inputs);
      if (isErr(x)) return x;
      const problem = check?.(x, args);
      return problem ?? ok([...x]);
    },
  };
}

/** Sizes and derivations of a 2-D pooling once its arguments are ints: ATen's pooling_output_shape + pool2d_shape_check. */
export function pool2dOutput(
  x: Shape,
  planes: number,
  kernel: [number, number],
  stride: [number, number],
  pad: [number, number],
  dilation: [number, number],
  ceilMode: boolean,
): ShapeOk | ShapeErr {
  const [H, W] = [x[x.length - 2], x[x.length - 1]];
  const oh = checkedPoolOutputSize(H, kernel[0], pad[0], stride[0], dilation[0], ceilMode);
  if (isErr(oh)) return oh;
  const ow = checkedPoolOutputSize(W, kernel[1], pad[1], stride[1], dilation[1], ceilMode);
  if (isErr(ow)) return ow;
  if (kernel[0] <= 0 || kernel[1] <= 0) {
    return err(`kernel size should be greater than zero, but got kH: ${kernel[0]} kW: ${kernel[1]}`);
  }
  if (stride[0] <= 0 || stride[1] <= 0) {
    return err(`stride should be greater than zero, but got dH: ${stride[0]} dW: ${stride[1]}`);
  }
  if (dilation[0] <= 0 || dilation[1] <= 0) {
    return err(`dilation should be greater than zero, but got dilationH: ${dilation[0]} dilationW: ${dilation[1]}`);
  }
  const nd = x.length;
  const validDims = nd >= 3 && x[1] !== 0 && x[2] !== 0;
  if (!((nd === 3 && x[0] !== 0 && validDims) || (nd === 4 && validDims && x[3] !== 0))) {
    return err(`Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(x)}`);
  }
  if (truncDiv(kernel[1], 2) < pad[1] || truncDiv(kernel[0], 2) < pad[0]) {
    return err(
      `pad should be smaller than or equal to half of kernel size, but got padW = ${pad[1]}, padH = ${pad[0]}, kW = ${kernel[1]}, kH = ${kernel[0]}`,
    );
  }
  if (ow.size < 1 || oh.size < 1) {
    return err(
      `Given input size: (${planes}x${H}x${W}). Calculated output size: (${planes}x${oh.size}x${ow.size}). Output size is too small`,
    );
  }
  const formula = [
    spatialFormula('H', H, pad[0], dilation[0], kernel[0], stride[0], oh.size, ceilMode, oh.adjusted),
    spatialFormula('W', W, pad[1], dilation[1], kernel[1], stride[1], ow.size, ceilMode, ow.adjusted),
  ];
  return ok([...x.slice(0, -2), oh.size, ow.size], 0, 0, formula);
}

/** An int or int tuple of a pooling op as a list (torch's int[2] takes an int or a tuple of any length; checked later). */
export function poolList(v: ArgValue | undefined): number[] | null {
  return intList(v, 1);
}

/** A 1- or 2-element pooling list as (H, W). */
export function pair(v: number[]): [number, number] {
  return [v[0], v.length === 1 ? v[0] : v[1]];
}

/** kernel_size, stride (None means kernel_size) and padding of a 2-D pooling call, or the argument's error. */
export function poolWindow(op: string, a: Args): { kernel: number[]; stride: number[]; padding: number[] } | ShapeErr {
  const kernel = poolList(a.kernel_size);
  if (!kernel) return badArg(op, 'kernel_size', a.kernel_size, 'an int or a tuple of ints');
  const stride = a.stride === null || a.stride === undefined ? kernel : poolList(a.stride);
  if (!stride) return badArg(op, 'stride', a.stride, 'an int, a tuple of ints or None');
  const padding = poolList(a.padding);
  if (!padding) return badArg(op, 'padding', a.padding, 'an int or a tuple of ints');
  return { kernel, stride, padding };
}

// ------------------------------------------------------------------ ONNX attributes and titles

export const ai = (value: number): Attribute => ({ type: 'int', value });
export const af = (value: number): Attribute => ({ type: 'float', value });
export const ais = (value: number[]): Attribute => ({ type: 'ints', value });
export const astr = (value: string): Attribute => ({ type: 'string', value });

/** "11x11" for 11 or [11, 11]; "3x5" for [3, 5]; null when absent. */
export function kernelText(v: ArgValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join('x');
  return `${v}x${v}`;
}

/** Whether an int-or-tuple argument is `n` in every dimension (absent counts as the default). */
export function allEqual(v: ArgValue | undefined, n: number): boolean {
  if (v === undefined || v === null) return true;
  return Array.isArray(v) ? v.every((x) => x === n) : v === n;
}

/** "2" for 2 or [2, 2]; "1,2" for [1, 2]. */
export function scalarOrTuple(v: ArgValue | undefined): string {
  if (Array.isArray(v)) return v.every((x) => x === v[0]) ? String(v[0]) : v.map(String).join(',');
  return String(v);
}

/** Title parts of a convolution or pooling window: "11x11 s4 p2", pools always naming their stride. */
export function windowTitle(a: Args, isPool: boolean): string[] {
  const parts: string[] = [];
  const k = kernelText(a.kernel_size);
  if (k) parts.push(k);
  const stride = a.stride === null || a.stride === undefined || (Array.isArray(a.stride) && a.stride.length === 0) ? (isPool ? a.kernel_size : 1) : a.stride;
  if (isPool || !allEqual(stride, 1)) parts.push(`s${scalarOrTuple(stride)}`);
  if (typeof a.padding === 'string') parts.push(`p=${a.padding}`);
  else if (!allEqual(a.padding, 0)) parts.push(`p${scalarOrTuple(a.padding)}`);
  if (!allEqual(a.dilation, 1)) parts.push(`d${scalarOrTuple(a.dilation)}`);
  if (typeof a.groups === 'number' && a.groups > 1) parts.push(`g${a.groups}`);
  return parts;
}

/** The axis of a dim that shape inference already checked, for the ONNX lowering. */
export function axisOf(g: OnnxEmitter, dim: number, ndim: number): number {
  const d = wrapDim(dim, ndim);
  return isErr(d) ? g.fail(d.error) : d;
}

/** Pooling geometry for ONNX: kernel, stride, and [begin, end] pads whose floor division gives PyTorch's (ceil_mode) sizes. */
export function poolGeometry(g: OnnxEmitter, a: Args, inShape: Shape, outShape: Shape, dilation: [number, number]) {
  g.rank4(inShape, 'pooling');
  const kernel = g.pair('kernel_size', a.kernel_size);
  const stride = a.stride === null || a.stride === undefined || (Array.isArray(a.stride) && a.stride.length === 0) ? kernel : g.pair('stride', a.stride);
  const padding = g.pair('padding', a.padding);
  const end = [0, 1].map((i) => {
    const effective = dilation[i] * (kernel[i] - 1) + 1;
    const needed = (outShape[2 + i] - 1) * stride[i] + effective - inShape[2 + i] - padding[i];
    return Math.max(padding[i], needed);
  }) as [number, number];
  return { kernel, stride, padding, end };
}

// ------------------------------------------------------------------ backward helpers

/** ReduceSum over `axes` (opset 13: axes as an input). */
export function reduceSum(g: OnnxEmitter, x: string, axes: number[], keepdims: boolean): string {
  return g.op('ReduceSum', [x, g.intConst(axes)], { keepdims: ai(keepdims ? 1 : 0) });
}

/** A gradient of a broadcast result summed back to an operand's shape (PyTorch's sum_to). */
export function sumTo(g: OnnxEmitter, grad: string, outShape: Shape, inShape: Shape): string {
  const lead = outShape.length - inShape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return grad;
  const summed = reduceSum(g, grad, axes, true);
  return lead > 0 ? g.op('Reshape', [summed, g.intConst(inShape.length === 0 ? [] : [...inShape])]) : summed;
}

/** dOut where `keep` holds, else 0. */
export function gradWhere(g: OnnxEmitter, keep: string, dOut: string): string {
  return g.op('Where', [keep, dOut, g.scalar(0)]);
}

/**
 * Pooling backward: window gradients put back where their windows read. `stacked` is [N*C, K, OH, OW] (one plane
 * per window offset), `kernels` [K, 1, effH, effW] places each plane's values at its offset; one strided
 * ConvTranspose sums the overlapping windows (WebGPU has kernels for it, not for MaxPool's Indices). The result
 * is cropped to the input: the window grid starts `begin` before the input, and may stop short of its end.
 */
export function putBackWindows(
  g: OnnxEmitter,
  stacked: string,
  kernels: string,
  stride: [number, number],
  eff: [number, number],
  outHW: [number, number],
  begin: [number, number],
  inShape: Shape,
): string {
  const [n, c, h, w] = inShape;
  const spread = g.op('ConvTranspose', [stacked, kernels], { kernel_shape: ais(eff), strides: ais(stride) });
  // rows 0..L-1 of `spread` are rows -begin..L-1-begin of the input
  const lengths = [0, 1].map((i) => stride[i] * (outHW[i] - 1) + eff[i]);
  const short = [0, 1].map((i) => Math.max(0, begin[i] + (i === 0 ? h : w) - lengths[i]));
  const padded = short.some((s) => s > 0) ? g.op('Pad', [spread, g.intConst([0, 0, 0, 0, 0, 0, short[0], short[1]])], { mode: astr('constant') }) : spread;
  const cropped = g.op('Slice', [padded, g.intConst([begin[0], begin[1]]), g.intConst([begin[0] + h, begin[1] + w]), g.intConst([2, 3])]);
  return g.op('Reshape', [cropped, g.intConst([n, c, h, w])]);
}

// ------------------------------------------------------------------ normalisation over axes (GroupNorm, LayerNorm)

/** (x - mean) / sqrt(var + eps) over `axes` (biased variance, kept dims); its invstd too, for the backward. */
export function normalizeOver(g: OnnxEmitter, x: string, axes: number[], eps: number): { normalized: string; invstd: string } {
  const over = { axes: ais(axes), keepdims: ai(1) };
  const centered = g.op('Sub', [x, g.op('ReduceMean', [x], over)]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], over);
  const invstd = g.op('Div', [g.scalar(1), g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
  return { normalized: g.op('Mul', [centered, invstd]), invstd };
}

/** The backward of normalizeOver: invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)) over the same axes. */
export function normalizeOverBackward(g: OnnxEmitter, dXhat: string, normalized: string, invstd: string, axes: number[]): string {
  const over = { axes: ais(axes), keepdims: ai(1) };
  const meanGrad = g.op('ReduceMean', [dXhat], over);
  const meanProjection = g.op('ReduceMean', [g.op('Mul', [dXhat, normalized])], over);
  return g.op('Mul', [g.op('Sub', [g.op('Sub', [dXhat, meanGrad]), g.op('Mul', [normalized, meanProjection])]), invstd]);
}

/** A normalisation's output: keeps `normalized` and `invstd` for the backward, then `shown` (the normalized values in
 * the input's shape) as is, or times `affine`'s weight plus its bias (both already broadcastable). */
export function emitNormalized(g: OnnxEmitter, stats: { normalized: string; invstd: string }, shown: string, out: string, affine: [string, string] | null): void {
  g.save('normalized', stats.normalized);
  g.save('invstd', stats.invstd);
  if (!affine) g.op('Identity', [shown], {}, out);
  else g.op('Add', [g.op('Mul', [shown, affine[0]]), affine[1]], {}, out);
}

/** What emitNormalized kept, for the backward of `op`. */
export function savedNormalization(g: OnnxEmitter, op: string): { normalized: string; invstd: string } {
  const normalized = g.saved('normalized') ?? g.fail(`${op} backward needs its forward`);
  return { normalized, invstd: g.saved('invstd')! };
}
