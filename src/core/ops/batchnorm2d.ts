// nn.BatchNorm2d (and what BatchNorm1d shares) in training mode (a module's default, as when the model is called right after construction).
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, numel, ok, oneInput, truthy, af, ai, ais, reduceSum } from './common';
import type { Args, BackwardCall, Gradients, OnnxEmitter, OpDef, Param, ParamSpec, ShapeResult, ShapeRule } from './types';

/**
 * A _NormBase module (BatchNorm, InstanceNorm) in training mode: the constructor's checks, the module's own input
 * checks (`inputError`: rank, values per channel), then ATen's sizes of the statistics and affine against the
 * channels: `elements` gives [the input's, the parameters'] element counts (they differ on a channel mismatch).
 */
export function inferNormModule(
  op: string,
  inputs: Shape[],
  a: Args,
  inputError: (x: Shape) => string | null,
  elements: (x: Shape, c: number) => [number, number],
): ShapeResult {
  const c = a.num_features;
  if (!isInt(c)) return badArg(op, 'num_features', c, 'an int');
  const affine = truthy(a.affine);
  const tracking = truthy(a.track_running_stats);
  if ((affine || tracking) && c < 0) return err(`Trying to create tensor with negative dimension ${c}: [${c}]`);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  const problem = inputError(x);
  if (problem) return err(problem);
  const [have, want] = elements(x, c);
  const checked = [...(tracking ? ['running_mean', 'running_var'] : []), ...(affine ? ['weight', 'bias'] : [])];
  for (const name of checked) {
    if (have !== want) return err(`${name} should contain ${have} elements not ${want}`);
  }
  const params = affine ? 2 * c : 0;
  return ok([...x], params, 0, affine ? [`params: 2*${c} = ${params} (weight, bias)`] : []);
}

