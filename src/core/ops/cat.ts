// torch.cat(tensors, dim=0): `inputs` is the list of tensors (tensorInputs 'variadic').
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, ok, wrapDim, ai, axisOf } from './common';
import type { Args, OpDef, ShapeResult, ShapeRule } from './types';

/** Legacy rule: a 1-D tensor with no elements is skipped by cat. */
function skipped(t: Shape): boolean {
  return t.length === 1 && t[0] === 0;
}

function inferCat(inputs: Shape[], a: Args): ShapeResult {
  const op = 'cat';
  if (!isInt(a.dim)) return badArg(op, 'dim', a.dim, 'an int');
  if (!Array.isArray(inputs) || !inputs.every((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0))) {
    return err(`${op}: expected a list of tensors`);
  }
  if (inputs.length === 0) return err('torch.cat(): expected a non-empty list of Tensors');
  const zeroDim = inputs.findIndex((t) => t.length === 0);
  if (zeroDim >= 0) return err(`zero-dimensional tensor (at position ${zeroDim}) cannot be concatenated`);
  const firstValid = inputs.findIndex((t) => !skipped(t));
  if (firstValid < 0) return ok([0]);
  const ref = inputs[firstValid];
  const dim = wrapDim(a.dim, ref.length);
  if (isErr(dim)) return dim;
  let total = 0;
  const parts: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (skipped(t)) continue;
    if (t.length !== ref.length) return err(`Tensors must have same number of dimensions: got ${ref.length} and ${t.length}`);
    for (let d = 0; d < ref.length; d++) {
      if (d !== dim && t[d] !== ref[d]) {
        return err(
          `Sizes of tensors must match except in dimension ${dim}. Expected size ${ref[d]} but got size ${t[d]} for tensor number ${i} in the list.`,
        );
      }
    }
    total += t[dim];
    parts.push(t[dim]);
  }
  const output = [...ref];
  output[dim] = total;
  return ok(output, 0, 0, parts.length > 1 ? [`dim ${dim}: ${parts.join(' + ')} = ${total}`] : []);
}

const catRules: ShapeRule[] = [
  {
    op: 'torch.cat',
    kind: 'function',
    tensorInputs: 'variadic',
    pyName: 'cat',
    // The other overload takes a dim name: (tensors, name dim, *, out).
    native: { otherOverloads: [[2, 3]] },
    signature: [
      { name: 'dim', default: 0 },
      { name: 'out', default: null, kwOnly: true },
    ],
    infer: inferCat,
  },
];

export const cat: OpDef = {
  key: 'cat',
  rules: catRules,
  lower: (g, { args, inputs, outShape, out }) => void g.op('Concat', inputs, { axis: ai(axisOf(g, g.int('dim', args.dim), outShape.length)) }, out),
  // each input's slice of dY along the axis
  backward(g, { args, inShapes, outShape, dOut, needsGrad }) {
    const axis = axisOf(g, g.int('dim', args.dim), outShape.length);
    let offset = 0;
    return {
      inputs: inShapes.map((s, i) => {
        const start = offset;
        offset += s[axis];
        if (!needsGrad[i]) return null;
        return g.op('Slice', [dOut, g.intConst([start]), g.intConst([offset]), g.intConst([axis])]);
      }),
    };
  },
};
