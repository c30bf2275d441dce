// nn.BatchNorm2d (and what BatchNorm1d shares) in training mode (a module's default, as when the model is called right after construction).
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, numel, ok, oneInput, truthy, af, ai, ais } from './common';
import type { Args, OpDef, Param, ParamSpec, ShapeResult, ShapeRule } from './types';

/**
 * _BatchNorm in training mode: the constructor's checks, the subclass's rank check (`rankError`), then
 * F.batch_norm's _verify_batch_size and ATen's per-channel sizes.
 */
export function inferBatchNorm(op: string, inputs: Shape[], a: Args, rankError: (rank: number) => string | null): ShapeResult {
  const c = a.num_features;
  if (!isInt(c)) return badArg(op, 'num_features', c, 'an int');
  const affine = truthy(a.affine);
  const tracking = truthy(a.track_running_stats);
  if ((affine || tracking) && c < 0) return err(`Trying to create tensor with negative dimension ${c}: [${c}]`);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const rank = rankError(x.length);
  if (rank) return err(rank);
  // F.batch_norm's _verify_batch_size: N*H*W (N*L) values per channel.
  if (x[0] * numel(x.slice(2)) === 1) {
    return err(`Expected more than 1 value per channel when training, got input size torch.Size([${x.join(', ')}])`);
  }
  const checked = [...(tracking ? ['running_mean', 'running_var'] : []), ...(affine ? ['weight', 'bias'] : [])];
  for (const name of checked) {
    if (x[1] !== c) return err(`${name} should contain ${x[1]} elements not ${c}`);
  }
  const params = affine ? 2 * c : 0;
  return ok([...x], params, 0, affine ? [`params: 2*${c} = ${params} (weight, bias)`] : []);
}

export const BATCH_NORM_SIGNATURE: Param[] = [
  { name: 'num_features' },
  { name: 'eps', default: 1e-5 },
  { name: 'momentum', default: 0.1 },
  { name: 'affine', default: true },
  { name: 'track_running_stats', default: true },
  { name: 'device', default: null },
  { name: 'dtype', default: null },
];

const batchNorm2dRules: ShapeRule[] = [
  {
    op: 'BatchNorm2d',
    kind: 'module',
    pyName: '_BatchNorm.__init__',
    signature: BATCH_NORM_SIGNATURE,
    infer: (inputs, args) => inferBatchNorm('BatchNorm2d', inputs, args, (n) => (n !== 4 ? `expected 4D input (got ${n}D input)` : null)),
  },
];

/** What every _BatchNorm means but its rank: title, parameters and buffers, eval-mode ONNX, traits. */
export const batchNormCommon: Omit<OpDef, 'key' | 'rules'> = {
  title: (a) => (a.num_features === undefined ? [] : [String(a.num_features)]),
  params(a) {
    const c = Number(a.num_features);
    const params: ParamSpec[] = [];
    if (truthy(a.affine)) params.push({ name: 'weight', shape: [c] }, { name: 'bias', shape: [c] });
    if (truthy(a.track_running_stats)) {
      params.push({ name: 'running_mean', shape: [c], buffer: true }, { name: 'running_var', shape: [c], buffer: true }, { name: 'num_batches_tracked', shape: [], buffer: true });
    }
    return params;
  },
  lower(g, { args: a, inputs: [x], inShapes: [inShape], out }) {
    const c = g.int('num_features', a.num_features);
    const affine = truthy(a.affine);
    const eps = g.num('eps', a.eps);
    const weight = affine ? g.param('weight', [c]) : g.floatConst(new Float32Array(c).fill(1), [c]);
    const bias = affine ? g.param('bias', [c]) : g.floatConst(new Float32Array(c), [c]);
    if (truthy(a.track_running_stats)) {
      const mean = g.param('running_mean', [c]);
      const variance = g.param('running_var', [c]);
      g.op('BatchNormalization', [x, weight, bias, mean, variance], { epsilon: af(eps) }, out);
      return;
    }
    // without running stats PyTorch normalizes with the batch's own statistics, in eval mode too
    const axes = { axes: ais(inShape.map((_, i) => i).filter((i) => i !== 1)), keepdims: ai(1) };
    const centered = g.op('Sub', [x, g.op('ReduceMean', [x], axes)]);
    const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], axes);
    const normalized = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
    const perChannel = inShape.map((_, i) => (i === 1 ? c : 1));
    const scaled = affine ? g.op('Mul', [normalized, g.op('Reshape', [weight, g.intConst(perChannel)])]) : normalized;
    if (affine) g.op('Add', [scaled, g.op('Reshape', [bias, g.intConst(perChannel)])], {}, out);
    else g.op('Identity', [scaled], {}, out);
  },
  traits: { perChannel: true },
};

export const batchNorm2d: OpDef = {
  key: 'batch_norm2d',
  rules: batchNorm2dRules,
  ...batchNormCommon,
  lower(g, call) {
    g.rank4(call.inShapes[0], 'BatchNorm2d');
    batchNormCommon.lower!(g, call);
  },
};
