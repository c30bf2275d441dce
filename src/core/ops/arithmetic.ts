// Elementwise arithmetic with broadcasting: torch.add(a, b), Python's `a + b` (op "add"), `a += b` (op "iadd", in
// place: the broadcast result must keep a's shape), `a - b`, `a * b`, `a / b` and `-a`. With one input (a tensor
// and a Python number, kept in args.other; args.reversed when the number comes first) the output is that input's shape.
import type { Shape } from '../types';
import { broadcastShapes, err, fmtShape, isErr, ok, sameShapeRule, sumTo } from './common';
import type { BackwardCall, Gradients, OnnxEmitter, LowerCall, OpDef, ShapeResult, ShapeRule } from './types';

function validShape(s: unknown): s is Shape {
  return Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0);
}

function inferAdd(op: string, inputs: Shape[], inPlace: boolean): ShapeResult {
  const [a, b] = inputs;
  if (!validShape(a)) return err(`${op}: expected two input tensors`);
  if (b === undefined) return ok([...a]);
  if (!validShape(b)) return err(`${op}: expected two input tensors`);
  const out = broadcastShapes(a, b);
  if (isErr(out)) return out;
  if (inPlace && fmtShape(out) !== fmtShape(a)) {
    return err(`output with shape ${fmtShape(a)} doesn't match the broadcast shape ${fmtShape(out)}`);
  }
  const same = fmtShape(a) === fmtShape(b);
  return ok(out, 0, 0, same ? [] : [`broadcast ${fmtShape(a)} + ${fmtShape(b)} -> ${fmtShape(out)}`]);
}

const addRules: ShapeRule[] = [
  {
    op: 'torch.add',
    kind: 'function',
    tensorInputs: 2,
    pyName: 'add',
    // Its deprecated overload add(input, Number alpha, other) is hidden; errors then print the visible one.
    native: { hiddenOverloads: true, expected: 'Tensor input, Tensor other, *, Number alpha, Tensor out' },
    signature: [
      { name: 'alpha', default: 1, kwOnly: true },
      { name: 'out', default: null, kwOnly: true },
    ],
    infer: (inputs) => inferAdd('add', inputs, false),
  },
  {
    op: 'add',
    kind: 'function',
    tensorInputs: 2,
    signature: [],
    infer: (inputs) => inferAdd('add', inputs, false),
  },
  {
    op: 'iadd',
    kind: 'function',
    tensorInputs: 2,
    signature: [],
    infer: (inputs) => inferAdd('iadd', inputs, true),
  },
];

/** The same-named binary op of Python's operator: `a - b` is "sub". */
function binaryRule(op: string): ShapeRule {
  return { op, kind: 'function', tensorInputs: 2, signature: [], infer: (inputs) => inferAdd(op, inputs, false) };
}

function lowerBinary(onnxOp: string) {
  return (g: OnnxEmitter, { spelling, args: a, inputs, out }: LowerCall): void => {
    if (inputs.length === 2) {
      let other = inputs[1];
      if (a.alpha !== undefined && a.alpha !== 1) other = g.op('Mul', [other, g.scalar(g.num('alpha', a.alpha))]);
      g.op(onnxOp, [inputs[0], other], {}, out);
      return;
    }
    if (inputs.length !== 1 || a.other === undefined) g.fail(`${spelling} with a Python number: the number is not known to the exporter`);
    const scalar = g.scalar(g.num('other', a.other));
    g.op(onnxOp, a.reversed ? [scalar, inputs[0]] : [inputs[0], scalar], {}, out);
  };
}

/**
 * The gradients of a binary op as (dA, dB) before broadcasting is undone; with a Python number the other
 * operand is a constant and only the tensor's gradient is asked for.
 */
type BinaryGrads = (g: OnnxEmitter, a: string, b: string, out: string, dOut: string) => [string, string];

function backwardBinary(grads: BinaryGrads) {
  return (g: OnnxEmitter, { args: a, inputs, inShapes, outShape, out, dOut, needsGrad }: BackwardCall): Gradients => {
    if (inputs.length === 2) {
      const alpha = a.alpha !== undefined && a.alpha !== 1 ? g.scalar(g.num('alpha', a.alpha)) : null;
      const other = alpha ? g.op('Mul', [inputs[1], alpha]) : inputs[1];
      const [da, db] = grads(g, inputs[0], other, out, dOut);
      return {
        inputs: [
          needsGrad[0] ? sumTo(g, da, outShape, inShapes[0]) : null,
          needsGrad[1] ? sumTo(g, alpha ? g.op('Mul', [db, alpha]) : db, outShape, inShapes[1]) : null,
        ],
      };
    }
    const scalar = g.scalar(g.num('other', a.other));
    const [da, db] = a.reversed ? grads(g, scalar, inputs[0], out, dOut) : grads(g, inputs[0], scalar, out, dOut);
    return { inputs: [a.reversed ? db : da] };
  };
}

export const add: OpDef = { key: 'add', rules: addRules, lower: lowerBinary('Add'), backward: backwardBinary((_g, _a, _b, _o, d) => [d, d]) };
export const sub: OpDef = {
  key: 'sub',
  rules: [binaryRule('sub')],
  lower: lowerBinary('Sub'),
  backward: backwardBinary((g, _a, _b, _o, d) => [d, g.op('Neg', [d])]),
};
export const mul: OpDef = {
  key: 'mul',
  rules: [binaryRule('mul')],
  lower: lowerBinary('Mul'),
  backward: backwardBinary((g, a, b, _o, d) => [g.op('Mul', [d, b]), g.op('Mul', [d, a])]),
};
export const div: OpDef = {
  key: 'div',
  rules: [binaryRule('div')],
  lower: lowerBinary('Div'),
  // d(a/b)/db = -a/b^2 = -out/b
  backward: backwardBinary((g, _a, b, out, d) => [g.op('Div', [d, b]), g.op('Neg', [g.op('Mul', [d, g.op('Div', [out, b])])])]),
};
export const neg: OpDef = {
  key: 'neg',
  rules: [sameShapeRule('neg', 'function', [])],
  lower: (g, { inputs: [x], out }) => void g.op('Neg', [x], {}, out),
  backward: (g, { dOut }) => ({ inputs: [g.op('Neg', [dOut])] }),
};
