// Which model a file means: its nn.Module classes, the factories returning one (`def resnet18(**kw): return
// ResNet(...)`), module-level instances and the calls under `if __name__ == '__main__':`; and building the one
// chosen by name or by a call expression evaluated in the file's scope (`resnet34()`, `VGG('VGG19')`).
import { parse } from '../python';
import type * as ast from '../python/ast';
import type { EntryCandidate, SourceRange } from './ir';
import { Interpreter, canonical, isModuleClass } from './evaluator';
import type { ClassInfo, ModuleInstance, Scope, Value } from './values';

interface Candidate extends EntryCandidate {
  /** Not built on by another class of the file: a model rather than a block. */
  root: boolean;
  cls?: ClassInfo;
  fn?: Extract<Value, { k: 'func' }>;
  instance?: ModuleInstance;
  /** A call under the main guard, evaluated when chosen. */
  call?: ast.Expr;
}

export interface EntrySet {
  /** What the file offers, in source order. */
  offered: Candidate[];
  /** Calls under `if __name__ == '__main__':` building a model, in order. */
  mainCalls: Candidate[];
}

export function findEntries(interp: Interpreter, module: ast.Module, source: string): EntrySet {
  const offered: Candidate[] = [];
  const text = (r: SourceRange) => sliceRange(source, r);
  const moduleClasses = interp.classes.filter((c) => isModuleClass(c));
  const classNames = new Set(moduleClasses.map((c) => c.name));
  const factories = findFactories(interp, module, classNames);
  for (const stmt of module.body) {
    if (stmt.type === 'ClassDef' && classNames.has(stmt.name)) {
      const cls = moduleClasses.find((c) => c.def === stmt);
      if (!cls) continue;
      const init = initParams(cls);
      const needsArgs = init ? init.some(required) : false;
      offered.push({
        name: cls.name, kind: 'class', range: stmt.nameRange, needsArgs, params: init ? paramsText(init, text) : '',
        entry: cls.name, root: !interp.referencedClasses.has(cls.name), cls,
      });
    } else if (stmt.type === 'FunctionDef' && factories.has(stmt.name)) {
      const fn = interp.globals.vars.get(stmt.name);
      if (fn?.k !== 'func') continue;
      const needsArgs = stmt.params.some(required);
      offered.push({
        name: stmt.name, kind: 'factory', range: stmt.nameRange, needsArgs, params: paramsText(stmt.params, text),
        entry: needsArgs ? stmt.name : `${stmt.name}()`, root: true, fn,
      });
    }
  }
  for (const [name, m] of interp.moduleVars) {
    // a lone built-in layer (`criterion = nn.CrossEntropyLoss()`, `act = nn.ReLU()`) is no model: the training
    // script's loss would otherwise be picked; models are user classes and containers (nn.Sequential, ...)
    if (m.kind === 'layer' || m.kind === 'unsupported') continue;
    // `net = Net()` at module level: named after its class when the class builds without arguments (the pick is the same).
    const cls = m.kind === 'user' ? m.userClass : undefined;
    // (a class of this file: `net = models.resnet18()` keeps its own name)
    const byClass = cls && interp.classes.includes(cls) && !offered.some((c) => c.cls === cls && c.needsArgs);
    offered.push({
      name: byClass ? cls.name : name, kind: 'instance', range: m.defRange, needsArgs: false,
      entry: byClass ? cls.name : name, root: true, instance: m,
    });
  }
  const mainCalls: Candidate[] = [];
  for (const stmt of module.body) {
    if (stmt.type !== 'If' || !isMainGuard(stmt.test)) continue;
    for (const s of stmt.body) {
      const value = s.type === 'Assign' || (s.type === 'AnnAssign' && s.value) ? s.value : null;
      if (!value || value.type !== 'Call' || value.func.type !== 'Name') continue;
      const callee = value.func.id;
      if (!classNames.has(callee) && !factories.has(callee)) continue;
      const call = text(value.range);
      mainCalls.push({ name: call, kind: 'instance', range: value.range, needsArgs: false, entry: call, root: true, call: value });
    }
  }
  return { offered, mainCalls };
}

/** The automatic pick: a module-level instance, a model class that builds with its defaults, a call under the main guard, a factory without arguments. */
export function pickEntry(set: EntrySet): Candidate | undefined {
  const { offered, mainCalls } = set;
  const last = <T>(xs: T[]) => xs[xs.length - 1];
  const instances = offered.filter((c) => c.kind === 'instance');
  if (instances.length) return last(instances);
  const roots = offered.filter((c) => c.kind === 'class' && c.root);
  const buildable = roots.filter((c) => !c.needsArgs);
  if (buildable.length) return last(buildable);
  // The class needs arguments: the author's own call under the main guard (which an import never runs) gives them.
  if (mainCalls.length) return mainCalls[0];
  const factory = offered.find((c) => c.kind === 'factory' && !c.needsArgs);
  if (factory) return factory;
  if (roots.length) return last(roots);
  return last(offered.filter((c) => c.kind === 'class'));
}

