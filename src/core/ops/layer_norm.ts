// nn.LayerNorm (normalized_shape, eps, elementwise_affine) and F.layer_norm without weight and bias: each sample normalised over its last
// len(normalized_shape) dims, then an elementwise affine (weight, bias of normalized_shape). No running statistics.
import type { Shape } from '../types';
import { badArg, emitNormalized, err, fmtShape, intList, isErr, normalizeOver, normalizeOverBackward, numel, ok, oneInput, reduceSum, savedNormalization, truthy } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

/** normalized_shape as a list: an int is (int,). */
function normalizedShape(a: Args): number[] | null {
  return intList(a.normalized_shape, 1);
}

function inferLayerNorm(op: string, inputs: Shape[], a: Args): ShapeResult {
  const shape = normalizedShape(a);
  if (!shape) return badArg(op, 'normalized_shape', a.normalized_shape, 'an int or a tuple of ints');
  const affine = truthy(a.elementwise_affine);
  const negative = shape.find((d) => d < 0);
  if (affine && negative !== undefined) return err(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(shape)}`);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  // ATen's _check_layer_norm_inputs
  if (shape.length === 0) {
    return err(`Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${fmtShape(shape)}`);
  }
  const tail = x.slice(x.length - shape.length);
  if (x.length < shape.length || tail.some((d, i) => d !== shape[i])) {
    return err(`Given normalized_shape=${fmtShape(shape)}, expected input with shape [*${shape.map((d) => `, ${d}`).join('')}], but got input of size${fmtShape(x)}`);
  }
  const params = affine ? 2 * numel(shape) : 0;
  return ok([...x], params, 0, affine ? [`params: 2*${numel(shape)} = ${params} (weight, bias)`] : []);
}

const layerNormRules: ShapeRule[] = [
  {
    op: 'LayerNorm',
    kind: 'module',
    pyName: 'LayerNorm.__init__',
    signature: [
      { name: 'normalized_shape' },
      { name: 'eps', default: 1e-5 },
      { name: 'elementwise_affine', default: true },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: (inputs, args) => inferLayerNorm('LayerNorm', inputs, args),
  },
  {
    // weight and bias are tensors: without them (None) there is no affine (elementwise_affine is absent)
    op: 'torch.nn.functional.layer_norm',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'layer_norm',
    signature: [
      { name: 'normalized_shape' },
      { name: 'weight', default: null },
      { name: 'bias', default: null },
      { name: 'eps', default: 1e-5 },
    ],
    infer: (inputs, args) => inferLayerNorm('layer_norm', inputs, args),
  },
];

function geometry(g: OnnxEmitter, a: Args, s: Shape) {
  const shape = normalizedShape(a) ?? g.fail('normalized_shape must be an int or a tuple of ints');
  const axes = shape.map((_, i) => s.length - shape.length + i);
  const leading = s.slice(0, s.length - shape.length).map((_, i) => i);
  return { shape, axes, leading };
}

export const layerNorm: OpDef = {
  key: 'layer_norm',
  rules: layerNormRules,
  title: (a) => (a.normalized_shape === undefined ? [] : [Array.isArray(a.normalized_shape) ? a.normalized_shape.join('x') : String(a.normalized_shape)]),
  params(a) {
    const shape = normalizedShape(a) ?? [];
    return truthy(a.elementwise_affine) ? [{ name: 'weight', shape: [...shape] }, { name: 'bias', shape: [...shape] }] : [];
  },
  // xhat = (x - mean) / sqrt(var + eps) over the last dims (biased variance), then xhat * weight + bias
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const { shape, axes } = geometry(g, a, s);
    const stats = normalizeOver(g, x, axes, g.num('eps', a.eps));
    emitNormalized(g, stats, stats.normalized, out, truthy(a.elementwise_affine) ? [g.param('weight', shape), g.param('bias', shape)] : null);
  },
  // dX = invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)), dXhat = dY * weight;
  // dWeight = sum(dY * xhat), dBias = sum(dY) over the leading dims
  backward(g, { args: a, inShapes: [s], dOut }) {
    const { shape, axes, leading } = geometry(g, a, s);
    const affine = truthy(a.elementwise_affine);
    const { normalized, invstd } = savedNormalization(g, 'LayerNorm');
    const dXhat = affine ? g.op('Mul', [dOut, g.param('weight', shape)]) : dOut;
    const inputs = [normalizeOverBackward(g, dXhat, normalized, invstd, axes)];
    if (!affine) return { inputs };
    const sum = (v: string) => (leading.length === 0 ? v : reduceSum(g, v, leading, false));
    return { inputs, params: { weight: sum(g.op('Mul', [dOut, normalized])), bias: sum(dOut) } };
  },
  traits: {},
};
