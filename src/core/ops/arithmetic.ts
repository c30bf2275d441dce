// Elementwise arithmetic with broadcasting: torch.add(a, b), Python's `a + b` (op "add"), `a += b` (op "iadd", in
// place: the broadcast result must keep a's shape), `a - b`, `a * b`, `a / b` and `-a`. With one input (a tensor
// and a Python number, kept in args.other; args.reversed when the number comes first) the output is that input's shape.
import type { Shape } from '../types';
import { broadcastShapes, err, fmtShape, isErr, ok, sameShapeRule } from './common';
import type { OnnxEmitter, LowerCall, OpDef, ShapeResult, ShapeRule } from './types';

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

export const add: OpDef = { key: 'add', rules: addRules, lower: lowerBinary('Add') };
export const sub: OpDef = { key: 'sub', rules: [binaryRule('sub')], lower: lowerBinary('Sub') };
export const mul: OpDef = { key: 'mul', rules: [binaryRule('mul')], lower: lowerBinary('Mul') };
export const div: OpDef = { key: 'div', rules: [binaryRule('div')], lower: lowerBinary('Div') };
export const neg: OpDef = {
  key: 'neg',
  rules: [sameShapeRule('neg', 'function', [])],
  lower: (g, { inputs: [x], out }) => void g.op('Neg', [x], {}, out),
};
