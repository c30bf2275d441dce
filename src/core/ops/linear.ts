// nn.Linear: applies to the last dim, any leading dims (F.linear / matmul semantics).
import type { Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, numel, ok, oneInput, truthy, ai, ais, reduceSum } from './common';
import type { Args, OpDef, ShapeResult, ShapeRule } from './types';

function inferLinear(inputs: Shape[], a: Args): ShapeResult {
  const op = 'Linear';
  const inF = a.in_features;
  const outF = a.out_features;
  if (!isInt(inF)) return badArg(op, 'in_features', inF, 'an int');
  if (!isInt(outF)) return badArg(op, 'out_features', outF, 'an int');
  const weight = [outF, inF];
  const negative = weight.find((d) => d < 0);
  if (negative !== undefined) return err(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(weight)}`);
  const hasBias = truthy(a.bias);
  const params = inF * outF + (hasBias ? outF : 0);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  if (x.length === 0) return err('both arguments to matmul need to be at least 1D, but they are 0D and 2D');
  const last = x[x.length - 1];
  if (last !== inF) {
    const rows = numel(x.slice(0, -1));
    return err(`mat1 and mat2 shapes cannot be multiplied (${rows}x${last} and ${inF}x${outF})`);
  }
  const output = [...x.slice(0, -1), outF];
  // (numel(output) / out_features) rows, each in_features*out_features multiply-accumulates.
  const rows = numel(x.slice(0, -1));
  const macs = rows * inF * outF;
  return ok(output, params, macs, [
    `in_features ${inF} -> ${outF}`,
    `params: ${inF}*${outF}${hasBias ? ` + ${outF}` : ''} = ${params}`,
    `MACs: ${rows} rows * ${inF}*${outF} = ${macs}`,
  ]);
}

const linearRules: ShapeRule[] = [
  {
    op: 'Linear',
    kind: 'module',
    pyName: 'Linear.__init__',
    signature: [
      { name: 'in_features' },
      { name: 'out_features' },
      { name: 'bias', default: true },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: inferLinear,
  },
];

export const linear: OpDef = {
  key: 'linear',
  rules: linearRules,
  title: (a) => (a.in_features === undefined ? [] : [`${a.in_features}→${a.out_features}`]),
  params(a) {
    const params = [{ name: 'weight', shape: [Number(a.out_features), Number(a.in_features)] }];
    if (truthy(a.bias)) params.push({ name: 'bias', shape: [Number(a.out_features)] });
    return params;
  },
  lower(g, { args: a, inputs: [x], inShapes: [inShape], out }) {
    const inF = g.int('in_features', a.in_features);
    const outF = g.int('out_features', a.out_features);
    const weight = g.param('weight', [outF, inF]);
    const bias = truthy(a.bias) ? g.param('bias', [outF]) : null;
    if (inShape.length === 2 && g.mode === 'train' && g.target === 'cpu') {
      // (W x^T)^T: onnxruntime's CPU Gemm repacks a transposed B (the whole weight) on each call; as A it is read in place
      const yt = g.op('Transpose', [g.op('MatMul', [weight, g.op('Transpose', [x], { perm: ais([1, 0]) })])], { perm: ais([1, 0]) });
      g.op(bias ? 'Add' : 'Identity', bias ? [yt, bias] : [yt], {}, out);
      return;
    }
    if (inShape.length === 2) {
      g.op('Gemm', bias ? [x, weight, bias] : [x, weight], { transB: ai(1) }, out);
      return;
    }
    const wt = g.op('Transpose', [weight], { perm: ais([1, 0]) });
    if (!bias) {
      g.op('MatMul', [x, wt], {}, out);
      return;
    }
    g.op('Add', [g.op('MatMul', [x, wt]), bias], {}, out);
  },
  // dX = dY W, dW = dY^T X, db = sum of dY over the rows; leading dims beyond one are flattened into rows
  backward(g, { args: a, inputs: [x], inShapes: [inShape], dOut, needsGrad }) {
    const inF = g.int('in_features', a.in_features);
    const outF = g.int('out_features', a.out_features);
    const weight = g.param('weight', [outF, inF]);
    const flat = inShape.length !== 2;
    const rows = flat ? g.op('Reshape', [x, g.intConst([-1, inF])]) : x;
    const dRows = flat ? g.op('Reshape', [dOut, g.intConst([-1, outF])]) : dOut;
    let dx: string | null = null;
    if (needsGrad[0]) {
      dx = g.op('MatMul', [dRows, weight]);
      if (flat) dx = g.op('Reshape', [dx, g.intConst([...inShape])]);
    }
    const params: Record<string, string> = { weight: g.op('Gemm', [dRows, rows], { transA: ai(1) }) };
    if (truthy(a.bias)) params.bias = reduceSum(g, dRows, [0], false);
    return { inputs: [dx], params };
  },
};
