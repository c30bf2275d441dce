// nn.PReLU (num_parameters=1 or C, init=0.25): a learned negative slope, one for all channels or one per channel
// (dim 1). Same shape as the input; its `weight` parameter is [num_parameters].
import { badArg, err, fmtShape, isErr, isInt, ok, oneInput, reduceSum } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';
import type { Shape } from '../types';

function inferPrelu(inputs: Shape[], a: Args): ShapeResult {
  const n = a.num_parameters;
  if (!isInt(n)) return badArg('PReLU', 'num_parameters', n, 'an int');
  if (n < 0) return err(`Trying to create tensor with negative dimension ${n}: ${fmtShape([n])}`);
  const x = oneInput('PReLU', inputs);
  if (isErr(x)) return x;
  // ATen's prelu: a weight of more than one element must have one per channel (dim 1; 1 for inputs under 2-D)
  const channels = x.length >= 2 ? x[1] : 1;
  if (n !== 1 && n !== channels) {
    return err(`Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels}.`);
  }
  return ok([...x], n, 0, [`params: ${n} (weight)`]);
}

const preluRules: ShapeRule[] = [
  {
    op: 'PReLU',
    kind: 'module',
    pyName: 'PReLU.__init__',
    signature: [
      { name: 'num_parameters', default: 1 },
      { name: 'init', default: 0.25 },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: inferPrelu,
  },
];

/** The weight shaped to broadcast against the input: [1, C, 1, ...] per channel, [1] when shared. */
function slope(g: OnnxEmitter, a: Args, inShape: Shape): string {
  const n = g.int('num_parameters', a.num_parameters);
  const w = g.param('weight', [n]);
  if (n === 1 || inShape.length < 2) return w;
  return g.op('Reshape', [w, g.intConst(inShape.map((_, i) => (i === 1 ? n : 1)))]);
}

export const prelu: OpDef = {
  key: 'prelu',
  rules: preluRules,
  title: (a) => (a.num_parameters === undefined || a.num_parameters === 1 ? [] : [String(a.num_parameters)]),
  params: (a) => [{ name: 'weight', shape: [Number(a.num_parameters)] }],
  // x > 0 ? x : weight * x, from primitives (onnxruntime-web's WebGPU EP has no PRelu kernel)
  lower(g, { args, inputs: [x], inShapes: [s], out }) {
    g.op('Where', [g.op('Greater', [x, g.scalar(0)]), x, g.op('Mul', [x, slope(g, args, s)])], {}, out);
  },
  // prelu_backward: dX = x > 0 ? dY : weight * dY; dWeight = sum of (x > 0 ? 0 : x * dY) over all but the channels
  backward(g, { args, inputs: [x], inShapes: [s], dOut }) {
    const n = g.int('num_parameters', args.num_parameters);
    const positive = g.op('Greater', [x, g.scalar(0)]);
    const dx = g.op('Where', [positive, dOut, g.op('Mul', [dOut, slope(g, args, s)])]);
    const perElement = g.op('Where', [positive, g.scalar(0), g.op('Mul', [x, dOut])]);
    const perChannel = n !== 1 && s.length >= 2;
    const axes = s.map((_, i) => i).filter((i) => !(perChannel && i === 1));
    const summed = reduceSum(g, perElement, axes, false);
    return { inputs: [dx], params: { weight: perChannel ? summed : g.op('Reshape', [summed, g.intConst([1])]) } };
  },
  traits: { perChannel: true, activation: true },
};
