// nn.AdaptiveMaxPool2d and F.adaptive_max_pool2d: Python's _list_with_default, then ATen's adaptive_max_pool2d
// meta checks. Bins are PyTorch's [floor(i*in/out), ceil((i+1)*in/out)), overlapping when sizes do not divide.
// With return_indices=True PyTorch returns (values, indices); the shape given is the values' (indices match).
import type { Shape } from '../types';
import { err, fmtShape, isErr, ok, oneInput, truthy, ai, ais, astr, kernelText } from './common';
import { adaptiveBins, adaptiveFormula, adaptiveOutputSize } from './adaptive_avg_pool2d';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

function inferAdaptiveMaxPool2d(op: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const size = adaptiveOutputSize(op, x, a.output_size);
  if (isErr(size)) return size;
  if (x.length !== 3 && x.length !== 4) return err(`adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: ${fmtShape(x)}`);
  for (let i = 1; i < x.length; i++) {
    if (x[i] <= 0) {
      return err(
        `adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(x)} with dimension ${i} being empty`,
      );
    }
  }
  if (size.length !== 2) return err('adaptive_max_pool2d(): internal error: output_size.size() must be 2');
  const output = [...x.slice(0, -2), size[0], size[1]];
  const negative = output.find((d) => d < 0);
  if (negative !== undefined) return err(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(output)}`);
  return ok(output, 0, 0, adaptiveFormula(x, size));
}

const ADAPTIVE_MAX_POOL_PARAMS = [{ name: 'output_size' }, { name: 'return_indices', default: false }];

const adaptiveMaxPool2dRules: ShapeRule[] = [
  {
    op: 'AdaptiveMaxPool2d',
    kind: 'module',
    pyName: '_AdaptiveMaxPoolNd.__init__',
    signature: ADAPTIVE_MAX_POOL_PARAMS,
    infer: (inputs, args) => inferAdaptiveMaxPool2d('AdaptiveMaxPool2d', inputs, args),
  },
  {
    // A boolean_dispatch wrapper; with return_indices=False Python names the callee _adaptive_max_pool2d.
    op: 'torch.nn.functional.adaptive_max_pool2d',
    kind: 'function',
    tensorInputs: 1,
    pyName: '_adaptive_max_pool2d',
    signature: ADAPTIVE_MAX_POOL_PARAMS,
    infer: (inputs, args) => inferAdaptiveMaxPool2d('adaptive_max_pool2d', inputs, args),
  },
];

/** The max of each bin along one axis: MaxPool when the bins tile the axis evenly, else one slice per bin. */
function maxOverBins(g: OnnxEmitter, x: string, axis: number, size: number, outSize: number, out?: string): string {
  if (size === outSize) return out ? g.op('Identity', [x], {}, out) : x;
  const parts = adaptiveBins(size, outSize).map(([start, end]) =>
    g.op('ReduceMax', [g.op('Slice', [x, g.intConst([start]), g.intConst([end]), g.intConst([axis])])], { axes: ais([axis]), keepdims: ai(1) }),
  );
  return parts.length === 1 ? g.op('Identity', parts, {}, out) : g.op('Concat', parts, { axis: ai(axis) }, out);
}

/**
 * dLoss/dInput: each bin's gradient goes to the first maximum of the bin in row-major order (PyTorch's index), found
 * with ArgMax (first occurrence) rather than MaxPool's Indices output; overlapping bins add up.
 */
function backwardAdaptiveMaxPool2d(g: OnnxEmitter, { args: a, inputs: [x], inShapes: [inShape], outShape, dOut }: BackwardCall): Gradients {
  if (truthy(a.return_indices)) g.fail('return_indices=True has no ONNX mapping here');
  const r = inShape.length;
  const [h, w] = [inShape[r - 2], inShape[r - 1]];
  const lead = Array(r - 2).fill(0);
  const rowBins = adaptiveBins(h, outShape[r - 2]);
  const colBins = adaptiveBins(w, outShape[r - 1]);
  let sum: string | null = null;
  rowBins.forEach(([h0, h1], i) => {
    colBins.forEach(([w0, w1], j) => {
      const bin = g.op('Slice', [x, g.intConst([h0, w0]), g.intConst([h1, w1]), g.intConst([r - 2, r - 1])]);
      const size = (h1 - h0) * (w1 - w0);
      const first = g.op('ArgMax', [g.op('Reshape', [bin, g.intConst([...lead, size])])], { axis: ai(r - 2), keepdims: ai(1), select_last_index: ai(0) });
      const hit = g.op('Equal', [g.intConst(Array.from({ length: size }, (_, k) => k)), first]);
      const grad = g.op('Slice', [dOut, g.intConst([i, j]), g.intConst([i + 1, j + 1]), g.intConst([r - 2, r - 1])]);
      const flat = g.op('Where', [hit, g.op('Reshape', [grad, g.intConst([...lead, 1])]), g.scalar(0)]);
      const spread = g.op('Reshape', [flat, g.intConst([...lead, h1 - h0, w1 - w0])]);
      const placed = g.op('Pad', [spread, g.intConst([...lead, h0, w0, ...lead, h - h1, w - w1])], { mode: astr('constant') });
      sum = sum === null ? placed : g.op('Add', [sum, placed]);
    });
  });
  return { inputs: [sum ?? g.fail('an output size of 0 has no gradient')] };
}

export const adaptiveMaxPool2d: OpDef = {
  key: 'adaptive_max_pool2d',
  rules: adaptiveMaxPool2dRules,
  title: (a) => (a.output_size === undefined ? [] : [kernelText(a.output_size) ?? '']),
  lower(g, { args: a, inputs: [x], inShapes: [inShape], outShape, out }) {
    if (truthy(a.return_indices)) g.fail('return_indices=True has no ONNX mapping here');
    const r = inShape.length;
    const [h, w] = [inShape[r - 2], inShape[r - 1]];
    const [oh, ow] = [outShape[r - 2], outShape[r - 1]];
    if (oh === 0 || ow === 0) g.fail('an output size of 0 has no ONNX mapping');
    if (r === 4 && h % oh === 0 && w % ow === 0) {
      const kernel = [h / oh, w / ow];
      g.op('MaxPool', [x], { kernel_shape: ais(kernel), strides: ais(kernel) }, out);
      return;
    }
    // rows, then columns: a max over a rectangle is the max of the row maxima
    maxOverBins(g, maxOverBins(g, x, r - 2, h, oh), r - 1, w, ow, out);
  },
  backward: backwardAdaptiveMaxPool2d,
  traits: { perChannel: true },
};
