// Constant padding: nn.ZeroPad2d(padding) (an int is all four sides; a tuple is used as given) and
// F.pad(x, pad, mode='constant', value=None). ATen's _pad_enum checks, then constant_pad_nd: negative padding
// crops (narrow), then the output size must stay positive. pad lists the last dim first: (left, right, top, bottom, ...).
import type { ArgValue, Shape } from '../types';
import { err, fmtShape, isErr, isInt, isNumber, ok, oneInput, pyTypeName, wrapDim, astr, scalarOrTuple } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** [before, after] padding per dim of an input of rank `rank` (0 where pad says nothing). */
function padsPerDim(pad: number[], rank: number): Array<[number, number]> {
  return Array.from({ length: rank }, (_, dim) => {
    const k = rank - 1 - dim;
    return 2 * k < pad.length ? [pad[2 * k], pad[2 * k + 1]] : [0, 0];
  });
}

function inferConstantPad(x: Shape, pad: number[]): ShapeResult {
  if (pad.length % 2 !== 0) return err('Padding length must be divisible by 2');
  if (pad.length > x.length * 2) return err('Padding length too large');
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

/** The pad list of a ZeroPad2d (Python's _quadruple) or an F.pad call; null when not ints. */
function padList(v: ArgValue | undefined, quadruple: boolean): number[] | null {
  if (quadruple && isInt(v)) return [v, v, v, v];
  return Array.isArray(v) && v.every(isInt) ? (v as number[]) : null;
}

function inferZeroPad2d(inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput('ZeroPad2d', inputs);
  if (isErr(x)) return x;
  const pad = padList(a.padding, true);
  // _quadruple makes a tuple of anything that is not a tuple already
  if (!pad) return err("pad(): argument 'pad' (position 2) must be tuple of ints, not tuple");
  return inferConstantPad(x, pad);
}

function inferPad(inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput('pad', inputs);
  if (isErr(x)) return x;
  const pad = padList(a.pad, false);
  if (!pad) return err(`pad(): argument 'pad' (position 2) must be tuple of ints, not ${pyTypeName(a.pad)}`);
  const mode = a.mode;
  if (typeof mode !== 'string' || !['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    return err(`Unrecognised padding mode ${String(mode)}`);
  }
  if (a.value !== null && a.value !== undefined && !isNumber(a.value)) return err(`pad(): argument 'value' must be float, not ${pyTypeName(a.value)}`);
  if (mode !== 'constant') return err(`F.pad with mode='${mode}' is not supported by the shape analysis yet (mode='constant' is)`);
  return inferConstantPad(x, pad);
}

const padRules: ShapeRule[] = [
  {
    op: 'ZeroPad2d',
    kind: 'module',
    pyName: 'ZeroPad2d.__init__',
    signature: [{ name: 'padding' }],
    infer: inferZeroPad2d,
  },
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

/** The checked pad list of a call, ZeroPad2d's or F.pad's. */
function padOf(g: OnnxEmitter, a: Args): number[] {
  const pad = a.pad !== undefined ? padList(a.pad, false) : padList(a.padding, true);
  return pad ?? g.fail(`padding must be ints, got ${JSON.stringify(a.pad ?? a.padding)}`);
}

/** Slices `x` to [begin, size - end) along every dim where crop[i] says so; x itself when nothing is cut. */
function cropDims(g: OnnxEmitter, x: string, shape: Shape, crop: Array<[number, number]>): string {
  const axes = crop.map((_, i) => i).filter((i) => crop[i][0] > 0 || crop[i][1] > 0);
  if (axes.length === 0) return x;
  const starts = axes.map((i) => crop[i][0]);
  const ends = axes.map((i) => shape[i] - crop[i][1]);
  return g.op('Slice', [x, g.intConst(starts), g.intConst(ends), g.intConst(axes)]);
}

/** Zero-pads `x` by pads[i] = [before, after] (both >= 0) along each dim; x itself when nothing is added. */
function padDims(g: OnnxEmitter, x: string, pads: Array<[number, number]>, value: number, out?: string): string {
  if (pads.every(([b, e]) => b === 0 && e === 0)) return out ? g.op('Identity', [x], {}, out) : x;
  const onnxPads = g.intConst([...pads.map(([b]) => b), ...pads.map(([, e]) => e)]);
  return g.op('Pad', [x, onnxPads, g.scalar(value)], { mode: astr('constant') }, out);
}

const positive = (lr: Array<[number, number]>) => lr.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
const negative = (lr: Array<[number, number]>) => lr.map(([b, e]) => [Math.max(-b, 0), Math.max(-e, 0)] as [number, number]);

export const pad: OpDef = {
  key: 'pad',
  rules: padRules,
  title: (a) => (a.padding !== undefined ? [scalarOrTuple(a.padding)] : Array.isArray(a.pad) ? [a.pad.join(',')] : []),
  // crops first (Slice), then pads (Pad): the same order as constant_pad_nd, and no negative Pad amounts
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const lr = padsPerDim(padOf(g, a), s.length);
    const value = a.value === null || a.value === undefined ? 0 : g.num('value', a.value);
    padDims(g, cropDims(g, x, s, negative(lr)), positive(lr), value, out);
  },
  // the output's padded border gets no gradient (Slice it off); the cropped input border gets zeros (Pad it back)
  backward(g, { args: a, outShape, dOut }: BackwardCall): Gradients {
    const lr = padsPerDim(padOf(g, a), outShape.length);
    return { inputs: [padDims(g, cropDims(g, dOut, outShape, positive(lr)), negative(lr), 0)] };
  },
};
