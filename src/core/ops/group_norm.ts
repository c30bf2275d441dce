// nn.GroupNorm (num_groups, num_channels, eps, affine) and F.group_norm without weight and bias: each sample's channels split into groups, each group
// normalised over its channels and positions; then a per-channel affine (weight, bias [C]). No running
// statistics, so train and eval mode compute the same.
import type { Shape } from '../types';
import { badArg, emitNormalized, err, fmtShape, isErr, isInt, normalizeOver, normalizeOverBackward, numel, ok, oneInput, reduceSum, savedNormalization, truthy, wrapDim } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeResult, ShapeRule } from './types';

/** GroupNorm.__init__'s check (the module), then F.group_norm's (_verify_batch_size), then ATen's. */
function inferGroupNorm(op: string, inputs: Shape[], a: Args): ShapeResult {
  const module = op === 'GroupNorm';
  const groups = a.num_groups;
  if (!isInt(groups)) return badArg(op, 'num_groups', groups, 'an int');
  // F.group_norm's weight and bias are tensors: without them (None) there is no affine
  const c = module ? a.num_channels : null;
  const affine = module && truthy(a.affine);
  if (c !== null) {
    if (!isInt(c)) return badArg(op, 'num_channels', c, 'an int');
    if (groups === 0) return err('integer modulo by zero');
    if (c - groups * Math.floor(c / groups) !== 0) return err('num_channels must be divisible by num_groups');
    if (affine && c < 0) return err(`Trying to create tensor with negative dimension ${c}: [${c}]`);
  }
  const x = oneInput(op, inputs);
  if (isErr(x)) return x;
  // F.group_norm reads input.size(1) first
  const dim1 = wrapDim(1, x.length);
  if (isErr(dim1)) return dim1;
  if (groups === 0) return err('integer division or modulo by zero');
  const verified = [Math.floor((x[0] * x[1]) / groups), groups, ...x.slice(2)];
  if (verified[0] * numel(verified.slice(2)) === 1) {
    return err(`Expected more than 1 value per channel when training, got input size ${fmtShape(verified)}`);
  }
  if (x[1] % groups !== 0) {
    return err(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(x)} and num_groups=${groups}`);
  }
  if (affine && c !== null && x[1] !== c) {
    return err(`Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [${c}] and input of shape ${fmtShape(x)}`);
  }
  const params = affine ? 2 * x[1] : 0;
  return ok([...x], params, 0, [`groups: ${groups} of ${x[1] / groups} channels`, ...(affine ? [`params: 2*${x[1]} = ${params} (weight, bias)`] : [])]);
}

const groupNormRules: ShapeRule[] = [
  {
    op: 'GroupNorm',
    kind: 'module',
    pyName: 'GroupNorm.__init__',
    signature: [
      { name: 'num_groups' },
      { name: 'num_channels' },
      { name: 'eps', default: 1e-5 },
      { name: 'affine', default: true },
      { name: 'device', default: null },
      { name: 'dtype', default: null },
    ],
    infer: (inputs, args) => inferGroupNorm('GroupNorm', inputs, args),
  },
  {
    op: 'torch.nn.functional.group_norm',
    kind: 'function',
    tensorInputs: 1,
    pyName: 'group_norm',
    signature: [
      { name: 'num_groups' },
      { name: 'weight', default: null },
      { name: 'bias', default: null },
      { name: 'eps', default: 1e-5 },
    ],
    infer: (inputs, args) => inferGroupNorm('group_norm', inputs, args),
  },
];

/** [N, G, -1] (0 copies the batch, whatever the step's batch is). */
function grouped(g: OnnxEmitter, v: string, groups: number): string {
  return g.op('Reshape', [v, g.intConst([0, groups, -1])]);
}

/** Back to the input's shape from [N, G, -1]. */
function ungrouped(g: OnnxEmitter, v: string, s: Shape): string {
  return g.op('Reshape', [v, g.intConst([0, ...s.slice(1)])]);
}

function perChannel(g: OnnxEmitter, name: string, c: number, s: Shape): string {
  return g.op('Reshape', [g.param(name, [c]), g.intConst(s.map((_, i) => (i === 1 ? c : 1)))]);
}

export const groupNorm: OpDef = {
  key: 'group_norm',
  rules: groupNormRules,
  title: (a) => (a.num_channels === undefined ? [] : [String(a.num_channels), `g${a.num_groups}`]),
  params(a) {
    const c = Number(a.num_channels);
    return truthy(a.affine) ? [{ name: 'weight', shape: [c] }, { name: 'bias', shape: [c] }] : [];
  },
  // xhat = (x - mean) / sqrt(var + eps) per sample and group (biased variance), then xhat * weight + bias per channel
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const groups = g.int('num_groups', a.num_groups);
    const c = s[1];
    const eps = g.num('eps', a.eps);
    const stats = normalizeOver(g, grouped(g, x, groups), [2], eps);
    const affine = truthy(a.affine) ? ([perChannel(g, 'weight', c, s), perChannel(g, 'bias', c, s)] as [string, string]) : null;
    emitNormalized(g, stats, ungrouped(g, stats.normalized, s), out, affine);
  },
  // per group: dX = invstd * (dXhat - mean(dXhat) - xhat * mean(dXhat * xhat)), dXhat = dY * weight;
  // dWeight = sum(dY * xhat), dBias = sum(dY) over all but the channels
  backward(g, { args: a, inShapes: [s], dOut }) {
    const groups = g.int('num_groups', a.num_groups);
    const c = s[1];
    const affine = truthy(a.affine);
    const { normalized, invstd } = savedNormalization(g, 'GroupNorm');
    const dXhat = grouped(g, affine ? g.op('Mul', [dOut, perChannel(g, 'weight', c, s)]) : dOut, groups);
    const dx = normalizeOverBackward(g, dXhat, normalized, invstd, [2]);
    const inputs = [ungrouped(g, dx, s)];
    if (!affine) return { inputs };
    const reduced = s.map((_, i) => i).filter((i) => i !== 1);
    const xhat = ungrouped(g, normalized, s);
    return { inputs, params: { weight: reduceSum(g, g.op('Mul', [dOut, xhat]), reduced, false), bias: reduceSum(g, dOut, reduced, false) } };
  },
  traits: {},
};
