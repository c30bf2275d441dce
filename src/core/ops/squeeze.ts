// Size-1 dims: torch.squeeze(x[, dim]) / x.squeeze([dim]) drop them (every one without dim, else the one at dim when
// its size is 1); torch.unsqueeze(x, dim) / x.unsqueeze(dim) insert one (SE blocks' y.unsqueeze(-1).unsqueeze(-1)).
// Dims wrap as ATen's maybe_wrap_dim: squeeze over [-n, n-1], unsqueeze over [-(n+1), n] (a 0-D tensor counts as 1-D).
import type { ArgValue, Shape } from '../types';
import { err, fmtShape, isErr, isInt, ok, oneInput, pyTypeName, wrapDim } from './common';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** The axes squeeze removes, or PyTorch's error; `tensors` is how many tensors the spelling passed before dim. */
function squeezedAxes(x: Shape, dim: ArgValue | undefined, tensors: number): number[] | ShapeErr {
  if (dim === null || dim === undefined) return x.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
  if (!isInt(dim)) {
    // squeeze's overloads take an int or a dim name; anything else matches none of them
    const got = [...Array(tensors).fill('Tensor'), pyTypeName(dim)].join(', ');
    return err(`squeeze() received an invalid combination of arguments - got (${got}), but expected one of:`);
  }
  const w = wrapDim(dim, x.length);
  if (isErr(w)) return w;
  return x.length > 0 && x[w] === 1 ? [w] : [];
}

/** The axis unsqueeze inserts, or PyTorch's error. */
function insertedAxis(x: Shape, dim: ArgValue | undefined, position: number): number | ShapeErr {
  if (!isInt(dim)) return err(`unsqueeze(): argument 'dim' (position ${position}) must be int, not ${pyTypeName(dim)}`);
  return wrapDim(dim, x.length + 1);
}

function inferSqueeze(tensors: number) {
  return (inputs: Shape[], a: Args): ShapeResult => {
    const x = oneInput('squeeze', inputs);
    if (isErr(x)) return x;
    const axes = squeezedAxes(x, a.dim, tensors);
    if (isErr(axes)) return axes;
    const output = x.filter((_, i) => !axes.includes(i));
    return ok(output, 0, 0, axes.length === 0 ? [] : [`drops size-1 dim${axes.length === 1 ? '' : 's'} ${axes.join(', ')}: ${fmtShape(x)} -> ${fmtShape(output)}`]);
  };
}

function inferUnsqueeze(position: number) {
  return (inputs: Shape[], a: Args): ShapeResult => {
    const x = oneInput('unsqueeze', inputs);
    if (isErr(x)) return x;
    const axis = insertedAxis(x, a.dim, position);
    if (isErr(axis)) return axis;
    const output = [...x.slice(0, axis), 1, ...x.slice(axis)];
    return ok(output, 0, 0, [`new dim ${axis}: ${fmtShape(x)} -> ${fmtShape(output)}`]);
  };
}

const squeezeRules: ShapeRule[] = [
  {
    op: 'torch.squeeze',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'squeeze',
    // The other overload takes a dim name.
    native: { otherOverloads: [[2, 2]] },
    signature: [{ name: 'dim', default: null }],
    infer: inferSqueeze(1),
  },
  {
    op: '.squeeze',
    kind: 'method',
    pyName: 'squeeze',
    native: { otherOverloads: [[1, 1]] },
    signature: [{ name: 'dim', default: null }],
    infer: inferSqueeze(0),
  },
];

const unsqueezeRules: ShapeRule[] = [
  {
    op: 'torch.unsqueeze',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'unsqueeze',
    native: {},
    signature: [{ name: 'dim' }],
    infer: inferUnsqueeze(2),
  },
  {
    op: '.unsqueeze',
    kind: 'method',
    pyName: 'unsqueeze',
    native: {},
    signature: [{ name: 'dim' }],
    infer: inferUnsqueeze(1),
  },
];

/** Whether dim 0 of a call's input is the batch of any size (an export with batch 'N'). */
export function freeBatch({ batched, batch }: LowerCall): boolean {
  return batched && batch === 'N';
}

function checked<T>(g: OnnxEmitter, v: T | ShapeErr): T {
  return isErr(v) ? g.fail(v.error) : v;
}

export const squeeze: OpDef = {
  key: 'squeeze',
  rules: squeezeRules,
  title: (a) => (isInt(a.dim) ? [`dim=${a.dim}`] : []),
  lower(g, call) {
    const axes = checked(g, squeezedAxes(call.inShapes[0], call.args.dim, 0));
    if (freeBatch(call) && axes.includes(0)) g.fail('it squeezes the batch dimension; export with batch 1');
    if (axes.length === 0) g.op('Identity', [call.inputs[0]], {}, call.out);
    else g.op('Squeeze', [call.inputs[0], g.intConst(axes)], {}, call.out);
  },
  // the dropped size-1 dims come back where they were
  backward(g, { args, inShapes: [s], dOut }: BackwardCall): Gradients {
    const axes = checked(g, squeezedAxes(s, args.dim, 0));
    return { inputs: [axes.length === 0 ? dOut : g.op('Unsqueeze', [dOut, g.intConst(axes)])] };
  },
};

export const unsqueeze: OpDef = {
  key: 'unsqueeze',
  rules: unsqueezeRules,
  title: (a) => (isInt(a.dim) ? [`dim=${a.dim}`] : []),
  lower(g, call) {
    const axis = checked(g, insertedAxis(call.inShapes[0], call.args.dim, 1));
    if (freeBatch(call) && axis === 0) g.fail('it puts a new dimension before the batch dimension; export with batch 1');
    g.op('Unsqueeze', [call.inputs[0], g.intConst([axis])], {}, call.out);
  },
  backward(g, { args, inShapes: [s], dOut }: BackwardCall): Gradients {
    const axis = checked(g, insertedAxis(s, args.dim, 1));
    return { inputs: [g.op('Squeeze', [dOut, g.intConst([axis])])] };
  },
};
