// nn.AdaptiveAvgPool2d and F.adaptive_avg_pool2d: Python's _list_with_default (None keeps the input size),
// then ATen's checks. An output size of exactly 1x1 is a mean over the last two dims in ATen (any rank >= 2).
import type { ArgValue, Shape } from '../types';
import { badArg, err, fmtShape, isErr, isInt, ok, oneInput, wrapDim, ai, ais, kernelText } from './common';
import type { Args, OpDef, ShapeErr, ShapeResult, ShapeRule } from './types';

/** output_size after Python's _list_with_default (an int is both dims; None keeps the input's size), or its error. */
export function adaptiveOutputSize(op: string, x: Shape, raw: ArgValue | undefined): number[] | ShapeErr {
  if (isInt(raw)) return [raw, raw];
  if (raw === null || raw === undefined) return err("object of type 'NoneType' has no len()");
  if (Array.isArray(raw) && raw.every((v) => v === null || isInt(v))) {
    if (x.length <= raw.length) return err(`Input dimension should be at least ${raw.length + 1}`);
    const defaults = x.slice(x.length - raw.length);
    return raw.map((v, i) => (v === null ? defaults[i] : (v as number)));
  }
  return badArg(op, 'output_size', raw, 'an int, None or a tuple of ints/None');
}

/** "H: 13 -> 6 (adaptive)" for each spatial dim. */
export function adaptiveFormula(x: Shape, out: number[]): string[] {
  return (['H', 'W'] as const).map((label, i) => `${label}: ${x[x.length - 2 + i]} -> ${out[i]} (adaptive)`);
}

export function inferAdaptiveAvgPool2d(op: string, inputs: Shape[], a: Args): ShapeResult {
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const size = adaptiveOutputSize(op, x, a.output_size);
  if (isErr(size)) return size;
  if (size.length !== 2) return err('adaptive_avg_pool2d: output_size must be 2');
  if (size[0] < 0 || size[1] < 0) {
    return err(
      `adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${size[0]}, ${size[1]}}`,
    );
  }
  if (size[0] === 1 && size[1] === 1) {
    // input.mean({-1, -2}, keepdim=true)
    for (const dim of [-1, -2]) {
      const w = wrapDim(dim, x.length);
      if (isErr(w)) return w;
    }
    return ok([...x.slice(0, -2), 1, 1], 0, 0, adaptiveFormula(x, [1, 1]));
  }
  if (x.length !== 3 && x.length !== 4) return err(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${fmtShape(x)}`);
  for (const i of [-2, -1]) {
    if (x[x.length + i] <= 0) {
      return err(
        `adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(x)} with dimension ${x.length + i} being empty`,
      );
    }
  }
  return ok([...x.slice(0, -2), size[0], size[1]], 0, 0, adaptiveFormula(x, size));
}

const adaptiveAvgPool2dRules: ShapeRule[] = [
  {
    op: 'AdaptiveAvgPool2d',
    kind: 'module',
    pyName: '_AdaptiveAvgPoolNd.__init__',
    signature: [{ name: 'output_size' }],
    infer: (inputs, args) => inferAdaptiveAvgPool2d('AdaptiveAvgPool2d', inputs, args),
  },
  {
    op: 'torch.nn.functional.adaptive_avg_pool2d',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'adaptive_avg_pool2d',
    signature: [{ name: 'output_size' }],
    infer: (inputs, args) => inferAdaptiveAvgPool2d('adaptive_avg_pool2d', inputs, args),
  },
];

/** PyTorch's adaptive pooling bins of one dim: [floor(i*in/out), ceil((i+1)*in/out)) for each output i. */
export function adaptiveBins(size: number, outSize: number): Array<[number, number]> {
  return Array.from({ length: outSize }, (_, i) => [Math.floor((i * size) / outSize), Math.ceil(((i + 1) * size) / outSize)]);
}

/** out x in matrix averaging each bin. */
function binMatrix(size: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * size);
  adaptiveBins(size, outSize).forEach(([start, end], i) => {
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  });
  return m;
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

export const adaptiveAvgPool2d: OpDef = {
  key: 'adaptive_avg_pool2d',
  rules: adaptiveAvgPool2dRules,
  title: (a) => (a.output_size === undefined ? [] : [kernelText(a.output_size) ?? '']),
  lower(g, { inputs: [x], inShapes: [inShape], outShape, out }) {
    const r = inShape.length;
    const [h, w] = [inShape[r - 2], inShape[r - 1]];
    const [oh, ow] = [outShape[r - 2], outShape[r - 1]];
    if (oh === 1 && ow === 1) {
      if (r === 4) g.op('GlobalAveragePool', [x], {}, out);
      else g.op('ReduceMean', [x], { axes: ais([r - 2, r - 1]), keepdims: ai(1) }, out);
      return;
    }
    if (r === 4 && h % oh === 0 && w % ow === 0) {
      const kernel = [h / oh, w / ow];
      g.op('AveragePool', [x], { kernel_shape: ais(kernel), strides: ais(kernel) }, out);
      return;
    }
    // as averaging matrices, rows then columns
    const rows = g.floatConst(binMatrix(h, oh), [oh, h]);
    const cols = g.floatConst(transpose(binMatrix(w, ow), ow, w), [w, ow]);
    g.op('MatMul', [rows, g.op('MatMul', [x, cols])], {}, out);
  },
  // the transpose of the averaging: each bin's dY spread evenly over the bin (bins may overlap), as matrices
  backward(g, { inShapes: [inShape], outShape, dOut }) {
    const r = inShape.length;
    const [h, w] = [inShape[r - 2], inShape[r - 1]];
    const [oh, ow] = [outShape[r - 2], outShape[r - 1]];
    if (oh === 1 && ow === 1) {
      return { inputs: [g.op('Expand', [g.op('Mul', [dOut, g.scalar(1 / (h * w))]), g.intConst([...inShape])])] };
    }
    const rowsT = g.floatConst(transpose(binMatrix(h, oh), oh, h), [h, oh]);
    const colsT = g.floatConst(binMatrix(w, ow), [ow, w]);
    return { inputs: [g.op('MatMul', [rowsT, g.op('MatMul', [dOut, colsT])])] };
  },
  traits: { perChannel: true },
};
