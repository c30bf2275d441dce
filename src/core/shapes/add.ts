// Elementwise addition with broadcasting: torch.add(a, b), Python's `a + b` (op "add") and `a += b` (op "iadd",
// in place: the broadcast result must keep a's shape). With one input (a tensor plus a Python number) the
// output is that input's shape.
import type { Shape } from '../model/ir';
import { broadcastShapes, err, fmtShape, isErr, ok } from './common';
import type { ShapeResult, ShapeRule } from './types';

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

export const addRules: ShapeRule[] = [
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
