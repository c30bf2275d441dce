// nn.InstanceNorm2d (num_features, eps, momentum, affine=False, track_running_stats=False): each sample's channels
// normalised over their own H, W; then, with affine, a per-channel weight and bias. [N, C, H, W] or unbatched [C, H, W].
import type { Shape } from '../types';
import { batchNormCommon, BATCH_NORM_SIGNATURE, inferNormModule } from './batchnorm2d';
import { emitNormalized, normalizeOver, normalizeOverBackward, numel, reduceSum, savedNormalization, truthy } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

/**
 * _InstanceNorm.forward's rank check, F.instance_norm's _verify_spatial_size, then ATen's batch_norm on
 * [1, N*C, H, W] with the statistics and affine repeated per sample (a mismatch without either: only a warning).
 */
function inferInstanceNorm(inputs: Shape[], a: Args): ShapeResult {
  const batched = (x: Shape) => (x.length === 4 ? x : [1, ...x]);
  return inferNormModule(
    'InstanceNorm2d',
    inputs,
    a,
    (x) => {
      if (x.length !== 3 && x.length !== 4) return `expected 3D or 4D input (got ${x.length}D input)`;
      const b = batched(x);
      return numel(b.slice(2)) === 1 ? `Expected more than 1 spatial element when training, got input size torch.Size([${b.join(', ')}])` : null;
    },
    (x, c) => [batched(x)[0] * batched(x)[1], batched(x)[0] * c],
  );
}

const instanceNorm2dRules: ShapeRule[] = [
  {
    op: 'InstanceNorm2d',
    kind: 'module',
    pyName: '_InstanceNorm.__init__',
    signature: BATCH_NORM_SIGNATURE.map((p) => (p.name === 'affine' || p.name === 'track_running_stats' ? { ...p, default: false } : p)),
    infer: inferInstanceNorm,
  },
];

/** The spatial axes, and the weight/bias shape that broadcasts per channel ([C, 1, 1] or [1, C, 1, 1]). */
function geometry(g: OnnxEmitter, a: Args, s: Shape) {
  if (truthy(a.track_running_stats)) g.fail('InstanceNorm2d with track_running_stats=True (running statistics) is not built; the default, False, is');
  const c = g.int('num_features', a.num_features);
  const featureDim = s.length - 3;
  return {
    c,
    axes: [s.length - 2, s.length - 1],
    channelShape: s.map((_, i) => (i === featureDim ? c : 1)),
    reduced: s.map((_, i) => i).filter((i) => i !== featureDim),
  };
}

export const instanceNorm2d: OpDef = {
  key: 'instance_norm2d',
  rules: instanceNorm2dRules,
  title: batchNormCommon.title,
  // state_dict as _NormBase registers it: weight, bias (affine), running_mean, running_var, num_batches_tracked (tracking)
  params: batchNormCommon.params,
  // xhat = (x - mean) / sqrt(var + eps) over each sample's channel (biased variance), then xhat * weight + bias per channel
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const { c, axes, channelShape } = geometry(g, a, s);
    const stats = normalizeOver(g, x, axes, g.num('eps', a.eps));
    const channel = (name: string) => g.op('Reshape', [g.param(name, [c]), g.intConst(channelShape)]);
    emitNormalized(g, stats, stats.normalized, out, truthy(a.affine) ? [channel('weight'), channel('bias')] : null);
  },
  // dX = invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)) over H, W, dXhat = dY * weight;
  // dWeight = sum(dY * xhat), dBias = sum(dY) over all but the channels
  backward(g, { args: a, inShapes: [s], dOut }) {
    const { c, axes, channelShape, reduced } = geometry(g, a, s);
    const affine = truthy(a.affine);
    const { normalized, invstd } = savedNormalization(g, 'InstanceNorm2d');
    const dXhat = affine ? g.op('Mul', [dOut, g.op('Reshape', [g.param('weight', [c]), g.intConst(channelShape)])]) : dOut;
    const inputs = [normalizeOverBackward(g, dXhat, normalized, invstd, axes)];
    if (!affine) return { inputs };
    return { inputs, params: { weight: reduceSum(g, g.op('Mul', [dOut, normalized]), reduced, false), bias: reduceSum(g, dOut, reduced, false) } };
  },
  traits: { perChannel: true },
};