/** _BatchNorm: the subclass's rank check (`rankError`), then F.batch_norm's _verify_batch_size and ATen's per-channel sizes. */
export function inferBatchNorm(op: string, inputs: Shape[], a: Args, rankError: (rank: number) => string | null): ShapeResult {
  return inferNormModule(
    op,
    inputs,
    a,
    (x) =>
      rankError(x.length) ??
      // F.batch_norm's _verify_batch_size: N*H*W (N*L) values per channel.
      (x[0] * numel(x.slice(2)) === 1 ? `Expected more than 1 value per channel when training, got input size torch.Size([${x.join(', ')}])` : null),
    (x, c) => [x[1], c],
  );
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

/** batchnorm_backward in train mode: dX = invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)), dXhat = dY * weight. */
function backwardTrain(g: OnnxEmitter, { args: a, inShapes: [s], dOut }: BackwardCall): Gradients {
  const c = g.int('num_features', a.num_features);
  const affine = truthy(a.affine);
  const normalized = g.saved('normalized') ?? g.fail('BatchNorm backward needs the train-mode forward');
  const invstd = g.saved('invstd')!;
  const reduced = s.map((_, i) => i).filter((i) => i !== 1);
  const axes = { axes: ais(reduced), keepdims: ai(1) };
  const perChannel = g.intConst(s.map((_, i) => (i === 1 ? c : 1)));
  const dNormalized = affine ? g.op('Mul', [dOut, g.op('Reshape', [g.param('weight', [c]), perChannel])]) : dOut;
  const meanGrad = g.op('ReduceMean', [dNormalized], axes);
  const meanProjection = g.op('ReduceMean', [g.op('Mul', [dNormalized, normalized])], axes);
  const dx = g.op('Mul', [g.op('Sub', [g.op('Sub', [dNormalized, meanGrad]), g.op('Mul', [normalized, meanProjection])]), invstd]);
  if (!affine) return { inputs: [dx] };
  return {
    inputs: [dx],
    params: { weight: reduceSum(g, g.op('Mul', [dOut, normalized]), reduced, false), bias: reduceSum(g, dOut, reduced, false) },
  };
}

/**
 * Eval mode, as the ONNX forward (running statistics): y = (x - mean) * invstd * w + b, so dx = dy * w * invstd,
 * dw = sum(dy * (x - mean) * invstd), db = sum(dy), summed over every dim but the channels.
 */
function backwardEval(g: OnnxEmitter, { args: a, inputs: [x], inShapes: [s], dOut }: BackwardCall): Gradients {
  if (!truthy(a.track_running_stats)) g.fail('the gradient through batch statistics (track_running_stats=False) in eval mode is not built');
  const c = g.int('num_features', a.num_features);
  const perChannel = g.intConst(s.map((_, i) => (i === 1 ? c : 1)));
  const channel = (name: string) => g.op('Reshape', [g.param(name, [c]), perChannel]);
  const invstd = g.op('Div', [g.scalar(1), g.op('Sqrt', [g.op('Add', [channel('running_var'), g.scalar(g.num('eps', a.eps))])])]);
  const reduced = s.map((_, i) => i).filter((i) => i !== 1);
  if (!truthy(a.affine)) return { inputs: [g.op('Mul', [dOut, invstd])] };
  const xhat = g.op('Mul', [g.op('Sub', [x, channel('running_mean')]), invstd]);
  return {
    inputs: [g.op('Mul', [dOut, g.op('Mul', [channel('weight'), invstd])])],
    params: { weight: reduceSum(g, g.op('Mul', [dOut, xhat]), reduced, false), bias: reduceSum(g, dOut, reduced, false) },
  };
}

/** What every _BatchNorm means but its rank: title, parameters and buffers, ONNX forward and backward in both modes, traits. */
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
    const tracking = truthy(a.track_running_stats);
    const reduced = inShape.map((_, i) => i).filter((i) => i !== 1);
    const axes = { axes: ais(reduced), keepdims: ai(1) };
    const perChannelShape = inShape.map((_, i) => (i === 1 ? c : 1));
    if (g.mode === 'eval') {
      const weight = affine ? g.param('weight', [c]) : g.floatConst(new Float32Array(c).fill(1), [c]);
      const bias = affine ? g.param('bias', [c]) : g.floatConst(new Float32Array(c), [c]);
      if (tracking) {
        const mean = g.param('running_mean', [c]);
        const variance = g.param('running_var', [c]);
        g.op('BatchNormalization', [x, weight, bias, mean, variance], { epsilon: af(eps) }, out);
        return;
      }
      // without running stats PyTorch normalizes with the batch's own statistics, in eval mode too
      const centered = g.op('Sub', [x, g.op('ReduceMean', [x], axes)]);
      const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], axes);
      const normalized = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
      const scaled = affine ? g.op('Mul', [normalized, g.op('Reshape', [weight, g.intConst(perChannelShape)])]) : normalized;
      if (affine) g.op('Add', [scaled, g.op('Reshape', [bias, g.intConst(perChannelShape)])], {}, out);
      else g.op('Identity', [scaled], {}, out);
      return;
    }
    // train mode: the batch's statistics, as the backward needs them
    const perChannel = g.intConst(perChannelShape);
    const weight = affine ? g.param('weight', [c]) : null;
    const bias = affine ? g.param('bias', [c]) : null;
    const batchMean = g.op('ReduceMean', [x], axes);
    const centered = g.op('Sub', [x, batchMean]);
    const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], axes);
    const invstd = g.op('Div', [g.scalar(1), g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
    const normalized = g.op('Mul', [centered, invstd]);
    g.save('normalized', normalized);
    g.save('invstd', invstd);
    if (affine) g.op('Add', [g.op('Mul', [normalized, g.op('Reshape', [weight!, perChannel])]), g.op('Reshape', [bias!, perChannel])], {}, out);
    else g.op('Identity', [normalized], {}, out);
    if (!tracking) return;
    // running stats as ATen updates them: momentum * batch + (1 - momentum) * running, the variance unbiased;
    // momentum=None is the cumulative average, factor 1 / num_batches_tracked (after its increment)
    const count = numel(reduced.map((i) => inShape[i]));
    // an int64 buffer in the state_dict, float32 in the graph (exact to 2^24 steps)
    const tracked = g.param('num_batches_tracked', [], 'int64');
    const nextTracked = g.op('Add', [tracked, g.scalar(1)]);
    g.updateBuffer('num_batches_tracked', nextTracked);
    const momentum = a.momentum === null || a.momentum === undefined ? null : g.num('momentum', a.momentum);
    const factor = momentum === null ? g.op('Div', [g.scalar(1), nextTracked]) : g.scalar(momentum);
    const keep = momentum === null ? g.op('Sub', [g.scalar(1), factor]) : g.scalar(1 - momentum);
    const flat = g.intConst([c]);
    const runningMean = g.param('running_mean', [c]);
    const runningVar = g.param('running_var', [c]);
    const unbiased = g.op('Mul', [g.op('Reshape', [variance, flat]), g.scalar(count / Math.max(count - 1, 1))]);
    g.updateBuffer('running_mean', g.op('Add', [g.op('Mul', [g.op('Reshape', [batchMean, flat]), factor]), g.op('Mul', [runningMean, keep])]));
    g.updateBuffer('running_var', g.op('Add', [g.op('Mul', [unbiased, factor]), g.op('Mul', [runningVar, keep])]));
  },
  backward(g, call) {
    return g.mode === 'train' ? backwardTrain(g, call) : backwardEval(g, call);
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
