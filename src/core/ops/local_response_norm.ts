// nn.LocalResponseNorm and F.local_response_norm (the 2012 AlexNet's LRN): same shape as the input, any rank >= 3.
// A non-positive size fails inside the avg_pool2d/avg_pool3d that F.local_response_norm runs across channels.
import type { Shape } from '../types';
import { badArg, err, floorDiv, isErr, isInt, numel, ok, oneInput, truncDiv, ais, astr } from './common';
import type { Args, OpDef, ShapeResult, ShapeRule } from './types';

function inferLrn(op: string, inputs: Shape[], a: Args): ShapeResult {
  const size = a.size;
  if (!isInt(size)) return badArg(op, 'size', size, 'an int');
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  // The message's odd spacing is PyTorch's: a backslash-continued string literal keeps the indentation.
  if (x.length < 3) return err(`Expected 3D or higher dimensionality                          input (got ${x.length} dimensions)`);
  if (numel(x) === 0) return ok([...x]);
  const paddedChannels = x[1] + floorDiv(size, 2) + floorDiv(size - 1, 2);
  if (paddedChannels < 0) return err(`${op}: size ${size} is invalid for ${x[1]} channels`);
  if (0 > truncDiv(size, 2)) return err(`pad should be at most half of kernel size, but got pad=0 and kernel_size=${size}`);
  if (size <= 0) {
    return err(
      x.length === 3
        ? `kernel size should be greater than zero, but got kH: ${size} kW: 1`
        : `kernel size should be greater than zero, but got kT: ${size} kH: 1 kW: 1`,
    );
  }
  return ok([...x], 0, 0, [`across ${x[1]} channels, window ${size}`]);
}

const signature = [
  { name: 'size' },
  { name: 'alpha', default: 0.0001 },
  { name: 'beta', default: 0.75 },
  { name: 'k', default: 1.0 },
];

const localResponseNormRules: ShapeRule[] = [
  {
    op: 'LocalResponseNorm',
    kind: 'module',
    pyName: 'LocalResponseNorm.__init__',
    signature,
    infer: (inputs, args) => inferLrn('LocalResponseNorm', inputs, args),
  },
  {
    op: 'torch.nn.functional.local_response_norm',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'local_response_norm',
    signature,
    infer: (inputs, args) => inferLrn('local_response_norm', inputs, args),
  },
];

export const localResponseNorm: OpDef = {
  key: 'local_response_norm',
  rules: localResponseNormRules,
  title: (a) => (a.size === undefined ? [] : [`size=${a.size}`]),
  lower(g, { args: a, inputs: [x], inShapes: [inShape], out }) {
    // F.local_response_norm: div = avg over a window of `size` channels of x^2 (zero padded), * alpha + k, ^beta
    const size = g.int('size', a.size);
    const alpha = g.num('alpha', a.alpha);
    const beta = g.num('beta', a.beta);
    const k = g.num('k', a.k);
    if (inShape.length < 3) g.fail(`LocalResponseNorm needs a 3-D or higher input, got [${inShape.join(', ')}]`);
    const c = inShape[1];
    const squared = g.op('Mul', [x, x]);
    const planes = g.op('Reshape', [squared, g.intConst([0, 1, c, -1])]);
    const padded = g.op('Pad', [planes, g.intConst([0, 0, Math.floor(size / 2), 0, 0, 0, Math.floor((size - 1) / 2), 0])], { mode: astr('constant') });
    const averaged = g.op('AveragePool', [padded], { kernel_shape: ais([size, 1]), strides: ais([1, 1]) });
    const back = g.op('Reshape', [averaged, g.intConst([0, ...inShape.slice(1)])]);
    const base = g.op('Add', [g.op('Mul', [back, g.scalar(alpha)]), g.scalar(k)]);
    g.save('base', base);
    g.op('Div', [x, g.op('Pow', [base, g.scalar(beta)])], {}, out);
  },
  /*
   * y = x * D^-beta, D = k + alpha * avg over the channel window of x^2. dX = dY * D^-beta
   * - 2 * alpha * beta * x * avg'(dY * y / D), where avg' averages over the windows that contain a channel: the
   * forward's window with its padding swapped ((size-1)/2 before, size/2 after), same divisor `size`.
   */
  backward(g, { args: a, inputs: [x], inShapes: [inShape], out, dOut }) {
    const size = g.int('size', a.size);
    const alpha = g.num('alpha', a.alpha);
    const beta = g.num('beta', a.beta);
    const c = inShape[1];
    const base = g.saved('base') ?? g.fail('its forward kept no normalizer');
    const direct = g.op('Div', [dOut, g.op('Pow', [base, g.scalar(beta)])]);
    const through = g.op('Div', [g.op('Mul', [dOut, out]), base]);
    const planes = g.op('Reshape', [through, g.intConst([0, 1, c, -1])]);
    const padded = g.op('Pad', [planes, g.intConst([0, 0, Math.floor((size - 1) / 2), 0, 0, 0, Math.floor(size / 2), 0])], { mode: astr('constant') });
    const averaged = g.op('AveragePool', [padded], { kernel_shape: ais([size, 1]), strides: ais([1, 1]) });
    const back = g.op('Reshape', [averaged, g.intConst([...inShape])]);
    return { inputs: [g.op('Sub', [direct, g.op('Mul', [g.op('Mul', [x, back]), g.scalar(2 * alpha * beta)])])] };
  },
  traits: { perChannel: true },
};
