// nn.BatchNorm2d in training mode (a module's default, as when the model is called right after construction).
import type { Shape } from '../types';
import { badArg, err, isErr, isInt, ok, oneInput, truthy, af, ai, ais, reduceSum } from './common';
import type { Args, OpDef, ParamSpec, ShapeResult, ShapeRule } from './types';

function inferBatchNorm2d(inputs: Shape[], a: Args): ShapeResult {
  const op = 'BatchNorm2d';
  const c = a.num_features;
  if (!isInt(c)) return badArg(op, 'num_features', c, 'an int');
  const affine = truthy(a.affine);
  const tracking = truthy(a.track_running_stats);
  if ((affine || tracking) && c < 0) return err(`Trying to create tensor with negative dimension ${c}: [${c}]`);
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  if (x.length !== 4) return err(`expected 4D input (got ${x.length}D input)`);
  // F.batch_norm's _verify_batch_size: N*H*W values per channel.
  if (x[0] * x[2] * x[3] === 1) {
    return err(`Expected more than 1 value per channel when training, got input size torch.Size([${x.join(', ')}])`);
  }
  const checked = [...(tracking ? ['running_mean', 'running_var'] : []), ...(affine ? ['weight', 'bias'] : [])];
  for (const name of checked) {
    if (x[1] !== c) return err(`${name} should contain ${x[1]} elements not ${c}`);
  }
  const params = affine ? 2 * c : 0;
  return ok([...x], params, 0, affine ? [`params: 2*${c} = ${params} (weight, bias)`] : []);
}

const batchNorm2dRules: ShapeRule[] = [
  {
    op: 'BatchNorm2d',
    kind: 'module',
    pyName: '_BatchNorm.__init__',
    signature: [
      { name: 'num_features' },
      { name: 'eps', default: 1e-5 },
      { name: 'momentum', default: 0.1 },
      { name: 'affine', default: true },
      { name: 'track_running_stats', default: true },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: inferBatchNorm2d,
  },
];

export const batchNorm2d: OpDef = {
  key: 'batch_norm2d',
  rules: batchNorm2dRules,
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
    g.rank4(inShape, 'BatchNorm2d');
    const c = g.int('num_features', a.num_features);
    const affine = truthy(a.affine);
    const eps = g.num('eps', a.eps);
    const tracking = truthy(a.track_running_stats);
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
      const axes = { axes: ais([0, 2, 3]), keepdims: ai(1) };
      const centered = g.op('Sub', [x, g.op('ReduceMean', [x], axes)]);
      const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], axes);
      const normalized = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
      const perChannel = [1, c, 1, 1];
      const scaled = affine ? g.op('Mul', [normalized, g.op('Reshape', [weight, g.intConst(perChannel)])]) : normalized;
      if (affine) g.op('Add', [scaled, g.op('Reshape', [bias, g.intConst(perChannel)])], {}, out);
      else g.op('Identity', [scaled], {}, out);
      return;
    }
    // train mode: the batch's statistics, as the backward needs them
    const axes = { axes: ais([0, 2, 3]), keepdims: ai(1) };
    const weight = affine ? g.param('weight', [c]) : null;
    const bias = affine ? g.param('bias', [c]) : null;
    const batchMean = g.op('ReduceMean', [x], axes);
    const centered = g.op('Sub', [x, batchMean]);
    const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], axes);
    const perChannel = [1, c, 1, 1];
    const invstd = g.op('Div', [g.scalar(1), g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
    const normalized = g.op('Mul', [centered, invstd]);
    g.save('normalized', normalized);
    g.save('invstd', invstd);
    if (affine) g.op('Add', [g.op('Mul', [normalized, g.op('Reshape', [weight!, g.intConst(perChannel)])]), g.op('Reshape', [bias!, g.intConst(perChannel)])], {}, out);
    else g.op('Identity', [normalized], {}, out);
    if (!tracking) return;
    // running stats as ATen updates them: momentum * batch + (1 - momentum) * running, the variance unbiased;
    // momentum=None is the cumulative average, factor 1 / num_batches_tracked (after its increment)
    const count = inShape[0] * inShape[2] * inShape[3];
    const tracked = g.param('num_batches_tracked', [], 'int64');
    const nextTracked = g.op('Add', [tracked, g.op('Reshape', [g.intConst([1]), g.intConst([])])]);
    g.updateBuffer('num_batches_tracked', nextTracked);
    const momentum = a.momentum === null || a.momentum === undefined ? null : g.num('momentum', a.momentum);
    const factor = momentum === null ? g.op('Div', [g.scalar(1), g.op('Cast', [nextTracked], { to: ai(1) })]) : g.scalar(momentum);
    const keep = momentum === null ? g.op('Sub', [g.scalar(1), factor]) : g.scalar(1 - momentum);
    const flat = g.intConst([c]);
    const runningMean = g.param('running_mean', [c]);
    const runningVar = g.param('running_var', [c]);
    const unbiased = g.op('Mul', [g.op('Reshape', [variance, flat]), g.scalar(count / Math.max(count - 1, 1))]);
    g.updateBuffer('running_mean', g.op('Add', [g.op('Mul', [g.op('Reshape', [batchMean, flat]), factor]), g.op('Mul', [runningMean, keep])]));
    g.updateBuffer('running_var', g.op('Add', [g.op('Mul', [unbiased, factor]), g.op('Mul', [runningVar, keep])]));
  },
  // batchnorm_backward in train mode: dX = invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)), dXhat = dY * weight
  backward(g, { args: a, dOut }) {
    const c = g.int('num_features', a.num_features);
    const affine = truthy(a.affine);
    const normalized = g.saved('normalized') ?? g.fail('BatchNorm2d backward needs the train-mode forward');
    const invstd = g.saved('invstd')!;
    const axes = { axes: ais([0, 2, 3]), keepdims: ai(1) };
    const dNormalized = affine ? g.op('Mul', [dOut, g.op('Reshape', [g.param('weight', [c]), g.intConst([1, c, 1, 1])])]) : dOut;
    const meanGrad = g.op('ReduceMean', [dNormalized], axes);
    const meanProjection = g.op('ReduceMean', [g.op('Mul', [dNormalized, normalized])], axes);
    const dx = g.op('Mul', [g.op('Sub', [g.op('Sub', [dNormalized, meanGrad]), g.op('Mul', [normalized, meanProjection])]), invstd]);
    if (!affine) return { inputs: [dx] };
    return {
      inputs: [dx],
      params: { weight: reduceSum(g, g.op('Mul', [dOut, normalized]), [0, 2, 3], false), bias: reduceSum(g, dOut, [0, 2, 3], false) },
    };
  },
  traits: { perChannel: true },
};
