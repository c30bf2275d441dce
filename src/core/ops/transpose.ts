// Dim reordering: torch.transpose(x, d0, d1) / x.transpose(d0, d1) swap two dims; torch.permute(x, dims) /
// x.permute(*dims) reorder them all (channel shuffle). Dims wrap as ATen's maybe_wrap_dim (a 0-D tensor has dim 0).
import type { Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, ok, oneInput, wrapDim, ais } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** The permutation a transpose(d0, d1) applies, or PyTorch's error. */
function transposePerm(op: string, x: Shape, a: Args): number[] | ShapeErr {
  if (!isInt(a.dim0)) return badArg(op, 'dim0', a.dim0, 'an int');
  if (!isInt(a.dim1)) return badArg(op, 'dim1', a.dim1, 'an int');
  const d0 = wrapDim(a.dim0, x.length);
  if (isErr(d0)) return d0;
  const d1 = wrapDim(a.dim1, x.length);
  if (isErr(d1)) return d1;
  const perm = x.map((_, i) => i);
  if (x.length > 0) [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
  return perm;
}

/** The permutation of permute(dims), or PyTorch's error (ATen's permute checks). */
function permutePerm(op: string, x: Shape, a: Args): number[] | ShapeErr {
  const dims = isInt(a.dims) ? [a.dims] : Array.isArray(a.dims) && a.dims.every(isInt) ? (a.dims as number[]) : null;
  if (!dims) return badArg(op, 'dims', a.dims, 'a tuple of ints');
  if (dims.length !== x.length) {
    return err(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.length} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const perm: number[] = [];
  for (const d of dims) {
    const w = wrapDim(d, x.length);
    if (isErr(w)) return w;
    if (perm.includes(w)) return err('permute(): duplicate dims are not allowed.');
    perm.push(w);
  }
  return perm;
}

function inferReorder(op: string, permOf: typeof transposePerm, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const perm = permOf(op, x, a);
  if (isErr(perm)) return perm;
  const output = perm.map((i) => x[i]);
  return ok(output, 0, 0, perm.every((p, i) => p === i) ? [] : [`dims (${perm.join(', ')}): ${fmtShape(x)} -> ${fmtShape(output)}`]);
}

const TRANSPOSE_SIGNATURE = [{ name: 'dim0' }, { name: 'dim1' }];

const transposeRules: ShapeRule[] = [
  {
    op: 'torch.transpose',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'transpose',
    // The other overload takes dim names.
    native: { otherOverloads: [[3, 3]] },
    signature: TRANSPOSE_SIGNATURE,
    infer: (inputs, args) => inferReorder('transpose', transposePerm, inputs, args),
  },
  {
    op: '.transpose',
    kind: 'method',
    pyName: 'transpose',
    native: { otherOverloads: [[2, 2]] },
    signature: TRANSPOSE_SIGNATURE,
    infer: (inputs, args) => inferReorder('transpose', transposePerm, inputs, args),
  },
];

const permuteRules: ShapeRule[] = [
  {
    op: 'torch.permute',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'permute',
    native: {},
    signature: [{ name: 'dims' }],
    infer: (inputs, args) => inferReorder('permute', permutePerm, inputs, args),
  },
  {
    op: '.permute',
    kind: 'method',
    pyName: 'permute',
    native: {},
    // x.permute(0, 2, 1, 3) and x.permute((0, 2, 1, 3)) bind the same list
    signature: [{ name: 'dims', varargs: true }],
    infer: (inputs, args) => inferReorder('permute', permutePerm, inputs, args),
  },
];

function permOrFail(g: OnnxEmitter, permOf: typeof transposePerm, x: Shape, a: Args): number[] {
  const perm = permOf('permute', x, a);
  return isErr(perm) ? g.fail(perm.error) : perm;
}

function reorderOp(key: string, rules: ShapeRule[], permOf: typeof transposePerm): OpDef {
  return {
    key,
    rules,
    lower(g, { args, inputs: [x], inShapes: [s], out }) {
      const perm = permOrFail(g, permOf, s, args);
      if (s.length === 0) g.op('Identity', [x], {}, out);
      else g.op('Transpose', [x], { perm: ais(perm) }, out);
    },
    backward(g, { args, inShapes: [s], dOut }: BackwardCall): Gradients {
      const perm = permOrFail(g, permOf, s, args);
      if (s.length === 0) return { inputs: [dOut] };
      // the inverse permutation puts every dim back
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { inputs: [g.op('Transpose', [dOut], { perm: ais(inverse) })] };
    },
  };
}

export const transpose: OpDef = {
  ...reorderOp('transpose', transposeRules, transposePerm),
  title: (a) => (isInt(a.dim0) && isInt(a.dim1) ? [`${a.dim0},${a.dim1}`] : []),
};

export const permute: OpDef = {
  ...reorderOp('permute', permuteRules, permutePerm),
  title: (a) => (Array.isArray(a.dims) ? [`(${a.dims.join(', ')})`] : []),
};
