// Clamping: torch.clamp / x.clamp (min, max) and their alias torch.clip / x.clip, torch.clamp_min / x.clamp_min, torch.clamp_max / x.clamp_max, and
// nn.Hardtanh / F.hardtanh (min_val, max_val). Same shape as the input; bounds are Python numbers.
import type { Shape } from '../types';
import { err, gradWhere, isNumber, sameShapeRule, badArg } from './common';
import type { Args, OnnxEmitter, OpDef, ShapeErr, ShapeRule } from './types';

const isNone = (v: unknown): boolean => v === null || v === undefined;

/** torch.clamp's own check, then the bounds as numbers (None allowed). */
function checkClamp(op: string) {
  return (_x: Shape, a: Args): ShapeErr | undefined => {
    if (isNone(a.min) && isNone(a.max)) return err(`torch.clamp: At least one of 'min' or 'max' must not be None`);
    for (const name of ['min', 'max']) if (!isNone(a[name]) && !isNumber(a[name])) return badArg(op, name, a[name], 'a number or None');
    return undefined;
  };
}

function checkBound(op: string, name: string) {
  return (_x: Shape, a: Args): ShapeErr | undefined => (isNumber(a[name]) ? undefined : badArg(op, name, a[name], 'a number'));
}

/** Hardtanh's constructor asserts max_val > min_val: its AssertionError has no message, so this one is ours. */
function checkHardtanh(op: string, module: boolean) {
  return (_x: Shape, a: Args): ShapeErr | undefined => {
    const lo = module && !isNone(a.min_value) ? a.min_value : a.min_val;
    const hi = module && !isNone(a.max_value) ? a.max_value : a.max_val;
    if (!isNumber(lo)) return badArg(op, 'min_val', lo, 'a number');
    if (!isNumber(hi)) return badArg(op, 'max_val', hi, 'a number');
    if (module && !(hi > lo)) return err(`Hardtanh: max_val (${hi}) must be greater than min_val (${lo}) (PyTorch: assert self.max_val > self.min_val)`);
    return undefined;
  };
}

const hardtanhSignature = [
  { name: 'min_val', default: -1.0 },
  { name: 'max_val', default: 1.0 },
  { name: 'inplace', default: false },
];

const clampRules: ShapeRule[] = [
  sameShapeRule('torch.clamp', 'function', [{ name: 'min', default: null }, { name: 'max', default: null }, { name: 'out', default: null, kwOnly: true }],
    { pyName: 'clamp', native: {} }, checkClamp('clamp')),
  sameShapeRule('.clamp', 'method', [{ name: 'min', default: null }, { name: 'max', default: null }], { pyName: '_TensorBase.clamp', native: {} }, checkClamp('clamp')),
  // torch.clip / x.clip: aliases of clamp
  sameShapeRule('torch.clip', 'function', [{ name: 'min', default: null }, { name: 'max', default: null }, { name: 'out', default: null, kwOnly: true }],
    { pyName: 'clip', native: {} }, checkClamp('clip')),
  sameShapeRule('.clip', 'method', [{ name: 'min', default: null }, { name: 'max', default: null }], { pyName: '_TensorBase.clip', native: {} }, checkClamp('clip')),
  sameShapeRule('torch.clamp_min', 'function', [{ name: 'min' }], { pyName: 'clamp_min', native: {} }, checkBound('clamp_min', 'min')),
  sameShapeRule('.clamp_min', 'method', [{ name: 'min' }], { pyName: '_TensorBase.clamp_min', native: {} }, checkBound('clamp_min', 'min')),
  sameShapeRule('torch.clamp_max', 'function', [{ name: 'max' }], { pyName: 'clamp_max', native: {} }, checkBound('clamp_max', 'max')),
  sameShapeRule('.clamp_max', 'method', [{ name: 'max' }], { pyName: '_TensorBase.clamp_max', native: {} }, checkBound('clamp_max', 'max')),
  sameShapeRule('Hardtanh', 'module', [...hardtanhSignature, { name: 'min_value', default: null }, { name: 'max_value', default: null }],
    { pyName: 'Hardtanh.__init__' }, checkHardtanh('Hardtanh', true)),
  sameShapeRule('torch.nn.functional.hardtanh', 'function', hardtanhSignature, { pyName: 'hardtanh' }, checkHardtanh('hardtanh', false)),
];

const isHardtanh = (spelling: string): boolean => spelling === 'Hardtanh' || spelling === 'torch.nn.functional.hardtanh';

/** The bounds of a call: null where there is none (clamp_min has no upper bound). */
function bounds(g: OnnxEmitter, spelling: string, a: Args): { lo: number | null; hi: number | null } {
  if (isHardtanh(spelling)) {
    const module = spelling === 'Hardtanh';
    return {
      lo: g.num('min_val', module && !isNone(a.min_value) ? a.min_value : a.min_val),
      hi: g.num('max_val', module && !isNone(a.max_value) ? a.max_value : a.max_val),
    };
  }
  return { lo: isNone(a.min) ? null : g.num('min', a.min), hi: isNone(a.max) ? null : g.num('max', a.max) };
}

export const clamp: OpDef = {
  key: 'clamp',
  rules: clampRules,
  title(a) {
    const lo = a.min_value ?? a.min_val ?? a.min;
    const hi = a.max_value ?? a.max_val ?? a.max;
    return [isNone(lo) ? '' : `min=${lo}`, isNone(hi) ? '' : `max=${hi}`].filter(Boolean);
  },
  lower(g, { spelling, args, inputs: [x], out }) {
    const { lo, hi } = bounds(g, spelling, args);
    // Clip is min(max(x, lo), hi), as ATen's clamp (hi wins when lo > hi)
    g.op('Clip', [x, g.scalar(lo ?? -Infinity), g.scalar(hi ?? Infinity)], {}, out);
  },
  // clamp_backward passes dY where lo <= x <= hi (bounds included); hardtanh_backward where lo < x < hi
  backward(g, { spelling, args, inputs: [x], dOut }) {
    const { lo, hi } = bounds(g, spelling, args);
    const strict = isHardtanh(spelling);
    const conds: string[] = [];
    if (lo !== null) conds.push(g.op(strict ? 'Greater' : 'GreaterOrEqual', [x, g.scalar(lo)]));
    if (hi !== null) conds.push(g.op(strict ? 'Less' : 'LessOrEqual', [x, g.scalar(hi)]));
    const keep = conds.length === 2 ? g.op('And', conds) : conds[0];
    return { inputs: [gradWhere(g, keep, dOut)] };
  },
  traits: { perChannel: true, activation: true },
};