/** The candidate an `--entry NAME` means: an instance, a class, a factory (called without arguments). */
export function entryByName(set: EntrySet, name: string): Candidate | undefined {
  const { offered } = set;
  return offered.find((c) => c.kind === 'instance' && c.name === name)
    ?? offered.find((c) => c.kind === 'class' && c.name === name)
    ?? offered.find((c) => c.kind === 'factory' && (c.name === name || c.entry === name));
}

export type Built =
  | { root: ModuleInstance; range: SourceRange }
  | { root: null; error?: { message: string; range: SourceRange }; why?: { message: string; range: SourceRange } };

/** Build a candidate's module tree (its __init__ runs). */
export function buildCandidate(interp: Interpreter, c: Candidate): Built {
  if (c.instance) return { root: c.instance, range: c.range };
  // called as the expression `Name()` would call it (what imported code builds shows at this call)
  const r = interp.buildEntry((it) => {
    if (c.cls) return it.call({ k: 'class', cls: c.cls }, [], new Map(), c.range);
    if (c.fn) return it.call(c.fn, [], new Map(), c.range);
    return it.eval(c.call!, it.globals);
  });
  return fromBuilt(r, c.entry, c.range, c.cls && c.needsArgs ? c : undefined);
}

/** Build the model an entry expression gives (`resnet34()`, `VGG('VGG19')`, `Net(num_classes=10)`), in the file's scope. */
export function buildExpression(interp: Interpreter, expression: string, set: EntrySet): Built {
  const at: SourceRange = { line: 1, column: 0, endLine: 1, endColumn: expression.length };
  const { module, errors } = parse(expression);
  const stmt = module.body[0];
  if (errors.length || module.body.length !== 1 || stmt.type !== 'Expr') {
    return { root: null, why: { message: `The entry '${expression}' is not a Python expression: ${errors[0]?.message ?? 'expected one call such as resnet18() or Net(num_classes=10)'}.`, range: at } };
  }
  // Errors inside the model's code carry their lines; the expression itself is placed at its callee's definition.
  const callee = stmt.value.type === 'Call' && stmt.value.func.type === 'Name' ? stmt.value.func.id : undefined;
  const target = callee ? set.offered.find((c) => c.name === callee && c.kind !== 'instance') : undefined;
  const range = target?.range ?? (callee ? definedAt(interp.globals.vars.get(callee)) : undefined) ?? at;
  const expr = relocate(stmt.value, range);
  const r = interp.buildEntry((it) => it.eval(expr, it.globals));
  return fromBuilt(r, expression, range);
}

/** Where a function or class the file binds is defined (its name), in this file or the one it comes from. */
function definedAt(v: Value | undefined): SourceRange | undefined {
  if (v?.k === 'func' && v.def.type === 'FunctionDef') return v.def.nameRange;
  if (v?.k === 'class') return v.cls.def.nameRange;
  return undefined;
}

function fromBuilt(r: ReturnType<Interpreter['buildEntry']>, entry: string, range: SourceRange, needsArgs?: Candidate): Built {
  if ('error' in r) {
    if (needsArgs && /^TypeError: .*missing \d+ required/.test(r.error.message)) {
      return { root: null, why: { message: `${needsArgs.name}(${needsArgs.params}) needs arguments: choose the model with a call, e.g. --entry "${needsArgs.name}(...)" (or a factory of the file that builds it). ${r.error.message}`, range } };
    }
    return { root: null, error: r.error };
  }
  const v = r.value;
  if (v.k === 'module') return { root: v.mod, range };
  if (v.k === 'unknown' && v.why === 'budget') return { root: null }; // the budget diagnostic says why
  const why = v.k === 'unknown' ? `it cannot be evaluated (${v.why})` : `it gives ${v.k === 'none' ? 'None' : v.k}, not an nn.Module`;
  return { root: null, why: { message: `The entry '${entry}' gives no model: ${why}.`, range: (v.k === 'unknown' && v.range) || range } };
}

// ------------------------------------------------------------------ factories

/**
 * Module-level functions that return an nn.Module, directly or through a local variable: a model class of this file,
 * of a file it imports or of the shipped torchvision (`return ResNet(BasicBlock, [2, 2, 2, 2])`), a container, or
 * what another factory returns, of this file or not (`return models.resnet18(num_classes=10)`).
 */
