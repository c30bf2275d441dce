// x.view(*shape) and x.reshape(*shape): the target shape as positional ints or one tuple, at most one -1.
// Binding: the signature is one varargs int list named `shape`; bindArgs gives `x.view(1, -1)` and
// `x.view((1, -1))` the same args.shape ([1, -1]); a nested [[1, -1]] is accepted too.
import type { ArgValue, Shape } from '../types';
import { err, fmtShape, isErr, isInt, numel, ok, oneInput, pyTypeName } from './common';
import type { Args, BackwardCall, Gradients, LowerCall, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

/** ATen's infer_size. */
function inferSize(shape: number[], total: number): Shape | string {
  let newSize = 1;
  let inferDim = -1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === -1) {
      if (inferDim >= 0) return 'only one dimension can be inferred';
      inferDim = d;
    } else if (shape[d] >= 0) {
      newSize *= shape[d];
    } else {
      return `invalid shape dimension ${shape[d]}`;
    }
  }
  if (total === newSize || (inferDim >= 0 && newSize > 0 && total % newSize === 0)) {
    const out = [...shape];
    if (inferDim >= 0) {
      if (newSize === 0) {
        return `cannot reshape tensor of 0 elements into shape ${fmtShape(shape)} because the unspecified dimension size -1 can be any value and is ambiguous`;
      }
      out[inferDim] = total / newSize;
    }
    return out;
  }
  return `shape '${fmtShape(shape)}' is invalid for input of size ${total}`;
}

function inferView(method: string, argName: string, inputs: Shape[], a: Args): ShapeResult {
  let raw: ArgValue | undefined = a.shape;
  if (isInt(raw)) raw = [raw];
  if (Array.isArray(raw) && raw.length === 1 && Array.isArray(raw[0])) raw = raw[0];
  if (!Array.isArray(raw)) {
    return err(`${method}(): argument '${argName}' (position 1) must be tuple of SymInts, not ${pyTypeName(raw)}`);
  }
  const bad = raw.findIndex((v) => !isInt(v));
  if (bad >= 0) {
    return err(
      `${method}(): argument '${argName}' must be tuple of SymInts, but found element of type ${pyTypeName(raw[bad])} at pos ${bad + 1}`,
    );
  }
  const x = oneInput(method, inputs);
  if (isErr(x)) return x;
  const shape = raw as number[];
  const total = numel(x);
  const out = inferSize(shape, total);
  if (typeof out === 'string') return err(out);
  const inferred = shape.indexOf(-1);
  const formula = inferred >= 0 ? [`-1 = ${total} / ${numel(shape.filter((d) => d !== -1))} = ${out[inferred]}`] : [];
  return ok(out, 0, 0, formula);
}

const viewRules: ShapeRule[] = [
  {
    op: '.view',
    kind: 'method',
    pyName: 'view',
    // The other overload is view(dtype).
    native: { otherOverloads: [[1, 1]] },
    signature: [{ name: 'shape', varargs: true, keyword: 'size' }],
    infer: (inputs, args) => inferView('view', 'size', inputs, args),
  },
  {
    op: '.reshape',
    kind: 'method',
    pyName: 'reshape',
    native: {},
    signature: [{ name: 'shape', varargs: true }],
    infer: (inputs, args) => inferView('reshape', 'shape', inputs, args),
  },
];

/** A reshape in ONNX: the batch dimension stays free (0 copies it) when the reshape keeps it first. */
export function lowerReshape(g: OnnxEmitter, { inputs: [x], inShapes: [inShape], outShape, out, batched, batch }: LowerCall): void {
  let target: number[];
  if (batched && inShape.length > 0 && outShape.length > 0 && inShape[0] === outShape[0] && numel(inShape.slice(1)) === numel(outShape.slice(1)) && !outShape.slice(1).includes(0)) {
    target = [0, ...outShape.slice(1)];
  } else if (!batched || batch === 1) {
    target = [...outShape];
  } else {
    return g.fail(`it reshapes [${inShape.join(', ')}] to [${outShape.join(', ')}], mixing the batch dimension with the others; export with batch 1`);
  }
  g.op('Reshape', [x, g.intConst(target)], {}, out);
}

/** A reshape's backward: dY back to the input's shape. */
export function backwardReshape(g: OnnxEmitter, { inShapes: [inShape], dOut }: BackwardCall): Gradients {
  return { inputs: [g.op('Reshape', [dOut, g.intConst([...inShape])])] };
}

export const view: OpDef = {
  key: 'view',
  rules: viewRules,
  lower: lowerReshape,
  backward: backwardReshape,
};
