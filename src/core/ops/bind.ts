// Binds a call's arguments to a rule's signature the way Python (or torch's C++ argument parser) does,
// with their TypeError wording, so a misspelled keyword reads exactly as PyTorch would report it.
import type { ArgValue } from '../types';
import { pyTypeName } from './common';
import type { Args, Param, ShapeRule } from './types';

export type BindResult = { args: Args } | { error: string };

/**
 * Bind `positional` then `keywords` to `rule.signature`, filling defaults.
 *
 * - `positional` / `keywords` exclude the tensor inputs: module rules get the constructor's arguments
 *   (`self` is implied), function rules the arguments after their `tensorInputs` tensors, method rules the
 *   arguments after the tensor itself. Error messages count those implied arguments as Python does.
 * - For `.view` / `.reshape` (a `varargs` int list) pass the positional ints as they are (`x.view(1, -1)` ->
 *   `[1, -1]`) or the one tuple (`x.view((1, -1))` -> `[[1, -1]]`): the rule accepts both.
 * - `calleeName` is the name used in messages when the rule has no `pyName` (rules normally carry it:
 *   "Linear.__init__", "_MaxPoolNd.__init__", "relu").
 *
 * Returns `{ args }` (every signature parameter present, by name) or `{ error }` with Python's wording, e.g.
 * "Linear.__init__() missing 1 required positional argument: 'out_features'". Never throws.
 */
export function bindArgs(
  rule: ShapeRule,
  positional: ArgValue[],
  keywords: Record<string, ArgValue>,
  calleeName: string,
): BindResult {
  const name = rule.pyName ?? calleeName;
  const kw = Object.entries(keywords ?? {});
  const pos = Array.isArray(positional) ? positional : [];
  if (rule.native?.noArgs) {
    if (kw.length > 0) return { error: `${name}() takes no keyword arguments` };
    if (pos.length > 0) return { error: `${name}() takes no arguments (${pos.length} given)` };
    return { args: {} };
  }
  return rule.native ? bindNative(rule, name, pos, kw) : bindPython(rule, name, pos, kw);
}

/** Number of implied leading positional arguments: self for modules, the tensor(s) for functions. */
function impliedArgs(rule: ShapeRule): number {
  if (rule.kind === 'module') return 1;
  if (rule.kind === 'method') return rule.native ? 0 : 1;
  if (rule.tensorInputs === 'variadic') return 1;
  return rule.tensorInputs ?? 1;
}

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

function keywordOf(p: Param): string {
  return p.keyword ?? p.name;
}

/** CPython 3.11's argument binding (initialize_locals) and its messages. */
function bindPython(rule: ShapeRule, name: string, pos: ArgValue[], kw: Array<[string, ArgValue]>): BindResult {
  const sig = rule.signature;
  const posParams = sig.filter((p) => !p.kwOnly && !p.varargs && !p.varkw);
  const kwOnly = sig.filter((p) => p.kwOnly);
  const varargs = sig.find((p) => p.varargs);
  const varkw = sig.find((p) => p.varkw);
  const implied = impliedArgs(rule);
  const args: Args = {};
  const given = new Set<string>();

  const n = Math.min(pos.length, posParams.length);
  for (let i = 0; i < n; i++) {
    args[posParams[i].name] = pos[i];
    given.add(posParams[i].name);
  }
  const extra = pos.slice(posParams.length);
  if (varargs) args[varargs.name] = extra;

  for (const [key, value] of kw) {
    const p = [...posParams, ...kwOnly].find((q) => keywordOf(q) === key);
    if (!p) {
      if (varkw) {
        if (!(key in args)) args[key] = value;
        continue;
      }
      return { error: `${name}() got an unexpected keyword argument '${key}'` };
    }
    if (given.has(p.name)) return { error: `${name}() got multiple values for argument '${key}'` };
    args[p.name] = value;
    given.add(p.name);
  }

  if (extra.length > 0 && !varargs) {
    const argcount = implied + posParams.length;
    const defcount = posParams.filter((p) => p.default !== undefined).length;
    const givenCount = implied + pos.length;
    const kwonlyGiven = kwOnly.filter((p) => given.has(p.name)).length;
    const sigText = defcount > 0 ? `from ${argcount - defcount} to ${argcount}` : `${argcount}`;
    const plural = defcount > 0 || argcount !== 1;
    const kwonlyText = kwonlyGiven
      ? ` positional argument${givenCount !== 1 ? 's' : ''} (and ${kwonlyGiven} keyword-only argument${kwonlyGiven !== 1 ? 's' : ''})`
      : '';
    const verb = givenCount === 1 && !kwonlyGiven ? 'was' : 'were';
    return {
      error: `${name}() takes ${sigText} positional argument${plural ? 's' : ''} but ${givenCount}${kwonlyText} ${verb} given`,
    };
  }

  const missing = posParams.filter((p) => p.default === undefined && !given.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    return {
      error: `${name}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${quoteList(missing)}`,
    };
  }
  const missingKw = kwOnly.filter((p) => p.default === undefined && !given.has(p.name)).map((p) => p.name);
  if (missingKw.length > 0) {
    return {
      error: `${name}() missing ${missingKw.length} required keyword-only argument${missingKw.length === 1 ? '' : 's'}: ${quoteList(missingKw)}`,
    };
  }
  for (const p of sig) {
    if (!(p.name in args) && p.default !== undefined) args[p.name] = p.default;
  }
  return { args };
}