function findFactories(interp: Interpreter, module: ast.Module, classNames: Set<string>): Set<string> {
  const fns = module.body.filter((s): s is ast.FunctionDef => s.type === 'FunctionDef');
  const out = new Set<string>();
  // functions of other files: whether they return a model (false while being looked at: a cycle is no factory)
  const foreign = new Map<ast.FunctionDef, boolean>();
  const makesModel = (v: Value | undefined, depth: number): boolean => {
    if (!v) return false;
    if (v.k === 'class') return isModuleClass(v.cls);
    if (v.k === 'partial') return makesModel(v.fn, depth);
    if (v.k === 'ref') return /^torch\.nn\.(Sequential|ModuleList|ModuleDict)$/.test(canonical(v.name));
    if (v.k !== 'func' || v.def.type !== 'FunctionDef' || depth > 8) return false;
    if (v.closure === interp.globals) return out.has(v.def.name);
    if (!foreign.has(v.def)) {
      foreign.set(v.def, false);
      foreign.set(v.def, returnsModel(v.def.body, v.closure, depth + 1));
    }
    return foreign.get(v.def)!;
  };
  const builds = (e: ast.Expr | null, locals: Set<string>, scope: Scope, depth: number): boolean => {
    if (!e) return false;
    if (e.type === 'Name') return locals.has(e.id);
    if (e.type !== 'Call') return false;
    const f = e.func;
    if (f.type === 'Name' && scope === interp.globals && (classNames.has(f.id) || out.has(f.id))) return true;
    if (f.type === 'Attribute' && /^(Sequential|ModuleList|ModuleDict)$/.test(f.attr)) return true;
    return makesModel(staticValue(f, scope), depth);
  };
  const returnsModel = (body: ast.Stmt[], scope: Scope, depth: number): boolean => {
    const locals = new Set<string>();
    let returns = false;
    walkStatements(body, (s) => {
      if (s.type === 'Assign' && builds(s.value, locals, scope, depth)) for (const t of s.targets) if (t.type === 'Name') locals.add(t.id);
      if (s.type === 'Return' && builds(s.value, locals, scope, depth)) returns = true;
    });
    return returns;
  };
  for (let changed = true, rounds = 0; changed && rounds < 10; rounds++) {
    changed = false;
    for (const fn of fns) {
      if (out.has(fn.name) || !returnsModel(fn.body, interp.globals, 0)) continue;
      out.add(fn.name);
      changed = true;
    }
  }
  return out;
}

/** What a name or an attribute chain (`models.resnet18`, `blocks.ResNet`) is bound to, without running anything. */
function staticValue(e: ast.Expr, scope: Scope): Value | undefined {
  if (e.type === 'Name') return scope.lookup(e.id);
  if (e.type !== 'Attribute') return undefined;
  const base = staticValue(e.value, scope);
  if (base?.k === 'namespace') return base.scope.vars.get(e.attr) ?? (base.name.startsWith('torchvision') ? { k: 'ref', name: `${base.name}.${e.attr}` } : undefined);
  if (base?.k === 'ref') return { k: 'ref', name: `${base.name}.${e.attr}` };
  return undefined;
}

function walkStatements(body: ast.Stmt[], visit: (s: ast.Stmt) => void): void {
  for (const s of body) {
    visit(s);
    if (s.type === 'If' || s.type === 'For' || s.type === 'While') { walkStatements(s.body, visit); walkStatements(s.orelse, visit); }
    else if (s.type === 'With') walkStatements(s.body, visit);
    else if (s.type === 'Try') { walkStatements(s.body, visit); for (const h of s.handlers) walkStatements(h.body, visit); walkStatements(s.orelse, visit); walkStatements(s.finalbody, visit); }
  }
}

// ------------------------------------------------------------------ helpers

function initParams(cls: ClassInfo, depth = 0): ast.Param[] | null {
  const own = cls.def.body.find((s): s is ast.FunctionDef => s.type === 'FunctionDef' && s.name === '__init__');
  if (own) return own.params.slice(1);
  if (depth > 50) return null;
  for (const b of cls.bases) if (b.k === 'class') return initParams(b.cls, depth + 1);
  return null;
}

function required(p: ast.Param): boolean {
  return (p.kind === 'normal' || p.kind === 'posonly' || p.kind === 'kwonly') && !p.default;
}

function paramsText(params: ast.Param[], text: (r: SourceRange) => string): string {
  const out: string[] = [];
  for (const p of params) {
    // a bare `*` before keyword-only parameters when no *args stands there
    if (p.kind === 'kwonly' && !out.some((x) => x.startsWith('*'))) out.push('*');
    out.push(`${p.kind === 'vararg' ? '*' : p.kind === 'kwarg' ? '**' : ''}${p.name}${p.default ? `=${text(p.default.range)}` : ''}`);
  }
  return out.join(', ');
}

function isMainGuard(e: ast.Expr): boolean {
  return e.type === 'Compare' && e.left.type === 'Name' && e.left.id === '__name__';
}

export function sliceRange(source: string, r: SourceRange): string {
  const lines = source.split('\n');
  if (r.line === r.endLine) return (lines[r.line - 1] ?? '').slice(r.column, r.endColumn);
  const parts = [(lines[r.line - 1] ?? '').slice(r.column), ...lines.slice(r.line, r.endLine - 1), (lines[r.endLine - 1] ?? '').slice(0, r.endColumn)];
  return parts.join('\n');
}

/** The entry expression's nodes all placed at `range` (it is not part of the file). */
function relocate<T>(node: T, range: SourceRange): T {
  if (Array.isArray(node)) return node.map((n) => relocate(n, range)) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'range' || k === 'attrRange' ? range : relocate(v, range);
  return out as T;
}

