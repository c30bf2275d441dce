// nn.LocalResponseNorm and F.local_response_norm (the 2012 AlexNet's LRN): same shape as the input, any rank >= 3.
// A non-positive size fails inside the avg_pool2d/avg_pool3d that F.local_response_norm runs across channels.
import type { Shape } from '../model/ir';
import { badArg, err, floorDiv, isErr, isInt, numel, ok, oneInput, truncDiv } from './common';
import type { Args, ShapeResult, ShapeRule } from './types';

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

export const localResponseNormRules: ShapeRule[] = [
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
