// The one list of ops: adding an op is one file plus one line here (and its PyTorch fixtures).
import type { OpTraits, ParamSpec } from '../types';
import { adaptiveAvgPool2d } from './adaptive_avg_pool2d';
import { adaptiveMaxPool2d } from './adaptive_max_pool2d';
import { add, div, mul, neg, sub } from './arithmetic';
import { avgPool2d } from './avgpool2d';
import { batchNorm1d } from './batchnorm1d';
import { batchNorm2d } from './batchnorm2d';
import { cat } from './cat';
import { clamp } from './clamp';
import { constant } from './constant';
import { expand } from './expand';
import { conv2d } from './conv2d';
import { dropout } from './dropout';
import { elu } from './elu';
import { dropout2d } from './dropout2d';
import { flatten } from './flatten';
import { gelu } from './gelu';
import { groupNorm } from './group_norm';
import { hardsigmoid } from './hardsigmoid';
import { hardswish } from './hardswish';
import { identity } from './identity';
import { layerNorm } from './layer_norm';
import { instanceNorm2d } from './instance_norm2d';
import { leakyRelu } from './leaky_relu';
import { linear } from './linear';
import { localResponseNorm } from './local_response_norm';
import { logSoftmax } from './log_softmax';
import { maxPool2d } from './maxpool2d';
import { mean } from './mean';
import { pad } from './pad';
import { prelu } from './prelu';
import { relu } from './relu';
import { relu6 } from './relu6';
import { sigmoid } from './sigmoid';
import { silu } from './silu';
import { slice } from './slice';
import { softmax } from './softmax';
import { squeeze, unsqueeze } from './squeeze';
import { sum } from './sum';
import { displayOp } from './spelling';
import { tanh } from './tanh';
import { permute, transpose } from './transpose';
import type { Args, OpDef, ShapeRule } from './types';
import { upsample } from './upsample';
import { view } from './view';

const OPS: OpDef[] = [
  conv2d,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  pad,
  upsample,
  localResponseNorm,
  batchNorm2d,
  batchNorm1d,
  groupNorm,
  layerNorm,
  instanceNorm2d,
  relu,
  relu6,
  leakyRelu,
  clamp,
  elu,
  prelu,
  tanh,
  sigmoid,
  gelu,
  silu,
  hardswish,
  hardsigmoid,
  dropout,
  dropout2d,
  flatten,
  linear,
  softmax,
  logSoftmax,
  identity,
  add,
  sub,
  mul,
  div,
  neg,
  cat,
  view,
  mean,
  sum,
  squeeze,
  unsqueeze,
  expand,
  transpose,
  permute,
  slice,
  constant,
];

const ruleBySpelling = new Map<string, ShapeRule>();
const opBySpelling = new Map<string, OpDef>();
const opByKey = new Map<string, OpDef>();
for (const def of OPS) {
  if (opByKey.has(def.key)) throw new Error(`two ops have the key '${def.key}'`);
  opByKey.set(def.key, def);
  for (const r of def.rules) {
    ruleBySpelling.set(r.op, r);
    opBySpelling.set(r.op, def);
  }
  for (const s of def.alsoSpelled ?? []) opBySpelling.set(s, def);
}

/**
 * The rule of one spelling: module class ("Conv2d"), canonical qualified function ("torch.nn.functional.relu",
 * "torch.flatten", "add" for Python's +, "iadd" for +=) or tensor method (".view").
 */
export function getRule(spelling: string): ShapeRule | undefined {
  return ruleBySpelling.get(spelling);
}

export function allRules(): readonly ShapeRule[] {
  return [...ruleBySpelling.values()];
}

/** The op a spelling stands for. */
export function opOf(spelling: string): OpDef | undefined {
  return opBySpelling.get(spelling);
}

/** The op of an IR node's key. */
export function getOp(key: string): OpDef | undefined {
  return opByKey.get(key);
}

export function allOps(): readonly OpDef[] {
  return OPS;
}

/** The key IR nodes carry for a spelling no op knows. */
export const UNSUPPORTED = 'unsupported';

/** What an IR node built for this spelling and these arguments carries: its op key, title, traits and parameters. */
export function describeCall(spelling: string, args: Args, kind: 'module' | 'function' | 'method'): { key: string; title: string; traits: OpTraits; parameters: ParamSpec[] } {
  const def = opOf(spelling);
  const parts = [displayOp(spelling), ...(def?.title?.(args) ?? [])];
  const parameters = kind === 'module' ? def?.params?.(args) ?? [] : [];
  return { key: def?.key ?? UNSUPPORTED, title: parts.filter(Boolean).join(' '), traits: { ...def?.traits }, parameters };
}
