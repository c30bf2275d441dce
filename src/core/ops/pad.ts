// Padding: F.pad(x, pad, mode='constant' | 'reflect' | 'replicate' | 'circular', value=None) and the modules that call
// it: nn.ZeroPad2d, nn.ConstantPad1d/2d(padding, value), nn.ReflectionPad1d/2d, nn.ReplicationPad1d/2d (an int is
// every side; a tuple is used as given). pad lists the last dim first: (left, right, top, bottom, front, back).
// Shapes and errors: ATen's _pad_enum, then constant_pad_nd (negative padding crops), reflection_padNd,
// replication_padNd or _pad_circular with their checks. The ONNX forward and the backward read one [before, after]
// pair per dim; the backward of each mode folds the border's gradient back where the border was read (reflect: the
// mirrored rows, replicate: the edge row, circular: the other end), with Slice, Pad, ReduceSum and Add only.
import type { ArgValue, Shape } from '../types';
import { err, fmtShape, isErr, isInt, isNumber, ok, oneInput, pyTypeName, wrapDim, ai, astr, reduceSum, scalarOrTuple } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
const MODES: readonly string[] = ['constant', 'reflect', 'replicate', 'circular'];

/** [before, after] padding per dim of an input of rank `rank` (0 where pad says nothing). */
export function padsPerDim(pad: number[], rank: number): Array<[number, number]> {
  return Array.from({ length: rank }, (_, dim) => {
    const k = rank - 1 - dim;
    return 2 * k < pad.length ? [pad[2 * k], pad[2 * k + 1]] : [0, 0];
  });
}