interface NativeParam {
  param: Param | null; // null: an implied tensor argument
  optional: boolean;
  kwOnly: boolean;
}

/** torch's FunctionSignature::parse and PythonArgParser::print_error, with their messages. */
function bindNative(rule: ShapeRule, name: string, pos: ArgValue[], kw: Array<[string, ArgValue]>): BindResult {
  const native = rule.native ?? {};
  const implied = impliedArgs(rule);
  const params: NativeParam[] = [
    ...Array.from({ length: implied }, () => ({ param: null, optional: false, kwOnly: false })),
    ...rule.signature.map((p) => ({ param: p, optional: p.default !== undefined, kwOnly: !!p.kwOnly })),
  ];
  const nargs = implied + pos.length;
  const minArgs = params.filter((p) => !p.optional).length;
  const maxPosArgs = params.filter((p) => !p.kwOnly).length;
  const maxArgs = params.length;

  const parse = (): BindResult => {
    const args: Args = {};
    const used = new Set<string>();
    const first = params[0]?.param;
    const allowVarargsIntlist = maxPosArgs === 1 && !!first?.varargs;
    if (nargs > maxPosArgs && !allowVarargsIntlist) return { error: extraArgs() };
    let argPos = implied;
    for (let i = implied; i < params.length; i++) {
      const np = params[i];
      const p = np.param as Param;
      let value: ArgValue | undefined;
      if (argPos < nargs) {
        if (np.kwOnly) return { error: extraArgs() };
        if (p.varargs) {
          // view(1, -1) and view((1, -1)) both bind the int list.
          value = pos.length === 1 ? pos[0] : pos.slice();
          argPos = nargs;
        } else {
          value = pos[argPos - implied];
          argPos++;
        }
      } else {
        const hit = kw.find(([k]) => k === keywordOf(p));
        if (hit) {
          value = hit[1];
          used.add(hit[0]);
        }
      }
      if (value === undefined || (value === null && np.optional)) {
        if (np.optional) {
          args[p.name] = p.default as ArgValue;
          continue;
        }
        return { error: missingArgs(i) };
      }
      args[p.name] = value;
    }
    if (kw.some(([k]) => !used.has(k))) return { error: extraKwargs() };
    return { args };
  };

  const extraArgs = (): string => {
    if (minArgs !== maxPosArgs) {
      return `${name}() takes from ${minArgs} to ${maxPosArgs} positional arguments but ${nargs} were given`;
    }
    return `${name}() takes ${maxPosArgs} positional argument${maxPosArgs === 1 ? '' : 's'} but ${nargs} ${nargs === 1 ? 'was' : 'were'} given`;
  };

  const missingArgs = (from: number): string => {
    const names = params
      .slice(from)
      .filter((p) => !p.optional)
      .map((p) => `"${p.param ? p.param.name : 'input'}"`);
    // torch's message pluralizes backwards ("1 required positional arguments"); kept as PyTorch prints it.
    return `${name}() missing ${names.length} required positional argument${names.length === 1 ? 's' : ''}: ${names.join(', ')}`;
  };

  const extraKwargs = (): string => {
    for (const [key] of kw) {
      const idx = params.findIndex((p) => p.param !== null && keywordOf(p.param) === key);
      if (idx < 0) return `${name}() got an unexpected keyword argument '${key}'`;
      if (idx < nargs) return `${name}() got multiple values for argument '${key}'`;
    }
    return 'invalid keyword arguments';
  };

  if (!native.otherOverloads && !native.hiddenOverloads) return parse();

  const result = parse();
  if ('args' in result) return result;
  const numArgs = nargs + kw.length;
  const fits = ([lo, hi]: [number, number]): boolean => numArgs >= lo && numArgs <= hi;
  const others = native.otherOverloads ?? [];
  const plausibleOthers = others.filter(fits).length;
  if (fits([minArgs, maxArgs]) && plausibleOthers === 0) return result;
  const tensorTypes = Array.from({ length: implied }, () => (rule.tensorInputs === 'variadic' ? 'list' : 'Tensor'));
  const got = [...tensorTypes, ...pos.map(pyTypeName), ...kw.map(([k, v]) => `${k}=${pyTypeName(v)}`)].join(', ');
  const expected = others.length === 0 && native.expected ? `(${native.expected})` : 'one of:';
  return { error: `${name}() received an invalid combination of arguments - got (${got}), but expected ${expected}` };
}

/** The name Python prints for a rule's callee ("Conv2d.__init__", "relu", ".view" -> "view"). */
export function calleeNameFor(rule: ShapeRule): string {
  if (rule.pyName) return rule.pyName;
  if (rule.kind === 'module') return `${rule.op}.__init__`;
  const last = rule.op.split('.').pop() ?? rule.op;
  return last;
}
