// Mean: torch.mean(x, dim, keepdim) and x.mean(dim, keepdim); no dim (or None, or []) averages everything.
// ATen's dim_list_to_bitset wraps each dim and rejects repeats; keepdim keeps the reduced dims as 1.
import type { Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, numel, ok, oneInput, truthy, wrapDim, ai, ais } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** The reduced axes in order of appearance, or PyTorch's error; every axis when dim is None, an empty list or absent. */
export function reducedAxes(op: string, x: Shape, dim: Args[string]): number[] | ShapeErr {
  if (dim === null || dim === undefined || (Array.isArray(dim) && dim.length === 0)) return x.map((_, i) => i);
  const dims = isInt(dim) ? [dim] : Array.isArray(dim) && dim.every(isInt) ? (dim as number[]) : null;
  if (!dims) return badArg(op, 'dim', dim, 'an int, a tuple of ints or None');
  const seen = new Set<number>();
  for (const d of dims) {
    const w = wrapDim(d, x.length);
    if (isErr(w)) return w;
    if (seen.has(w)) return err(`dim ${w} appears multiple times in the list of dims`);
    seen.add(w);
  }
  // a 0-D tensor "reduces" its one wrapped dim 0 and stays 0-D
  return x.length === 0 ? [] : [...seen];
}

/** The shape of a reduction over `axes` of `x`. */
export function reducedShape(x: Shape, axes: number[], keepdim: boolean): Shape {
  if (keepdim) return x.map((d, i) => (axes.includes(i) ? 1 : d));
  return x.filter((_, i) => !axes.includes(i));
}

/** A reduction's shape (mean, sum): its dims read by reducedAxes, the formula naming the op. */
export function inferReduction(op: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const axes = reducedAxes(op, x, a.dim);
  if (isErr(axes)) return axes;
  const output = reducedShape(x, axes, truthy(a.keepdim));
  const over = axes.map((i) => x[i]);
  return ok(output, 0, 0, [`${op} over dim${axes.length === 1 ? '' : 's'} ${axes.join(', ')} (${over.join('*')} = ${numel(over)} values each): ${fmtShape(x)} -> ${fmtShape(output)}`]);
}

const REDUCTION_SIGNATURE = [
  { name: 'dim', default: null },
  { name: 'keepdim', default: false },
  { name: 'dtype', default: null, kwOnly: true },
];

/** torch.OP(x, dim, keepdim) and x.OP(dim, keepdim) of a reduction (mean, sum): the same signatures and overloads. */
export function reductionRules(op: string): ShapeRule[] {
  return [
    {
      op: `torch.${op}`,
      kind: 'function',
      tensorInputs: 1,
      pyName: op,
      // Visible overloads: OP(input, *, dtype), OP(input, dim, keepdim, *, dtype, out), and the same with dim names.
      native: { otherOverloads: [[2, 5]] },
      signature: [...REDUCTION_SIGNATURE, { name: 'out', default: null, kwOnly: true }],
      infer: (inputs, args) => inferReduction(op, inputs, args),
    },
    {
      op: `.${op}`,
      kind: 'method',
      pyName: op,
      native: { otherOverloads: [[1, 3]] },
      signature: REDUCTION_SIGNATURE,
      infer: (inputs, args) => inferReduction(op, inputs, args),
    },
  ];
}

/** The axes of a reduction that shape inference already checked. */
export function axesOf(g: OnnxEmitter, x: Shape, dim: Args[string]): number[] {
  const axes = reducedAxes('mean', x, dim);
  return isErr(axes) ? g.fail(axes.error) : axes;
}

/**
 * Spreads a reduction's gradient (the reduced shape) back over its input's shape: reshaped to keepdim form, then
 * broadcast. With batch 'N' the batch dim stays free (0 in Reshape copies it, 1 in Expand broadcasts it).
 */
export function spreadOverReduced(g: OnnxEmitter, call: BackwardCall, grad: string, axes: number[]): string {
  const { inShapes: [x], batched, batch } = call;
  if (batched && batch === 'N' && axes.includes(0)) g.fail('its gradient spreads over the batch dimension; build the training graph with a fixed batch');
  const freeBatch = batched && batch === 'N';
  const kept = reducedShape(x, axes, true).map((d, i) => (i === 0 && freeBatch ? 0 : d));
  const reshaped = g.op('Reshape', [grad, g.intConst(kept)]);
  const target = x.map((d, i) => (i === 0 && freeBatch ? 1 : d));
  return g.op('Expand', [reshaped, g.intConst(target)]);
}

/** "dim=2,3 keepdim": a reduction's title. */
export function reductionTitle(a: Args): string[] {
  return [a.dim === null || a.dim === undefined ? '' : `dim=${Array.isArray(a.dim) ? a.dim.join(',') : String(a.dim)}`, truthy(a.keepdim) ? 'keepdim' : ''].filter(Boolean);
}

export const mean: OpDef = {
  key: 'mean',
  rules: reductionRules('mean'),
  title: reductionTitle,
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const axes = axesOf(g, s, a.dim);
    if (axes.length === 0) {
      g.op('Identity', [x], {}, out);
      return;
    }
    g.op('ReduceMean', [x], { axes: ais(axes), keepdims: ai(truthy(a.keepdim) ? 1 : 0) }, out);
  },
  backward(g, call): Gradients {
    const axes = axesOf(g, call.inShapes[0], call.args.dim);
    if (axes.length === 0) return { inputs: [call.dOut] };
    const count = numel(axes.map((i) => call.inShapes[0][i]));
    const spread = spreadOverReduced(g, call, call.dOut, axes);
    return { inputs: [g.op('Div', [spread, g.scalar(count)])] };
  },
};