function inferConstantPad(x: Shape, pad: number[]): ShapeResult {
  const lr = padsPerDim(pad, x.length);
  // constant_pad_nd: narrow away negative padding, dim by dim
  const cropped = [...x];
  let allNonPositive = true;
  for (let i = x.length - pad.length / 2; i < x.length; i++) {
    const [before, after] = lr[i];
    if (before < 0) {
      const size = cropped[i];
      let start = -before;
      if (start !== size) {
        const w = wrapDim(start, size);
        if (isErr(w)) return w;
        start = w;
      }
      const length = size + before;
      if (length < 0 || start > size - length) return err(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
      cropped[i] = length;
    } else if (before !== 0) allNonPositive = false;
    if (after < 0) {
      const size = cropped[i];
      const length = size + after;
      if (length < 0) return err(`start (0) + length (${length}) exceeds dimension size (${size}).`);
      cropped[i] = length;
    } else if (after !== 0) allNonPositive = false;
  }
  if (allNonPositive) return ok(cropped, 0, 0, [`${fmtShape(x)} -> ${fmtShape(cropped)}`]);
  const output = [...x];
  for (let i = x.length - pad.length / 2; i < x.length; i++) {
    const [before, after] = lr[i];
    output[i] = x[i] + before + after;
    if (output[i] <= 0) {
      return err(
        `The input size ${x[i]}, plus negative padding ${before} and ${after} resulted in a negative output size, which is invalid. Check dimension ${i} of your input.`,
      );
    }
  }
  return ok(output, 0, 0, [`${fmtShape(x)} -> ${fmtShape(output)}`]);
}

/** at::native::padding::check_valid_input<k>: every dim but an optional batch is non-zero. */
function validInput(x: Shape, k: number): ShapeErr | null {
  const batched = x.length === k + 2;
  const valid = x.every((d, i) => d !== 0 || (batched && i === 0));
  return valid ? null : err(`Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmtShape(x)}`);
}

/** reflection_pad1d/2d's own input check, worded with the tensor's type. */
function validReflectInput(x: Shape, k: number): ShapeErr | null {
  if (k === 3) return validInput(x, k);
  // the first dim (channels of an unbatched input) may be empty
  const valid = x.slice(1).every((d) => d !== 0);
  return valid ? null : err(`${k + 1}D or ${k + 2}D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{${x.join(',')}} ]`);
}

/** "H: 4, W: 5" as the too-small messages print the spatial sizes (D is followed by a space, not a comma). */
function sizesText(labels: string[], sizes: number[], sep: (i: number) => string): string {
  return labels.map((l, i) => `${l}: ${sizes[i]}${i < labels.length - 1 ? sep(i) : ''}`).join('');
}

/** reflection_padNd / replication_padNd (k = 1, 2, 3 spatial dims): the output shape or PyTorch's error. */
function inferEdgePad(x: Shape, pad: number[], k: number, mode: 'reflect' | 'replicate'): ShapeResult {
  const invalid = mode === 'reflect' ? validReflectInput(x, k) : validInput(x, k);
  if (invalid) return invalid;
  const lr = padsPerDim(pad, x.length);
  const spatial = x.slice(-k);
  if (mode === 'reflect') {
    // W first (argument #4), then H (#6), then D (#8)
    for (let j = 0; j < k; j++) {
      const axis = x.length - 1 - j;
      const [l, r] = lr[axis];
      if (!(l < x[axis] && r < x[axis])) {
        const of = k === 2 ? String(x.length) : fmtShape(x);
        return err(`Argument #${4 + 2 * j}: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${axis} of input ${of}`);
      }
    }
  }
  const out = spatial.map((d, i) => d + lr[x.length - k + i][0] + lr[x.length - k + i][1]);
  const labels = ['D', 'H', 'W'].slice(3 - k);
  if (out.every((d) => d < 1)) {
    if (k === 1) return err(`${mode === 'reflect' ? '2' : ''}input (W: ${spatial[0]})${mode === 'reflect' ? '' : ' '}is too small. Calculated output W: ${out[0]}`);
    const input = sizesText(labels, spatial, (i) => (k === 3 && i === 0 ? ' ' : ', '));
    const output = sizesText(labels, out, () => ' ');
    const close = k === 3 ? ') is' : mode === 'reflect' ? ')is' : ' ) is';
    return err(`input (${input}${close} too small. Calculated output ${output}`);
  }
  const output = [...x.slice(0, -k), ...out];
  const negative = output.find((d) => d < 0);
  if (negative !== undefined) {
    if (mode === 'reflect' && k < 3) return err('numel: integer multiplication overflow');
    return err(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(output)}`);
  }
  return ok(output, 0, 0, [`${mode}: ${fmtShape(x)} -> ${fmtShape(output)}`]);
}

/** _pad_circular: the output shape or PyTorch's error. */
function inferCircularPad(x: Shape, pad: number[]): ShapeResult {
  const k = x.length - 2;
  if (pad.length + 4 !== x.length * 2) return err(`Invalid padding size, expected ${k * 2} but got ${pad.length}`);
  const lr = padsPerDim(pad, x.length);
  const output = [...x];
  for (let i = 2; i < x.length; i++) {
    const [l, r] = lr[i];
    output[i] = x[i] + l + r;
    if (!(l <= x[i] && r <= x[i])) return err('Padding value causes wrapping around more than once.');
    if (output[i] < 0) return err('Negative padding value is resulting in an empty dimension');
  }
  return ok(output, 0, 0, [`circular: ${fmtShape(x)} -> ${fmtShape(output)}`]);
}

/** F.pad's checks (_pad_enum) and the shape of one mode. */
function inferPadded(x: Shape, pad: number[], mode: PadMode, value: ArgValue | undefined): ShapeResult {
  if (pad.length % 2 !== 0) return err('Padding length must be divisible by 2');
  if (pad.length > x.length * 2) return err('Padding length too large');
  if (mode === 'constant') return inferConstantPad(x, pad);
  if (value !== null && value !== undefined && value !== 0) return err(`Padding mode "${mode}" doesn't take in value argument`);
  const k = pad.length / 2;
  if (k < 1 || k > 3 || (x.length !== k + 1 && x.length !== k + 2)) return err('Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  return mode === 'circular' ? inferCircularPad(x, pad) : inferEdgePad(x, pad, k, mode);
}

/** The pad list of a padding module (an int is every side of its `sides`) or an F.pad call; null when not ints. */
function padList(v: ArgValue | undefined, sides: number): number[] | null {
  if (sides > 0 && isInt(v)) return Array(sides).fill(v);
  return Array.isArray(v) && v.every(isInt) ? (v as number[]) : null;
}

/** What a padding module is: its F.pad mode and how many sides an int pads. */
const MODULES: Record<string, { mode: PadMode; sides: number; value?: boolean }> = {
  ZeroPad2d: { mode: 'constant', sides: 4 },
  ConstantPad1d: { mode: 'constant', sides: 2, value: true },
  ConstantPad2d: { mode: 'constant', sides: 4, value: true },
  ReflectionPad1d: { mode: 'reflect', sides: 2 },
  ReflectionPad2d: { mode: 'reflect', sides: 4 },
  ReplicationPad1d: { mode: 'replicate', sides: 2 },
  ReplicationPad2d: { mode: 'replicate', sides: 4 },
};

function inferModule(cls: string) {
  const { mode, sides } = MODULES[cls];
  return (inputs: Shape[], a: Args): ShapeResult => {
    const x = oneInput(cls, inputs);
    if (isErr(x)) return x;
    const pad = padList(a.padding, sides);
    // _pair/_quadruple makes a tuple of anything that is not a tuple already
    if (!pad) return err("pad(): argument 'pad' (position 2) must be tuple of ints, not tuple");
    return inferPadded(x, pad, mode, a.value);
  };
}

function inferPad(inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput('pad', inputs);
  if (isErr(x)) return x;
  const pad = padList(a.pad, 0);
  if (!pad) return err(`pad(): argument 'pad' (position 2) must be tuple of ints, not ${pyTypeName(a.pad)}`);
  const mode = a.mode;
  if (typeof mode !== 'string' || !MODES.includes(mode)) return err(`Unrecognised padding mode ${String(mode)}`);
  if (a.value !== null && a.value !== undefined && !isNumber(a.value)) return err(`pad(): argument 'value' must be float, not ${pyTypeName(a.value)}`);
  return inferPadded(x, pad, mode as PadMode, a.value);
}

const padRules: ShapeRule[] = [
  ...Object.entries(MODULES).map(([cls, m]): ShapeRule => ({
    op: cls,
    kind: 'module',
    pyName: `${cls}.__init__`,
    signature: m.value ? [{ name: 'padding' }, { name: 'value' }] : [{ name: 'padding' }],
    infer: inferModule(cls),
  })),
  {
    op: 'torch.nn.functional.pad',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'pad',
    native: {},
    signature: [{ name: 'pad' }, { name: 'mode', default: 'constant' }, { name: 'value', default: null }],
    infer: inferPad,
  },
];

// ------------------------------------------------------------------ ONNX forward and backward

/** A call's mode and [before, after] pads per dim, as shape inference checked them. */
function padOf(g: OnnxEmitter, spelling: string, a: Args, rank: number): { mode: PadMode; lr: Array<[number, number]> } {
  const module = MODULES[spelling];
  const pad = module ? padList(a.padding, module.sides) : padList(a.pad, 0);
  if (!pad) return g.fail(`padding must be ints, got ${JSON.stringify(a.pad ?? a.padding)}`);
  const mode = module?.mode ?? (typeof a.mode === 'string' && MODES.includes(a.mode) ? (a.mode as PadMode) : g.fail(`unknown padding mode ${String(a.mode)}`));
  return { mode, lr: padsPerDim(pad, rank) };
}

/** Slices `x` to [begin, size - end) along every dim where crop[i] says so; x itself when nothing is cut. */
function cropDims(g: OnnxEmitter, x: string, shape: Shape, crop: Array<[number, number]>): string {
  const axes = crop.map((_, i) => i).filter((i) => crop[i][0] > 0 || crop[i][1] > 0);
  if (axes.length === 0) return x;
  const starts = axes.map((i) => crop[i][0]);
  const ends = axes.map((i) => shape[i] - crop[i][1]);
  return g.op('Slice', [x, g.intConst(starts), g.intConst(ends), g.intConst(axes)]);
}

/** Pads `x` by pads[i] = [before, after] (both >= 0) along each dim (constant `value`, ONNX's reflect or edge); x itself when nothing is added. */
function padDims(g: OnnxEmitter, x: string, pads: Array<[number, number]>, value: number, onnxMode = 'constant', out?: string): string {
  if (pads.every(([b, e]) => b === 0 && e === 0)) return out ? g.op('Identity', [x], {}, out) : x;
  const onnxPads = g.intConst([...pads.map(([b]) => b), ...pads.map(([, e]) => e)]);
  const inputs = onnxMode === 'constant' ? [x, onnxPads, g.scalar(value)] : [x, onnxPads];
  return g.op('Pad', inputs, { mode: astr(onnxMode) }, out);
}

const positive = (lr: Array<[number, number]>) => lr.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
const negative = (lr: Array<[number, number]>) => lr.map(([b, e]) => [Math.max(-b, 0), Math.max(-e, 0)] as [number, number]);
const grown = (shape: Shape, pads: Array<[number, number]>) => shape.map((d, i) => d + pads[i][0] + pads[i][1]);

/** Zeros before and after `v` along one axis. */
function padAxis(g: OnnxEmitter, v: string, rank: number, axis: number, before: number, after: number): string {
  return padDims(g, v, Array.from({ length: rank }, (_, i) => (i === axis ? [before, after] : [0, 0]) as [number, number]), 0);
}

/** v[begin:end] along `axis`. */
function sliceAxis(g: OnnxEmitter, v: string, axis: number, begin: number, end: number): string {
  return g.op('Slice', [v, g.intConst([begin]), g.intConst([end]), g.intConst([axis])]);
}

/** v[last], v[last - 1], ..., v[first] along `axis`: a Gather (onnxruntime-web's WebGPU Slice gets negative steps wrong). */
function reversedAxis(g: OnnxEmitter, v: string, axis: number, first: number, last: number): string {
  const indices = Array.from({ length: last - first + 1 }, (_, k) => last - k);
  return g.op('Gather', [v, g.intConst(indices)], { axis: ai(axis) });
}

/** Circular padding (non-negative pads): the last `before` entries in front, the first `after` behind, last dim first as _pad_circular does. */
function wrapDims(g: OnnxEmitter, x: string, shape: Shape, pads: Array<[number, number]>, out?: string): string {
  let v = x;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const [before, after] = pads[axis];
    const size = shape[axis];
    if (before === 0 && after === 0) continue;
    const parts: string[] = [];
    if (before > 0) parts.push(sliceAxis(g, v, axis, size - before, size));
    parts.push(v);
    if (after > 0) parts.push(sliceAxis(g, v, axis, 0, after));
    v = g.op('Concat', parts, { axis: ai(axis) });
  }
  return out ? g.op('Identity', [v], {}, out) : v;
}

/**
 * F.pad of `x` (shape `shape`) by [before, after] per dim in `mode`, as ONNX. Negative pads crop: constant and
 * circular crop first (constant_pad_nd, _pad_circular), reflect and replicate pad from the original edges first.
 */
export function padForward(g: OnnxEmitter, x: string, shape: Shape, lr: Array<[number, number]>, mode: PadMode, value = 0, out?: string): string {
  const crop = negative(lr);
  const add = positive(lr);
  if (mode === 'constant') return padDims(g, cropDims(g, x, shape, crop), add, value, 'constant', out);
  if (mode === 'circular') return wrapDims(g, cropDims(g, x, shape, crop), grown(shape, crop.map(([b, e]) => [-b, -e])), add, out);
  const padded = padDims(g, x, add, 0, mode === 'reflect' ? 'reflect' : 'edge');
  const cropped = cropDims(g, padded, grown(shape, add), crop);
  return out ? g.op('Identity', [cropped], {}, out) : cropped;
}

/**
 * Folds the gradient of a padded tensor (shape `shape`, non-negative pads) back onto what was padded, one dim at a
 * time (the modes pad each dim on its own): the interior gets its own gradient, plus what its copies in the border got.
 */
function foldBorders(g: OnnxEmitter, dY: string, shape: Shape, pads: Array<[number, number]>, mode: Exclude<PadMode, 'constant'>): string {
  let v = dY;
  const cur = [...shape];
  const rank = shape.length;
  for (let axis = rank - 1; axis >= 0; axis--) {
    const [l, r] = pads[axis];
    if (l === 0 && r === 0) continue;
    const m = cur[axis];
    const n = m - l - r;
    const terms = [sliceAxis(g, v, axis, l, l + n)];
    if (mode === 'reflect') {
      // output l-1-k mirrors input k+1 (k < l); output l+n+k mirrors input n-2-k (k < r)
      if (l > 0) terms.push(padAxis(g, reversedAxis(g, v, axis, 0, l - 1), rank, axis, 1, n - 1 - l));
      if (r > 0) terms.push(padAxis(g, reversedAxis(g, v, axis, l + n, m - 1), rank, axis, n - 1 - r, 1));
    } else if (mode === 'replicate') {
      // every border entry is a copy of the edge entry
      if (l > 0) terms.push(padAxis(g, reduceSum(g, sliceAxis(g, v, axis, 0, l), [axis], true), rank, axis, 0, n - 1));
      if (r > 0) terms.push(padAxis(g, reduceSum(g, sliceAxis(g, v, axis, l + n, m), [axis], true), rank, axis, n - 1, 0));
    } else {
      // the front border is the last l entries, the back border the first r
      if (l > 0) terms.push(padAxis(g, sliceAxis(g, v, axis, 0, l), rank, axis, n - l, 0));
      if (r > 0) terms.push(padAxis(g, sliceAxis(g, v, axis, l + n, m), rank, axis, 0, n - r));
    }
    v = terms.reduce((sum, t) => g.op('Add', [sum, t]));
    cur[axis] = n;
  }
  return v;
}

/** F.pad's backward: dL/dx from dL/dy for an input of shape `inShape` padded by `lr` in `mode`. */
export function padBackward(g: OnnxEmitter, dY: string, inShape: Shape, lr: Array<[number, number]>, mode: PadMode): string {
  const crop = negative(lr);
  const add = positive(lr);
  if (mode === 'constant') return padDims(g, cropDims(g, dY, grown(grown(inShape, crop.map(([b, e]) => [-b, -e])), add), add), crop, 0);
  if (mode === 'circular') {
    const cropped = grown(inShape, crop.map(([b, e]) => [-b, -e]));
    return padDims(g, foldBorders(g, dY, grown(cropped, add), add, mode), crop, 0);
  }
  // reflect / replicate: the cropped border gets zeros, then the padded one folds back
  const padded = grown(inShape, add);
  return foldBorders(g, padDims(g, dY, crop, 0), padded, add, mode);
}

export const pad: OpDef = {
  key: 'pad',
  rules: padRules,
  title(a) {
    const sides = a.padding !== undefined ? [scalarOrTuple(a.padding)] : Array.isArray(a.pad) ? [a.pad.join(',')] : [];
    return typeof a.mode === 'string' && a.mode !== 'constant' ? [...sides, a.mode] : sides;
  },
  lower(g, { spelling, args: a, inputs: [x], inShapes: [s], out }) {
    const { mode, lr } = padOf(g, spelling, a, s.length);
    const value = a.value === null || a.value === undefined ? 0 : g.num('value', a.value);
    padForward(g, x, s, lr, mode, value, out);
  },
  backward(g, { spelling, args: a, inShapes: [s], dOut }: BackwardCall): Gradients {
    const { mode, lr } = padOf(g, spelling, a, s.length);
    return { inputs: [padBackward(g, dOut, s, lr, mode)] };
  },
};
