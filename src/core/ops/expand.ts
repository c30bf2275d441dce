// Broadcasting views: x.expand(*sizes) (-1 keeps a dim, new dims lead) and x.expand_as(other) (x.expand(other.size()),
// SE blocks' `x * y.expand_as(x)`). Sizes follow ATen's inferExpandGeometry with its messages; the gradient sums the
// broadcast dims back (PyTorch's sum_to); `other` of expand_as only lends its shape and gets no gradient.
import type { ArgValue, Shape } from '../types';
import { err, fmtShape, isErr, isInt, ok, oneInput, pyTypeName, sumTo } from './common';
import { freeBatch } from './squeeze';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** ATen's inferExpandGeometry: the expanded shape of `x` for the target `sizes`, or PyTorch's error. */
export function expandedShape(x: Shape, sizes: number[]): Shape | ShapeErr {
  if (sizes.length < x.length) {
    return err(
      `expand(torch.FloatTensor{${fmtShape(x)}}, size=${fmtShape(sizes)}): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.length})`,
    );
  }
  const out: number[] = new Array(sizes.length);
  for (let i = sizes.length - 1; i >= 0; i--) {
    const dim = i - (sizes.length - x.length);
    let size = sizes[i];
    if (dim < 0) {
      if (size === -1) return err(`The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`);
    } else if (size === -1) {
      size = x[dim];
    } else if (x[dim] !== size && x[dim] !== 1) {
      return err(
        `The expanded size of the tensor (${size}) must match the existing size (${x[dim]}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x)}`,
      );
    }
    out[i] = size;
  }
  // a size below -1 passes the checks above and then fails where ATen multiplies the sizes out
  if (out.some((d) => d < 0)) return err('numel: integer multiplication overflow');
  return out;
}

/** expand's `size` as ints: one int list, or ints spread as positional arguments; else torch's type error. */
function targetSizes(size: ArgValue | undefined): number[] | ShapeErr {
  const raw = isInt(size) ? [size] : size;
  if (!Array.isArray(raw)) return err(`expand(): argument 'size' (position 1) must be tuple of SymInts, not ${pyTypeName(raw)}`);
  const bad = raw.findIndex((v) => !isInt(v));
  if (bad >= 0) return err(`expand(): argument 'size' must be tuple of SymInts, but found element of type ${pyTypeName(raw[bad])} at pos ${bad + 1}`);
  return raw as number[];
}

function formula(x: Shape, output: Shape): string[] {
  return fmtShape(x) === fmtShape(output) ? [] : [`broadcast ${fmtShape(x)} -> ${fmtShape(output)}`];
}

function inferExpand(inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput('expand', inputs);
  if (isErr(x)) return x;
  const sizes = targetSizes(a.size);
  if (isErr(sizes)) return sizes;
  const output = expandedShape(x, sizes);
  return isErr(output) ? output : ok(output, 0, 0, formula(x, output));
}

function inferExpandAs(inputs: Shape[]): ShapeResult {
  const x = oneInput('expand_as', inputs);
  if (isErr(x)) return x;
  const other = oneInput('expand_as', inputs.slice(1));
  if (isErr(other)) return err('expand_as() missing 1 required positional arguments: "other"');
  const output = expandedShape(x, other);
  return isErr(output) ? output : ok(output, 0, 0, formula(x, output));
}

const expandRules: ShapeRule[] = [
  {
    op: '.expand',
    kind: 'method',
    pyName: 'expand',
    native: {},
    // x.expand(2, -1, 4) and x.expand((2, -1, 4)) bind the same list
    signature: [{ name: 'size', varargs: true }, { name: 'implicit', default: false, kwOnly: true }],
    infer: inferExpand,
  },
  {
    // the other tensor is the call's second input (the evaluator passes tensors as inputs, not as arguments)
    op: '.expand_as',
    kind: 'method',
    tensorInputs: 2,
    pyName: 'expand_as',
    native: {},
    signature: [],
    infer: inferExpandAs,
  },
];

/**
 * The target of ONNX's Expand: the output's shape, with the batch dim left to the input (1 broadcasts it) when the
 * graph takes any batch; a batch dim expanded to a fixed size, or moved by new leading dims, needs batch 1.
 */
function expandTarget(g: OnnxEmitter, call: LowerCall): number[] {
  const { inShapes: [x], outShape } = call;
  const target = [...outShape];
  if (!freeBatch(call)) return target;
  if (x.length !== outShape.length || x[0] !== outShape[0]) g.fail('it expands the batch dimension; export with batch 1');
  target[0] = 1;
  return target;
}

export const expand: OpDef = {
  key: 'expand',
  rules: expandRules,
  title: (a) => (a.size === undefined ? [] : [`(${(Array.isArray(a.size) ? a.size : [a.size]).map(String).join(', ')})`]),
  lower(g, call) {
    g.op('Expand', [call.inputs[0], g.intConst(expandTarget(g, call))], {}, call.out);
  },
  backward(g, { inShapes: [x], outShape, dOut }: BackwardCall): Gradients {
    return { inputs: [sumTo(g, dOut, outShape, x), null] };
  },
};
