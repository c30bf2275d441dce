// A piece of a tensor: indexing and slicing (x[:, :d], x[..., 1:], x[0], x[:, None], steps), and each piece of
// x.chunk / torch.chunk / x.split / torch.split (the evaluator makes one node per piece, `piece` in its args).
// Every spelling comes down to one plan: start/end/step per input dim, the dims an int index drops and the axes
// None inserts; shapes, the ONNX forward (Slice, Squeeze, Unsqueeze) and the backward (Pad) all read that plan.
//
// An index is encoded as a list of items: an int (select, drops the dim), [start, stop, step] (a slice, nulls
// for the defaults), null (None: a new axis of size 1) or '...' (Ellipsis).
import type { ArgValue, Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, ok, oneInput, pyTypeName, wrapDim } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** What a slice does to each input dim, and the axes of the output None adds. */
export interface SlicePlan {
  /** Per input dim: the kept range (clamped as ATen does) and step; `drop` when an int index selects one element. */
  dims: { start: number; end: number; step: number; drop: boolean }[];
  /** Output axes that are new (None in the index). */
  newAxes: number[];
  output: Shape;
}

function length(start: number, end: number, step: number): number {
  return end > start ? Math.floor((end - start + step - 1) / step) : 0;
}

function wholePlan(x: Shape): SlicePlan {
  return { dims: x.map((n) => ({ start: 0, end: n, step: 1, drop: false })), newAxes: [], output: [...x] };
}

function finish(plan: SlicePlan): SlicePlan {
  const kept = plan.dims.filter((d) => !d.drop).map((d) => length(d.start, d.end, d.step));
  const output: number[] = [];
  let k = 0;
  const rank = kept.length + plan.newAxes.length;
  for (let axis = 0; axis < rank; axis++) output.push(plan.newAxes.includes(axis) ? 1 : kept[k++]);
  plan.output = output;
  return plan;
}

/** ATen's slice bounds: negative values wrap once, then clamp to [0, size]; end never before start. */
function clampBound(v: number | null, size: number, fallback: number): number {
  if (v === null) return fallback;
  let b = v < 0 ? v + size : v;
  if (b < 0) b = 0;
  if (b > size) b = size;
  return b;
}

/** x[index], as torch's applySlicing reads it, with its errors. */
function indexPlan(x: Shape, index: ArgValue | undefined): SlicePlan | ShapeErr {
  const items = Array.isArray(index) ? index : [index ?? null];
  const consuming = items.filter((it) => it !== null && it !== '...').length;
  if (consuming > x.length) return err(`too many indices for tensor of dimension ${x.length}`);
  const plan = wholePlan(x);
  let dim = 0;
  let outAxis = 0;
  for (const it of items) {
    if (it === '...') {
      // every Ellipsis skips the dims no other item consumes (x[..., 0, ...] is x[..., 0])
      const skip = x.length - consuming;
      dim += skip;
      outAxis += skip;
    } else if (it === null) {
      plan.newAxes.push(outAxis++);
    } else if (isInt(it)) {
      const size = x[dim];
      if (it < -size || it >= size) return err(`index ${it} is out of bounds for dimension ${dim} with size ${size}`);
      const i = it < 0 ? it + size : it;
      plan.dims[dim] = { start: i, end: i + 1, step: 1, drop: true };
      dim++;
    } else if (Array.isArray(it) && it.length === 3 && it.every((b) => b === null || isInt(b))) {
      const [lo, hi, st] = it as (number | null)[];
      const step = st ?? 1;
      if (step === 0) return err('slice step cannot be zero');
      if (step < 0) return err('step must be greater than zero');
      const size = x[dim];
      const start = clampBound(lo, size, 0);
      const end = Math.max(start, clampBound(hi, size, size));
      plan.dims[dim] = { start, end, step, drop: false };
      dim++;
      outAxis++;
    } else {
      return err(`only integers, slices (\`:\`), ellipsis (\`...\`) and None are valid indices here, not ${pyTypeName(it)}`);
    }
  }
  return finish(plan);
}

/** The sizes of the pieces chunk(chunks, dim) makes (ATen's chunk), with its errors. */
function chunkSizes(x: Shape, a: Args): { dim: number; sizes: number[] } | ShapeErr {
  if (!isInt(a.chunks)) return badArg('chunk', 'chunks', a.chunks, 'an int');
  if (!isInt(a.dim)) return badArg('chunk', 'dim', a.dim, 'an int');
  if (x.length === 0) return err('chunk expects at least a 1-dimensional tensor');
  if (a.chunks <= 0) return err(`chunk expects \`chunks\` to be greater than 0, got: ${a.chunks}`);
  const dim = wrapDim(a.dim, x.length);
  if (isErr(dim)) return dim;
  const size = x[dim];
  const splitSize = Math.floor((size + a.chunks - 1) / a.chunks);
  if (splitSize === 0 && size === 0) return { dim, sizes: Array(a.chunks).fill(0) };
  return splitBySize(x, dim, splitSize);
}

/** The sizes split(split_size, dim) makes (ATen's split), with its errors. */
function splitBySize(x: Shape, dim: number, splitSize: number): { dim: number; sizes: number[] } | ShapeErr {
  if (x.length === 0) return err('split expects at least a 1-dimensional tensor');
  if (splitSize < 0) return err(`split expects split_size be non-negative, but got split_size=${splitSize}`);
  const size = x[dim];
  if (splitSize === 0 && size !== 0) return err(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
  const n = size === 0 ? 1 : Math.ceil(size / splitSize);
  const sizes = Array.from({ length: n }, (_, i) => (i < n - 1 ? splitSize : size - splitSize * (n - 1)));
  return { dim, sizes };
}

/** Tensor.split(split_size, dim) (a Python def: an int splits evenly, a list gives each size). */
function splitSizes(x: Shape, sizeArg: ArgValue | undefined, dimArg: ArgValue | undefined, argName: string): { dim: number; sizes: number[] } | ShapeErr {
  if (!isInt(dimArg)) return badArg('split', 'dim', dimArg, 'an int');
  if (x.length === 0) return err(isInt(sizeArg) ? 'split expects at least a 1-dimensional tensor' : 'split_with_sizes expects at least a 1-dimensional tensor');
  const dim = wrapDim(dimArg, x.length);
  if (isErr(dim)) return dim;
  if (isInt(sizeArg)) return splitBySize(x, dim, sizeArg);
  if (!Array.isArray(sizeArg) || !sizeArg.every(isInt)) return badArg('split', argName, sizeArg, 'an int or a list of ints');
  const sizes = sizeArg as number[];
  const total = sizes.reduce((s, v) => s + v, 0);
  const bad = sizes.find((s) => s < 0);
  if (bad !== undefined) {
    return err(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${fmtShape(sizes)}`);
  }
  if (total !== x[dim]) {
    return err(`split_with_sizes expects split_sizes to sum exactly to ${x[dim]} (input tensor's size at dimension ${dim}), but got split_sizes=${fmtShape(sizes)}`);
  }
  return { dim, sizes };
}

/** The pieces a spelling makes of a tensor of shape x: one for an index, several for chunk/split. */
export function piecesOf(x: Shape, a: Args): { dim: number; sizes: number[] } | null | ShapeErr {
  if ('chunks' in a) return chunkSizes(x, a);
  if ('split_size' in a) return splitSizes(x, a.split_size, a.dim, 'split_size');
  if ('split_size_or_sections' in a) return splitSizes(x, a.split_size_or_sections, a.dim, 'split_size_or_sections');
  return null;
}

/** The plan of one call: an index, or piece `a.piece` (default the first, as PyTorch's tuple's [0]) of chunk/split. */
export function slicePlan(x: Shape, a: Args): SlicePlan | ShapeErr {
  const pieces = piecesOf(x, a);
  if (pieces === null) return indexPlan(x, a.index);
  if (isErr(pieces)) return pieces;
  const piece = isInt(a.piece) ? a.piece : 0;
  if (piece < 0 || piece >= pieces.sizes.length) return err(`piece ${piece} of ${pieces.sizes.length}`);
  const start = pieces.sizes.slice(0, piece).reduce((s, v) => s + v, 0);
  const plan = wholePlan(x);
  plan.dims[pieces.dim] = { start, end: start + pieces.sizes[piece], step: 1, drop: false };
  return finish(plan);
}

function inferSlice(op: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const plan = slicePlan(x, a);
  if (isErr(plan)) return plan;
  return ok(plan.output, 0, 0, [`${fmtShape(x)} -> ${fmtShape(plan.output)}`]);
}

const CHUNK_SIGNATURE = [{ name: 'chunks' }, { name: 'dim', default: 0 }];

const sliceRules: ShapeRule[] = [
  {
    // x[index]: the evaluator encodes the index (see the file's header); never bound from user arguments
    op: '.__getitem__',
    kind: 'method',
    pyName: '__getitem__',
    native: {},
    signature: [{ name: 'index' }],
    infer: (inputs, args) => inferSlice('__getitem__', inputs, args),
  },
  {
    op: '.chunk',
    kind: 'method',
    pyName: 'chunk',
    native: {},
    signature: CHUNK_SIGNATURE,
    infer: (inputs, args) => inferSlice('chunk', inputs, args),
  },
  {
    op: 'torch.chunk',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'chunk',
    native: {},
    signature: CHUNK_SIGNATURE,
    infer: (inputs, args) => inferSlice('chunk', inputs, args),
  },
  {
    // Tensor.split is a Python def in torch/_tensor.py
    op: '.split',
    kind: 'method',
    pyName: 'Tensor.split',
    signature: [{ name: 'split_size' }, { name: 'dim', default: 0 }],
    infer: (inputs, args) => inferSlice('split', inputs, args),
  },
  {
    // torch.split is a Python def in torch/functional.py
    op: 'torch.split',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'split',
    signature: [{ name: 'split_size_or_sections' }, { name: 'dim', default: 0 }],
    infer: (inputs, args) => inferSlice('split', inputs, args),
  },
];

function planOrFail(g: OnnxEmitter, x: Shape, a: Args): SlicePlan {
  const plan = slicePlan(x, a);
  return isErr(plan) ? g.fail(plan.error) : plan;
}

function isWhole(d: SlicePlan['dims'][number], size: number): boolean {
  return d.start === 0 && d.end === size && d.step === 1 && !d.drop;
}

/** Python's text of one index item, for titles. */
function itemText(it: ArgValue): string {
  if (it === null) return 'None';
  if (it === '...') return '...';
  if (Array.isArray(it)) {
    const [lo, hi, st] = it.map((b) => (b === null ? '' : String(b)));
    return st ? `${lo}:${hi}:${st}` : `${lo}:${hi}`;
  }
  return String(it);
}

export const slice: OpDef = {
  key: 'slice',
  rules: sliceRules,
  title(a) {
    if ('index' in a) return [`[${(Array.isArray(a.index) ? a.index : [a.index ?? null]).map(itemText).join(', ')}]`];
    const piece = isInt(a.piece) ? a.piece : 0;
    return [`piece ${piece}`, `dim ${a.dim}`];
  },
  lower(g, { args, inputs: [x], inShapes: [s], batched, batch, out }) {
    const plan = planOrFail(g, s, args);
    const axes = plan.dims.map((d, i) => (isWhole(d, s[i]) ? -1 : i)).filter((i) => i >= 0);
    if (batched && batch !== 1 && axes.includes(0)) g.fail('it indexes the batch dimension; export with batch 1');
    let v = x;
    if (axes.length > 0) {
      const pick = (f: (d: SlicePlan['dims'][number]) => number) => g.intConst(axes.map((i) => f(plan.dims[i])));
      v = g.op('Slice', [v, pick((d) => d.start), pick((d) => d.end), g.intConst(axes), pick((d) => d.step)]);
    }
    const dropped = plan.dims.map((d, i) => (d.drop ? i : -1)).filter((i) => i >= 0);
    if (dropped.length > 0) v = g.op('Squeeze', [v, g.intConst(dropped)]);
    if (plan.newAxes.length > 0) v = g.op('Unsqueeze', [v, g.intConst(plan.newAxes)]);
    g.op('Identity', [v], {}, out);
  },
  // dY back in place: zeros between the steps (Pad of a new axis, Reshape), then zeros around (Pad)
  backward(g, { args, inShapes: [s], dOut }: BackwardCall): Gradients {
    const plan = planOrFail(g, s, args);
    let v = dOut;
    if (plan.newAxes.length > 0) v = g.op('Squeeze', [v, g.intConst(plan.newAxes)]);
    const dropped = plan.dims.map((d, i) => (d.drop ? i : -1)).filter((i) => i >= 0);
    if (dropped.length > 0) v = g.op('Unsqueeze', [v, g.intConst(dropped)]);
    // the shape of v: the kept length of every dim, in the input's rank
    const shape = plan.dims.map((d) => length(d.start, d.end, d.step));
    const rank = s.length;
    const pads = Array(2 * rank).fill(0);
    plan.dims.forEach((d, i) => {
      const n = shape[i];
      let covered = n;
      if (d.step > 1 && n > 0) {
        // [.., n, ..] -> [.., n, 1, ..] -> pad to [.., n, step, ..] -> [.., n*step, ..]: each value then step-1 zeros
        const widened = g.op('Unsqueeze', [v, g.intConst([i + 1])]);
        const p = Array(2 * (rank + 1)).fill(0);
        p[rank + 1 + i + 1] = d.step - 1;
        const padded = g.op('Pad', [widened, g.intConst(p)]);
        const flat = shape.map((x, j) => (j === i ? n * d.step : x));
        v = g.op('Reshape', [padded, g.intConst(flat)]);
        covered = n * d.step;
        const room = s[i] - d.start;
        if (covered > room) {
          v = g.op('Slice', [v, g.intConst([0]), g.intConst([room]), g.intConst([i])]);
          covered = room;
        }
        shape[i] = covered;
      }
      pads[i] = d.start;
      pads[rank + i] = s[i] - d.start - covered;
    });
    if (pads.some((p) => p !== 0)) v = g.op('Pad', [v, g.intConst(pads)]);
    return { inputs: [v] };
  },
};
