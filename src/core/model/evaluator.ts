// A small abstract interpreter for the Python that model files use: it runs module-level code, the
// model's __init__ (building the module tree) and its forward (on tensors that carry only shapes),
// recording one graph node per layer call. Anything it cannot follow becomes an `unknown` value and,
// where it matters to the model, a diagnostic naming the construct and its line.
import type * as ast from '../python/ast';
import type { AnalysisDiagnostic, ArgValue, GraphEdge, GraphNode, Shape, SourceRange } from './ir';
import { getRule, describeCall, opOf } from '../ops/registry';
import { bindArgs } from '../ops/bind';
import { numel } from '../ops/common';
import { piecesOf } from '../ops/slice';
import { isShapeErr, type ShapeRule } from '../ops/types';
import { libraryFunction, tensorInitCall, TYPING_ALIASES, type LibraryHost } from './library';
import { StringTooLong, percentFormat, strFormat } from './strings';
import { constructNamed, isPyException, namedAttr, namedClassAttr, namedMethod, type PyException } from './namedtuple';
import { parse } from '../python';
import { MAX_IMPORTED_FILES, MAX_IMPORT_DEPTH, mayBeOwnModule, shortFile, stampFile, type ModuleResolver } from './imports';
import {
  NONE, Scope, bool, fromArg, num, str, toArg, truthy, typeName, unknown, valueEquals,
  type ClassInfo, type ModuleInstance, type Value,
} from './values';

/** Thrown to stop evaluation when the code runs too long or recurses too deep. */
class BudgetExceeded extends Error {
  constructor(message: string, readonly range: SourceRange) { super(message); }
}

/** Python-level exception raised by the model's own code or by PyTorch (e.g. a constructor error). */
class PyError extends Error {
  constructor(message: string, readonly range: SourceRange) { super(message); }
}

type Completion = undefined | { type: 'return'; value: Value } | { type: 'break' } | { type: 'continue' };

/** Evaluation steps for one whole analysis (module code, __init__, every forward): bounds the time on any input. */
const MAX_STEPS = 60_000;
const MAX_DEPTH = 60;
/** Wall-clock budget of one interpreter (one analysis), whatever the steps cost. */
const MAX_MILLISECONDS = 3000;
const MAX_SEQ = 100_000;
/** Items (or characters) of all sequences built in one analysis: `l = l + l` in a loop stays cheap. */
const MAX_BUILT = 4_000_000;
/** Chains of more links than this are evaluated iteratively (see Interpreter.eval). */
const CHAIN_RECURSION = 64;

/** The statement or expression evaluated last, by any interpreter: where an internal error is reported. */
let lastRange: SourceRange | null = null;

export function lastEvaluatedRange(): SourceRange | null {
  return lastRange;
}

/** push(...items) without spreading: a spread of 100,000 arguments overflows the stack. */
function appendAll(target: Value[], items: readonly Value[]): void {
  for (const item of items) target.push(item);
}

/** The inner expression a left-nested chain continues from: a BinOp's left, an Attribute's value, a Call's callee. */
function chainChild(e: ast.Expr): ast.Expr | null {
  if (e.type === 'BinOp') return e.left;
  if (e.type === 'Attribute') return e.value;
  if (e.type === 'Call') return e.func;
  return null;
}
/** Steps one layer construction counts for. */
const LAYER_STEPS = 25;

/** nn.Module's methods (and its containers') that the evaluator follows. */
const MODULE_METHODS = new Set(['modules', 'children', 'named_modules', 'named_children', 'parameters', 'named_parameters', 'add_module',
  'register_module', 'append', 'extend', 'insert', 'apply', 'forward', 'eval', 'train', 'to', 'cuda', 'cpu', 'float', 'half',
  'double', 'zero_grad', 'requires_grad_', 'register_buffer', 'register_parameter', 'keys', 'values', 'items', 'state_dict',
  'load_state_dict', 'init_weights']);

/** torch.nn containers, which the evaluator models itself. */
const CONTAINERS = new Set(['Sequential', 'ModuleList', 'ModuleDict']);
/** Tensor methods that return the same tensor (for shapes). */
const IDENTITY_METHODS = new Set(['contiguous', 'detach', 'clone', 'to', 'float', 'double', 'half', 'cpu', 'cuda', 'requires_grad_', 'type_as']);
/** Spellings that return a tuple of tensors, one 'slice' node per piece. */
const MULTI_OUTPUT = new Set(['.chunk', '.split', 'torch.chunk', 'torch.split']);
/** The spelling of x[index]. */
const INDEX = '.__getitem__';
/** Functions that create a tensor from a shape. */
const FACTORIES = new Set(['torch.zeros', 'torch.ones', 'torch.randn', 'torch.rand', 'torch.empty', 'torch.Tensor', 'torch.FloatTensor']);

export interface GraphBuilder {
  nodes: GraphNode[];
  edges: GraphEdge[];
  totalMacs: number;
  firstError?: { message: string; range: SourceRange };
  diagnostics: AnalysisDiagnostic[];
}

interface Frame {
  /** Path of the module whose forward is running ('' for the root), for the groups of functional nodes. */
  modulePath: string | null;
}

export interface InterpreterOptions {
  /** 'train': `self.training` is True and branches on it follow train mode; default eval. */
  mode?: 'train' | 'eval';
  /** Reads the model's own modules (`from .utils import ...`); absent: imports stay names the evaluator knows or not. */
  readModule?: ModuleResolver;
  /** The analysed file's path, for the resolver. */
  file?: string;
  /** Whether the resolver reads the model's own files (not only the shipped torchvision): a missing one is then reported. */
  ownModules?: boolean;
}

type Namespace = Extract<Value, { k: 'namespace' }>;

/** An init call on a module's parameter; the state_dict key is known once the module tree has its paths. */
export interface RecordedInit {
  mod: ModuleInstance;
  param: string;
  fn: string;
  args: Record<string, ArgValue>;
  line: number;
  file?: string;
}

export class Interpreter implements LibraryHost {
  readonly diagnostics: AnalysisDiagnostic[] = [];
  readonly globals = new Scope(null);
  /** Top-level classes in definition order. */
  readonly classes: ClassInfo[] = [];
  /** Module-level variables holding modules constructed at module level. */
  readonly moduleVars = new Map<string, ModuleInstance>();
  /** Class names referenced from nn.Module class bodies or module-level code (not entries). */
  readonly referencedClasses = new Set<string>();

  private steps = 0;
  /** True once the step budget is spent: further forwards stop at once. */
  get exhausted(): boolean { return this.steps > MAX_STEPS; }
  private depth = 0;
  private nextModuleId = 0;
  /** Report unsupported constructs (off while running arbitrary module-level code). */
  private reporting = false;
  private builder: GraphBuilder | null = null;
  private frames: Frame[] = [];
  private reported = new Set<string>();
  /** `self.training` of every module. */
  readonly training: boolean;
  /** The model's own nn.init calls and in-place inits of parameters, in call order. */
  readonly inits: RecordedInit[] = [];

  /** The model's own modules run so far, by file (Python's sys.modules: a cycle gets the module being run). */
  private readonly modules = new Map<string, Namespace>();
  /** Where the analysed file imports each module it reaches (directly or not): where that module's problems show. */
  readonly importSites = new Map<string, SourceRange>();
  private importDepth = 0;
  private readonly readModule?: ModuleResolver;
  private readonly file?: string;
  private readonly ownModules: boolean;

  constructor(options: InterpreterOptions = {}) {
    this.training = options.mode === 'train';
    this.readModule = options.readModule;
    this.file = options.file;
    this.ownModules = options.ownModules ?? options.readModule !== undefined;
    this.globals.set('__name__', str('__alexnet_explorer__'));
    for (const b of ['range', 'len', 'int', 'float', 'str', 'bool', 'list', 'tuple', 'dict', 'set', 'enumerate', 'zip',
      'isinstance', 'issubclass', 'super', 'print', 'min', 'max', 'sum', 'abs', 'round', 'reversed', 'sorted', 'getattr',
      'setattr', 'hasattr', 'type', 'any', 'all', 'map', 'filter', 'iter', 'next', 'object', 'divmod', 'pow',
      // exception and warning classes: raised or passed to warnings.warn, never analysed
      'Exception', 'ValueError', 'TypeError', 'RuntimeError', 'NotImplementedError', 'KeyError', 'IndexError', 'AssertionError',
      'UserWarning', 'FutureWarning', 'DeprecationWarning', 'RuntimeWarning']) {
      this.globals.set(b, { k: 'builtin', name: b });
    }
    this.globals.set('True', bool(true));
    this.globals.set('False', bool(false));
    this.globals.set('None', NONE);
  }

  // ---------------------------------------------------------------- diagnostics

  report(message: string, range: SourceRange | undefined, code = 'unsupported', severity: AnalysisDiagnostic['severity'] = 'warning'): void {
    if (!range) return;
    const sink = this.builder ? this.builder.diagnostics : this.diagnostics;
    if (!this.reporting && code === 'unsupported') return;
    const key = `${code}:${range.line}:${range.column}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    sink.push({ message, severity, range, code });
  }

  private unsupported(what: string, range: SourceRange): Value {
    this.report(`${what} is not supported by the shape analysis (line ${range.line}); values that depend on it are unknown.`, range);
    return unknown(what, range);
  }

  /** Wall-clock end of this analysis: steps and value sizes bound the work, this bounds the time whatever it costs. */
  private readonly deadline = Date.now() + MAX_MILLISECONDS;

  private tick(range: SourceRange): void {
    lastRange = range;
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) {
      throw new BudgetExceeded(`The model's code takes too long to analyse (stopped after ${MAX_MILLISECONDS / 1000} s, line ${range.line}).`, range);
    }
    if (++this.steps > MAX_STEPS) {
      throw new BudgetExceeded(`The model's code runs too long to analyse (stopped after ${MAX_STEPS} steps, line ${range.line}).`, range);
    }
  }

  /** Items of every sequence built so far (see MAX_BUILT). */
  private built = 0;

  /** Accounts for a sequence (or string) of `size` items about to be built: values are budgeted, not only steps. */
  private grow(size: number, range: SourceRange): void {
    this.built += size;
    if (size > MAX_SEQ) {
      throw new BudgetExceeded(`The model's code builds a value too large to analyse (${size} items, line ${range.line}; the limit is ${MAX_SEQ}).`, range);
    }
    if (this.built > MAX_BUILT) {
      throw new BudgetExceeded(`The model's code builds too much data to analyse (over ${MAX_BUILT} items in all, stopped at line ${range.line}).`, range);
    }
  }

  // ---------------------------------------------------------------- module level

  runModule(mod: ast.Module): void {
    this.reporting = false;
    try {
      this.execBlock(mod.body, this.globals, null);
    } catch (e) {
      this.catchTop(e);
    }
    for (const stmt of mod.body) this.collectReferences(stmt, false);
  }

  /** Turn a budget or Python error escaping the top level into a diagnostic. */
  catchTop(e: unknown): void {
    if (e instanceof BudgetExceeded) {
      this.report(e.message, e.range, 'budget', 'warning');
    } else if (e instanceof PyError) {
      this.report(e.message, e.range, 'shape', 'error');
    } else {
      throw e;
    }
  }

  private collectReferences(stmt: ast.Stmt, inModuleClass: boolean): void {
    // Names used inside nn.Module classes or at module level (outside functions and `if __name__ == '__main__'`).
    if (stmt.type === 'FunctionDef' && !inModuleClass) return;
    if (stmt.type === 'If' && isMainGuard(stmt.test)) return;
    // an explicit stack: a 5,000-term expression must not overflow the JavaScript one
    const visit = (root: unknown): void => {
      const pending: unknown[] = [root];
      while (pending.length > 0) {
        const node = pending.pop();
        if (!node || typeof node !== 'object') continue;
        if (Array.isArray(node)) { for (let i = node.length - 1; i >= 0; i--) pending.push(node[i]); continue; }
        const n = node as { type?: string; id?: string; func?: unknown };
        if (n.type === 'Call') {
          const f = n.func as ast.Expr;
          if (f.type === 'Name') this.referencedClasses.add(f.id);
        }
        for (const key of Object.keys(n)) {
          if (key === 'range' || key === 'attrRange' || key === 'nameRange') continue;
          pending.push((n as Record<string, unknown>)[key]);
        }
      }
    };
    if (stmt.type === 'ClassDef') {
      // A class's own body: count references to other classes (not to itself, not its bases).
      for (const s of stmt.body) visit(s);
      return;
    }
    visit(stmt);
  }

  // ---------------------------------------------------------------- statements

  private execBlock(body: ast.Stmt[], scope: Scope, self: Value | null): Completion {
    for (const stmt of body) {
      const c = this.exec(stmt, scope, self);
      if (c) return c;
    }
    return undefined;
  }

  private exec(s: ast.Stmt, scope: Scope, self: Value | null): Completion {
    this.tick(s.range);
    switch (s.type) {
      case 'Import':
        for (const a of s.names) {
          const own = this.importOwn(a.name, 0, s.range, true);
          if (a.asname) scope.set(a.asname, own ?? { k: 'ref', name: a.name });
          else scope.set(a.name.split('.')[0], own ? this.packageOf(a.name, own, s.range) : { k: 'ref', name: a.name.split('.')[0] });
        }
        return;
      case 'ImportFrom': {
        if (this.importFromOwn(s, scope)) return;
        const base = s.level > 0 ? `${'.'.repeat(s.level)}${s.module ?? ''}` : (s.module ?? '');
        for (const a of s.names) {
          if (a.name === '*') {
            if (base === 'torch.nn' || base === 'torch') this.report(`'from ${base} import *' is read as torch.nn names`, a.range, 'info', 'info');
            continue;
          }
          scope.set(a.asname ?? a.name, { k: 'ref', name: `${base}.${a.name}` });
        }
        return;
      }
      case 'ClassDef': {
        const bases = s.bases.map((b) => this.eval(b, scope));
        const info: ClassInfo = { name: s.name, def: s, bases, scope: new Scope(scope) };
        scope.set(s.name, { k: 'class', cls: info });
        if (scope === this.globals) this.classes.push(info);
        const prev = this.reporting;
        this.reporting = false;
        try {
          this.execBlock(s.body, info.scope, null);
        } finally {
          this.reporting = prev;
        }
        return;
      }
      case 'FunctionDef': {
        const fn: Extract<Value, { k: 'func' }> = { k: 'func', def: s, closure: scope };
        const deco = methodDecorator(s.decorators);
        if (deco) fn.decorator = deco;
        scope.set(s.name, fn);
        return;
      }
      case 'Return':
        return { type: 'return', value: s.value ? this.eval(s.value, scope) : NONE };
      case 'Assign': {
        const v = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, v, scope);
        if (scope === this.globals && v.k === 'module') {
          for (const t of s.targets) if (t.type === 'Name') this.moduleVars.set(t.id, v.mod);
        }
        return;
      }
      case 'AnnAssign':
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope);
        return;
      case 'AugAssign': {
        const cur = this.eval(s.target, scope);
        const rhs = this.eval(s.value, scope);
        if (cur.k === 'list' && s.op === '+') {
          // list += iterable extends in place (make_layers' `layers += [...]`).
          const items = this.iterate(rhs, s.value.range);
          if (items) {
            this.grow(cur.items.length + items.length, s.range);
            appendAll(cur.items, items);
          }
          else this.unsupported(`'+=' with ${typeName(rhs)}`, s.range);
          return;
        }
        this.assign(s.target, this.binop(s.op, cur, rhs, s.range, true), scope);
        return;
      }
      case 'Expr':
        this.eval(s.value, scope);
        return;
      case 'If': {
        if (isMainGuard(s.test)) return;
        const t = truthy(this.eval(s.test, scope));
        if (t === undefined) {
          this.report(`The condition at line ${s.test.range.line} cannot be decided from the source; its branches are skipped.`, s.test.range);
          return;
        }
        return this.execBlock(t ? s.body : s.orelse, scope, self);
      }
      case 'For': {
        const it = this.eval(s.iter, scope);
        const items = this.iterate(it, s.iter.range);
        if (!items) {
          if (it.k !== 'unknown') this.unsupported(`iterating over ${typeName(it)}`, s.iter.range);
          else this.report(`The loop at line ${s.range.line} iterates over something unknown (${it.why}); it is skipped.`, s.iter.range);
          return;
        }
        for (const item of items) {
          this.assign(s.target, item, scope);
          const c = this.execBlock(s.body, scope, self);
          if (c?.type === 'break') return;
          if (c?.type === 'return') return c;
        }
        return this.execBlock(s.orelse, scope, self);
      }
      case 'While': {
        for (;;) {
          this.tick(s.range);
          const t = truthy(this.eval(s.test, scope));
          if (t === undefined) { this.report(`The loop condition at line ${s.test.range.line} cannot be decided; the loop is skipped.`, s.test.range); return; }
          if (!t) break;
          const c = this.execBlock(s.body, scope, self);
          if (c?.type === 'break') return;
          if (c?.type === 'return') return c;
        }
        return this.execBlock(s.orelse, scope, self);
      }
      case 'With':
        for (const item of s.items) {
          const v = this.eval(item.contextExpr, scope);
          if (item.optionalVars) this.assign(item.optionalVars, v, scope);
        }
        return this.execBlock(s.body, scope, self);
      case 'Try': {
        const c = this.execBlock(s.body, scope, self);
        if (c) return c;
        const c2 = this.execBlock(s.orelse, scope, self);
        if (c2) return c2;
        return this.execBlock(s.finalbody, scope, self);
      }
      case 'Raise':
        if (this.reporting) this.report(`The model raises an exception at line ${s.range.line}; the analysis follows the other paths.`, s.range, 'unsupported', 'info');
        return { type: 'return', value: unknown('raise', s.range) };
      case 'Assert':
      case 'Pass':
      case 'Global':
      case 'Nonlocal':
      case 'Delete':
        return;
      case 'Break':
        return { type: 'break' };
      case 'Continue':
        return { type: 'continue' };
      case 'Unsupported':
        this.unsupported(`'${s.keyword}' statement`, s.range);
        return;
    }
  }

  private assign(target: ast.Expr, v: Value, scope: Scope): void {
    switch (target.type) {
      case 'Name':
        scope.set(target.id, v);
        return;
      case 'Attribute': {
        const obj = this.eval(target.value, scope);
        if (obj.k === 'module') {
          setModuleAttr(obj.mod, target.attr, v);
        } else if (obj.k === 'class') {
          obj.cls.scope.set(target.attr, v);
        } else if (obj.k === 'object') {
          obj.attrs.set(target.attr, v);
        } else if (obj.k === 'namedtuple') {
          obj.cls.attrs.set(target.attr, v);
        } else if (obj.k !== 'unknown') {
          this.unsupported(`setting '.${target.attr}' on ${typeName(obj)}`, target.range);
        }
        return;
      }
      case 'Subscript': {
        const obj = this.eval(target.value, scope);
        const key = this.eval(target.slice, scope);
        if (obj.k === 'list' && key.k === 'num') {
          const i = key.v < 0 ? obj.items.length + key.v : key.v;
          if (i >= 0 && i < obj.items.length) obj.items[i] = v;
        } else if (obj.k === 'dict') {
          dictSet(obj, key, v);
        } else if (obj.k === 'module' && !containerKind(obj.mod)) {
          this.unsupported('item assignment on a module', target.range);
        } else if (obj.k === 'module' && v.k === 'module') {
          const k = key.k === 'num' ? String(key.v) : key.k === 'str' ? key.v : null;
          if (k !== null) obj.mod.children.set(k, v.mod);
        } else if (obj.k !== 'unknown') {
          this.unsupported(`item assignment on ${typeName(obj)}`, target.range);
        }
        return;
      }
      case 'Tuple':
      case 'List': {
        const items = this.iterate(v, target.range);
        if (!items) {
          for (const e of target.elts) this.assign(e.type === 'Starred' ? e.value : e, unknown(`unpacking ${typeName(v)}`, target.range), scope);
          return;
        }
        const star = target.elts.findIndex((e) => e.type === 'Starred');
        if (star < 0) {
          if (items.length !== target.elts.length) {
            throw new PyError(`ValueError: ${items.length < target.elts.length ? 'not enough' : 'too many'} values to unpack (expected ${target.elts.length})`, target.range);
          }
          target.elts.forEach((e, i) => this.assign(e, items[i], scope));
        } else {
          const after = target.elts.length - star - 1;
          target.elts.slice(0, star).forEach((e, i) => this.assign(e, items[i] ?? NONE, scope));
          this.assign((target.elts[star] as ast.Starred).value, { k: 'list', items: items.slice(star, items.length - after) }, scope);
          target.elts.slice(star + 1).forEach((e, i) => this.assign(e, items[items.length - after + i] ?? NONE, scope));
        }
        return;
      }
      case 'Starred':
        this.assign(target.value, v, scope);
        return;
      default:
        this.unsupported(`assignment to ${target.type}`, target.range);
    }
  }

  // ---------------------------------------------------------------- the model's own modules

  /**
   * Runs the model's own module `name` (relative with `level` > 0) once and returns its globals; null when it is
   * not one (a library, no resolver) or its file is not there (`report`: say so at the import).
   */
  private importOwn(name: string, level: number, range: SourceRange, report: boolean): Namespace | null {
    if (!this.readModule || (level === 0 && !mayBeOwnModule(name))) return null;
    const shown = `${'.'.repeat(level)}${name}`;
    if (this.importDepth >= MAX_IMPORT_DEPTH || this.modules.size >= MAX_IMPORTED_FILES) {
      this.report(`The import of '${shown}' (line ${range.line}) is not followed: imports nest deeper than ${MAX_IMPORT_DEPTH} or reach over ${MAX_IMPORTED_FILES} files.`, range, 'import', 'warning');
      return null;
    }
    let src: ReturnType<ModuleResolver> = null;
    try { src = this.readModule(range.file ?? this.file, name, level); } catch { src = null; }
    if (!src) {
      // torchvision's other modules (transforms, datasets) stay names the evaluator knows or not
      if (report && this.ownModules && !name.startsWith('torchvision')) {
        const what = level > 0 ? 'beside this file' : 'in this file\'s folder or the folders above it';
        this.report(`No module '${shown}' ${what} (line ${range.line}): names imported from it are unknown.`, range, 'import', 'warning');
      }
      return null;
    }
    const cached = this.modules.get(src.file);
    if (cached) return cached;
    const ns: Namespace = { k: 'namespace', name: name || shortFile(src.file), scope: new Scope(null), file: src.file };
    this.modules.set(src.file, ns);
    this.importSites.set(src.file, range.file ? this.importSites.get(range.file) ?? range : range);
    const { module, errors } = parsedModule(src.file, src.text);
    for (const e of errors.slice(0, 1)) this.report(`SyntaxError: ${e.message}`, { ...e.range, file: src.file }, 'syntax', 'error');
    ns.scope.set('__name__', str(name));
    const prev = this.reporting;
    this.reporting = false;
    this.importDepth++;
    try {
      this.execBlock(module.body, ns.scope, null);
    } catch (e) {
      if (e instanceof PyError) this.report(e.message, e.range, 'shape', 'error');
      else throw e;
    } finally {
      this.importDepth--;
      this.reporting = prev;
    }
    return ns;
  }

  /** `from .utils import f`, `from models.resnet import BasicBlock`, `from . import blocks`: false when not the model's own. */
  private importFromOwn(s: Extract<ast.Stmt, { type: 'ImportFrom' }>, scope: Scope): boolean {
    const name = s.module ?? '';
    if (!this.readModule || (s.level === 0 && !mayBeOwnModule(name))) return false;
    // `from . import x` names a package: its __init__.py may be absent, its submodules are files
    const ns = this.importOwn(name, s.level, s.range, name !== '');
    let found = false;
    for (const a of s.names) {
      if (a.name === '*') {
        if (ns) for (const [k, v] of ns.scope.vars) if (!k.startsWith('_')) scope.set(k, v);
        found ||= ns !== null;
        continue;
      }
      const v = ns?.scope.vars.get(a.name) ?? this.importOwn(name ? `${name}.${a.name}` : a.name, s.level, s.range, false);
      if (v) {
        scope.set(a.asname ?? a.name, v);
        found = true;
      } else if ((ns || name === '') && (this.ownModules || ns)) {
        const shown = `${'.'.repeat(s.level)}${name}`;
        this.report(`ImportError: cannot import name '${a.name}' from '${shown}' (line ${s.range.line}); it is unknown to the analysis.`, a.range, 'import', 'warning');
        scope.set(a.asname ?? a.name, unknown(`'${a.name}' from '${shown}'`, a.range));
        found = true;
      }
    }
    return found;
  }

  /** `import models.blocks`: binds `models`, a package whose attribute `blocks` is the module. */
  private packageOf(dotted: string, leaf: Namespace, range: SourceRange): Namespace {
    const parts = dotted.split('.');
    if (parts.length === 1) return leaf;
    let child: Namespace = leaf;
    for (let i = parts.length - 1; i >= 1; i--) {
      const prefix = parts.slice(0, i).join('.');
      const pkg = this.importOwn(prefix, 0, range, false) ?? { k: 'namespace', name: prefix, scope: new Scope(null), file: '' };
      pkg.scope.set(parts[i], child);
      child = pkg;
    }
    return child;
  }

  // ---------------------------------------------------------------- expressions

  eval(e: ast.Expr, scope: Scope): Value {
    if (this.chainValues.size > 0) {
      const known = this.chainValues.get(e);
      if (known !== undefined) return known;
    }
    const child = chainChild(e);
    if (child && chainChild(child) && !this.chainValues.has(child)) {
      const links: ast.Expr[] = [];
      for (let c: ast.Expr | null = child; c && chainChild(c); c = chainChild(c)) links.push(c);
      if (links.length >= CHAIN_RECURSION) {
        // CPython parses `1+1+...`, `a.b.c...` and `f()()...` of any length: evaluate the chain innermost link
        // first, each link reading its inner value from chainValues, instead of recursing once per link
        try {
          for (let i = links.length - 1; i >= 0; i--) this.chainValues.set(links[i]!, this.eval(links[i]!, scope));
          return this.evalNode(e, scope);
        } finally {
          for (const link of links) this.chainValues.delete(link);
        }
      }
    }
    return this.evalNode(e, scope);
  }

  /** Values of the links of a long chain being evaluated (see eval). */
  private readonly chainValues = new Map<ast.Expr, Value>();

  private evalNode(e: ast.Expr, scope: Scope): Value {
    this.tick(e.range);
    switch (e.type) {
      case 'Constant':
        switch (e.kind) {
          case 'int': return num(e.value as number, true);
          case 'float': return num(e.value as number, false);
          case 'str': return str(e.value as string);
          case 'bool': return bool(e.value as boolean);
          case 'None': return NONE;
          default: return unknown(`${e.kind} literal`, e.range);
        }
      case 'JoinedStr': {
        let out = '';
        for (const p of e.parts) {
          let s: string | undefined = p as string;
          if (typeof p !== 'string') {
            s = displayValue(this.eval(p, scope));
            if (s === undefined) return unknown('f-string with an unknown value', e.range);
          }
          // a long f-string of long values is stopped before it is built
          if (out.length + s.length > MAX_SEQ) this.grow(out.length + s.length, e.range);
          out += s;
        }
        this.grow(out.length, e.range);
        return str(out);
      }
      case 'Name': {
        const v = scope.lookup(e.id) ?? this.globals.lookup(e.id);
        if (v === undefined) {
          if (this.reporting) this.report(`name '${e.id}' is not defined (line ${e.range.line})`, e.range, 'unsupported', 'warning');
          return unknown(`name '${e.id}'`, e.range);
        }
        return v;
      }
      case 'Attribute':
        return this.getAttr(this.eval(e.value, scope), e.attr, e);
      case 'Call':
        return this.evalCall(e, scope);
      case 'BinOp':
        return this.binop(e.op, this.eval(e.left, scope), this.eval(e.right, scope), e.range, false);
      case 'UnaryOp': {
        const v = this.eval(e.operand, scope);
        if (e.op === 'not') { const t = truthy(v); return t === undefined ? unknown('not', e.range) : bool(!t); }
        if (v.k === 'num' || v.k === 'bool') {
          const n = Number(v.v);
          if (e.op === '-') return num(-n, v.k === 'bool' || v.int);
          if (e.op === '+') return num(n, v.k === 'bool' || v.int);
          if (e.op === '~') return num(~n, true);
        }
        if (v.k === 'tensor') return this.tensorPassthrough('neg', [v], e.range);
        return v.k === 'unknown' ? v : unknown(`unary ${e.op} on ${typeName(v)}`, e.range);
      }
      case 'BoolOp': {
        let last: Value = NONE;
        for (const part of e.values) {
          last = this.eval(part, scope);
          const t = truthy(last);
          if (t === undefined) return unknown(`'${e.op}' of an unknown value`, e.range);
          if (e.op === 'and' && !t) return last;
          if (e.op === 'or' && t) return last;
        }
        return last;
      }
      case 'Compare': {
        let left = this.eval(e.left, scope);
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.comparators[i], scope);
          const r = compare(e.ops[i], left, right);
          if (r === undefined) return unknown('comparison', e.range);
          if (!r) return bool(false);
          left = right;
        }
        return bool(true);
      }
      case 'List':
      case 'Tuple':
      case 'Set': {
        const items: Value[] = [];
        for (const el of e.elts) {
          if (el.type === 'Starred') {
            const inner = this.iterate(this.eval(el.value, scope), el.range);
            if (!inner) return unknown('unpacking an unknown value', el.range);
            this.grow(items.length + inner.length, el.range);
            appendAll(items, inner);
          } else {
            items.push(this.eval(el, scope));
          }
        }
        return e.type === 'Tuple' ? { k: 'tuple', items } : { k: 'list', items };
      }
      case 'Dict': {
        const d: Value = { k: 'dict', keys: [], values: [] };
        e.keys.forEach((k, i) => {
          const v = this.eval(e.values[i], scope);
          if (k === null) {
            if (v.k === 'dict') v.keys.forEach((kk, j) => dictSet(d, kk, v.values[j]));
          } else {
            dictSet(d, this.eval(k, scope), v);
          }
        });
        return d;
      }
      case 'Subscript':
        return this.subscript(this.eval(e.value, scope), e.slice, scope, e.range);
      case 'Slice':
        return unknown('slice outside a subscript', e.range);
      case 'IfExp': {
        const t = truthy(this.eval(e.test, scope));
        if (t === undefined) return unknown('conditional expression', e.range);
        return this.eval(t ? e.body : e.orelse, scope);
      }
      case 'Starred':
        return this.eval(e.value, scope);
      case 'ListComp':
      case 'SetComp':
      case 'GeneratorExp': {
        const out: Value[] = [];
        const ok = this.comprehension(e.generators, 0, new Scope(scope), (s) => { out.push(this.eval(e.elt, s)); });
        return ok ? { k: 'list', items: out } : unknown('comprehension over an unknown value', e.range);
      }
      case 'DictComp': {
        const d: Value = { k: 'dict', keys: [], values: [] };
        const ok = this.comprehension(e.generators, 0, new Scope(scope), (s) => dictSet(d, this.eval(e.key, s), this.eval(e.value, s)));
        return ok ? d : unknown('comprehension over an unknown value', e.range);
      }
      case 'Lambda':
        return { k: 'func', def: e, closure: scope };
      case 'NamedExpr': {
        const v = this.eval(e.value, scope);
        scope.set(e.target.id, v);
        return v;
      }
      case 'Await':
      case 'Yield':
        return this.unsupported(e.type === 'Await' ? "'await'" : "'yield'", e.range);
    }
  }

  private comprehension(gens: ast.Comprehension[], i: number, scope: Scope, emit: (s: Scope) => void): boolean {
    if (i === gens.length) { emit(scope); return true; }
    const g = gens[i];
    const items = this.iterate(this.eval(g.iter, scope), g.iter.range);
    if (!items) return false;
    for (const item of items) {
      this.assign(g.target, item, scope);
      let keep = true;
      for (const cond of g.ifs) {
        const t = truthy(this.eval(cond, scope));
        if (!t) { keep = false; break; }
      }
      if (keep && !this.comprehension(gens, i + 1, scope, emit)) return false;
    }
    return true;
  }

  /** Items of an iterable value, or undefined when not iterable here. */
  iterate(v: Value, range: SourceRange): Value[] | undefined {
    switch (v.k) {
      case 'list':
      case 'tuple': return v.items.slice();
      case 'dict': return v.keys.slice();
      case 'str': return [...v.v].map(str);
      case 'module': {
        const kind = containerKind(v.mod);
        if (kind === 'ModuleDict') return [...v.mod.children.keys()].map(str);
        if (kind === 'Sequential' || kind === 'ModuleList') return [...v.mod.children.values()].map((m) => ({ k: 'module', mod: m }));
        return undefined;
      }
      case 'tensor':
        this.unsupported('iterating over a tensor', range);
        return undefined;
      default:
        return undefined;
    }
  }

  private subscript(obj: Value, sliceExpr: ast.Expr, scope: Scope, range: SourceRange): Value {
    if (obj.k === 'tensor') return this.indexTensor(obj, sliceExpr, scope, range);
    if (sliceExpr.type === 'Slice') {
      const lo = sliceExpr.lower ? this.eval(sliceExpr.lower, scope) : NONE;
      const hi = sliceExpr.upper ? this.eval(sliceExpr.upper, scope) : NONE;
      const st = sliceExpr.step ? this.eval(sliceExpr.step, scope) : NONE;
      const intOrNull = (v: Value): number | null | undefined => (v.k === 'none' ? null : v.k === 'num' && v.int ? v.v : undefined);
      const a = intOrNull(lo), b = intOrNull(hi), c = intOrNull(st);
      if (a === undefined || b === undefined || c === undefined || c === 0) return unknown('slice with non-integer bounds', range);
      const sliceItems = <T>(arr: T[]): T[] => pySlice(arr, a, b, c);
      if (obj.k === 'list' || obj.k === 'tuple') return { k: obj.k, items: sliceItems(obj.items) };
      if (obj.k === 'str') return str(sliceItems([...obj.v]).join(''));
      const sliced = obj.k === 'module' ? containerKind(obj.mod) : null;
      if (obj.k === 'module' && (sliced === 'Sequential' || sliced === 'ModuleList')) {
        const kids = sliceItems([...obj.mod.children.values()]);
        const m = this.newModule(sliced, 'container', range);
        kids.forEach((k, i) => m.children.set(String(i), k));
        return { k: 'module', mod: m };
      }
      return obj.k === 'unknown' ? obj : unknown(`slicing ${typeName(obj)}`, range);
    }
    const key = this.eval(sliceExpr, scope);
    switch (obj.k) {
      case 'list':
      case 'tuple':
      case 'str': {
        if (key.k !== 'num' || !key.int) return unknown('index', range);
        const arr = obj.k === 'str' ? [...obj.v].map(str) : obj.items;
        const i = key.v < 0 ? arr.length + key.v : key.v;
        if (i < 0 || i >= arr.length) throw new PyError(`IndexError: ${obj.k} index out of range`, range);
        return arr[i];
      }
      case 'dict': {
        const i = obj.keys.findIndex((k) => valueEquals(k, key) === true);
        return i >= 0 ? obj.values[i] : unknown('missing dict key', range);
      }
      case 'module': {
        const kids = [...obj.mod.children.entries()];
        const kind = containerKind(obj.mod);
        if (kind === 'ModuleDict' && key.k === 'str') {
          const m = obj.mod.children.get(key.v);
          if (!m) throw new PyError(`KeyError: '${key.v}'`, range);
          return { k: 'module', mod: m };
        }
        if (key.k === 'num' && (kind === 'Sequential' || kind === 'ModuleList')) {
          const i = key.v < 0 ? kids.length + key.v : key.v;
          if (i < 0 || i >= kids.length) throw new PyError(`IndexError: index ${key.v} is out of range`, range);
          return { k: 'module', mod: kids[i][1] };
        }
        return unknown(`indexing ${obj.mod.cls}`, range);
      }
      case 'unknown':
        return obj;
      default:
        return unknown(`indexing ${typeName(obj)}`, range);
    }
  }

  private binop(op: ast.BinOperator, a: Value, b: Value, range: SourceRange, inplace: boolean): Value {
    if (a.k === 'tensor' || b.k === 'tensor') return this.tensorBinop(op, a, b, range, inplace);
    if (a.k === 'unknown') return a;
    if (b.k === 'unknown') return b;
    const isNum = (v: Value): v is Extract<Value, { k: 'num' }> | Extract<Value, { k: 'bool' }> => v.k === 'num' || v.k === 'bool';
    if (isNum(a) && isNum(b)) {
      const x = Number(a.v), y = Number(b.v);
      const ints = (a.k === 'bool' || a.int) && (b.k === 'bool' || b.int);
      switch (op) {
        case '+': return num(x + y, ints);
        case '-': return num(x - y, ints);
        case '*': return num(x * y, ints);
        case '/':
          if (y === 0) throw new PyError('ZeroDivisionError: division by zero', range);
          return num(x / y, false);
        case '//':
          if (y === 0) throw new PyError('ZeroDivisionError: integer division or modulo by zero', range);
          return num(Math.floor(x / y), ints);
        case '%':
          if (y === 0) throw new PyError('ZeroDivisionError: integer division or modulo by zero', range);
          return num(((x % y) + y) % y, ints);
        case '**': return num(x ** y, ints && y >= 0);
        case '<<': return num(x * 2 ** y, true);
        case '>>': return num(Math.floor(x / 2 ** y), true);
        case '&': return num(x & y, true);
        case '|': return num(x | y, true);
        case '^': return num(x ^ y, true);
        default: return unknown(`operator ${op}`, range);
      }
    }
    if (op === '+' && a.k === 'str' && b.k === 'str') {
      this.grow(a.v.length + b.v.length, range);
      return str(a.v + b.v);
    }
    if (op === '+' && (a.k === 'list' || a.k === 'tuple') && a.k === b.k) {
      this.grow(a.items.length + b.items.length, range);
      return { k: a.k, items: a.items.concat(b.items) };
    }
    if (op === '*' && (a.k === 'list' || a.k === 'tuple' || a.k === 'str') && b.k === 'num' && b.int) {
      // counted before it is built: past MAX_SEQ this is the budget's diagnostic
      this.grow(Math.max(0, b.v) * (a.k === 'str' ? a.v.length : a.items.length), range);
      if (a.k === 'str') return str(a.v.repeat(Math.max(0, b.v)));
      const items: Value[] = [];
      for (let i = 0; i < b.v; i++) appendAll(items, a.items);
      return { k: a.k, items };
    }
    if (op === '*' && a.k === 'num' && (b.k === 'list' || b.k === 'tuple' || b.k === 'str')) return this.binop(op, b, a, range, inplace);
    if (op === '%' && a.k === 'str') {
      const r = this.boundedString(() => percentFormat(a.v, b, MAX_SEQ), range);
      if (!r) return unknown('a %-formatted string with an unknown value', range);
      if ('error' in r) throw new PyError(r.error, range);
      this.grow(r.text.length, range);
      return str(r.text);
    }
    return unknown(`${typeName(a)} ${op} ${typeName(b)}`, range);
  }

  // ---------------------------------------------------------------- attributes

  private getAttr(obj: Value, attr: string, e: ast.Attribute): Value {
    switch (obj.k) {
      case 'ref':
        return { k: 'ref', name: `${obj.name}.${attr}` };
      case 'module':
        return this.moduleAttr(obj, attr, e.range);
      case 'namespace': {
        const v = obj.scope.vars.get(attr);
        if (v !== undefined) return v;
        if (obj.name.startsWith('torchvision')) return { k: 'ref', name: `${obj.name}.${attr}` };
        if (this.reporting) this.report(`AttributeError: module '${obj.name}' has no attribute '${attr}' (line ${e.range.line})`, e.range, 'import', 'warning');
        return unknown(`'${obj.name}.${attr}'`, e.range);
      }
      case 'class': {
        const v = lookupClassAttr(obj.cls, attr);
        if (v?.k === 'func' && v.decorator === 'classmethod') return { ...v, self: obj, owner: ownerOf(obj.cls, attr) ?? obj.cls };
        return v ?? unknown(`class attribute '${attr}'`, e.range);
      }
      case 'super': {
        const self = obj.self;
        if (attr === '__init__') {
          const base = obj.cls ? firstUserBase(obj.cls) : null;
          if (base) {
            const init = lookupClassAttr(base, '__init__');
            if (init && init.k === 'func') return { ...init, self, owner: base };
          }
          // class ConvBNReLU(nn.Sequential): super().__init__(conv, bn, act) fills the container.
          if (self.k === 'module' && containerKind(self.mod)) return { k: 'method', self, name: '__container_init__' };
          return { k: 'builtin', name: 'noop' };
        }
        const base = obj.cls ? firstUserBase(obj.cls) : null;
        if (base) {
          const m = lookupClassAttr(base, attr);
          if (m && m.k === 'func') return { ...m, self, owner: base };
        }
        if (attr === 'forward') return unknown('super().forward', e.range);
        return { k: 'builtin', name: 'noop' };
      }
      case 'tensor':
        if (attr === 'shape') return obj.shape ? { k: 'tuple', items: obj.shape.map((d) => num(d, true)) } : unknown('shape of a tensor whose shape is unknown', e.range);
        if (attr === 'ndim') return obj.shape ? num(obj.shape.length, true) : unknown('ndim', e.range);
        if (attr === 'T' || attr === 'data') return attr === 'data' ? obj : this.unsupported('Tensor.T', e.range);
        return { k: 'method', self: obj, name: attr };
      case 'tuple':
        if (obj.named) return this.pyResult(namedAttr(obj, obj.named, attr), e.range);
        return { k: 'method', self: obj, name: attr };
      case 'namedtuple':
        return this.pyResult(namedClassAttr(obj, attr) ?? unknown(`'${obj.cls.name}.${attr}'`, e.range), e.range);
      case 'list':
      case 'dict':
      case 'str':
        return { k: 'method', self: obj, name: attr };
      case 'func':
        return unknown(`function attribute '${attr}'`, e.range);
      case 'object': {
        const own = obj.attrs.get(attr);
        if (own !== undefined) return own;
        const v = lookupClassAttr(obj.cls, attr);
        if (v === undefined) throw new PyError(`AttributeError: '${obj.cls.name}' object has no attribute '${attr}'`, e.range);
        if (v.k !== 'func' || v.decorator === 'staticmethod') return v;
        const owner = ownerOf(obj.cls, attr) ?? obj.cls;
        if (v.decorator === 'classmethod') return { ...v, self: { k: 'class', cls: obj.cls }, owner };
        if (v.decorator === 'property') return this.callFunction({ ...v, self: obj, owner }, [], new Map(), e.range);
        return { ...v, self: obj, owner };
      }
      case 'unknown':
        return obj;
      default:
        return unknown(`'${typeName(obj)}'.${attr}`, e.range);
    }
  }

  private moduleAttr(obj: Extract<Value, { k: 'module' }>, attr: string, range: SourceRange): Value {
    const m = obj.mod;
    const child = m.children.get(attr);
    if (child) return { k: 'module', mod: child };
    const a = m.attrs.get(attr);
    if (a !== undefined) return a;
    if (m.userClass) {
      const v = lookupClassAttr(m.userClass, attr);
      if (v !== undefined) {
        if (v.k !== 'func' || v.decorator === 'staticmethod') return v;
        const owner = ownerOf(m.userClass, attr) ?? m.userClass;
        if (v.decorator === 'classmethod') return { ...v, self: { k: 'class', cls: m.userClass }, owner };
        if (v.decorator === 'property') return this.callFunction({ ...v, self: obj, owner }, [], new Map(), range);
        return { ...v, self: obj, owner };
      }
    }
    if (attr === 'training') return bool(this.training);
    if (m.kind === 'layer') {
      const spec = opOf(m.cls)?.params?.(m.args).find((p) => p.name === attr);
      if (spec) return { k: 'tensor', node: '', shape: spec.shape, param: { mod: m, name: attr } };
      if (attr in m.args) return fromArg(m.args[attr]);
      if (attr === 'bias' && m.args.bias === false) return NONE;
      if (attr === 'weight' || attr === 'bias' || attr === 'running_mean' || attr === 'running_var') return { k: 'tensor', node: '', shape: null };
    }
    if (MODULE_METHODS.has(attr)) return { k: 'method', self: obj, name: attr };
    return unknown(`attribute '${attr}' of ${m.cls}`, range);
  }

  // ---------------------------------------------------------------- calls

  private evalCall(e: ast.Call, scope: Scope): Value {
    const fn = this.eval(e.func, scope);
    const args: Value[] = [];
    for (const a of e.args) {
      if (a.type === 'Starred') {
        const inner = this.iterate(this.eval(a.value, scope), a.range);
        if (!inner) {
          args.push(unknown('*args of an unknown value', a.range));
          continue;
        }
        this.grow(args.length + inner.length, a.range);
        appendAll(args, inner);
      } else {
        args.push(this.eval(a, scope));
      }
    }
    const kwargs = new Map<string, Value>();
    for (const k of e.keywords) {
      const v = this.eval(k.value, scope);
      if (k.arg === null) {
        if (v.k === 'dict') v.keys.forEach((kk, i) => { if (kk.k === 'str') kwargs.set(kk.v, v.values[i]); });
        else return unknown('**kwargs of an unknown value', k.range);
      } else {
        kwargs.set(k.arg, v);
      }
    }
    return this.call(fn, args, kwargs, e.range, e);
  }

  call(fn: Value, args: Value[], kwargs: Map<string, Value>, range: SourceRange, node?: ast.Call): Value {
    if (this.modules.size > 0 && !range.file) {
      // a call in the analysed file: what imported code builds or computes under it is shown here (PyTorch's innermost frame in the file)
      const prev = this.localCall;
      this.localCall = range;
      try {
        return this.dispatch(fn, args, kwargs, range, node);
      } finally {
        this.localCall = prev;
      }
    }
    return this.dispatch(fn, args, kwargs, range, node);
  }

  /** The innermost call in the analysed file being evaluated, once the model's own modules are imported. */
  private localCall: SourceRange | null = null;

  /** A range in an imported file shows at the analysed file's call that reached it. */
  private shown(range: SourceRange): SourceRange {
    return range.file && this.localCall ? this.localCall : range;
  }

  private dispatch(fn: Value, args: Value[], kwargs: Map<string, Value>, range: SourceRange, node?: ast.Call): Value {
    switch (fn.k) {
      case 'func':
        return this.callFunction(fn, args, kwargs, range);
      case 'class':
        return this.instantiate(fn.cls, args, kwargs, range);
      case 'namedtuple':
        return this.pyResult(constructNamed(fn.cls, args, kwargs), range);
      case 'module':
        return this.callModule(fn.mod, args, kwargs, range);
      case 'ref':
        return this.callRef(fn.name, args, kwargs, range, node);
      case 'builtin':
        return this.callBuiltin(fn.name, args, kwargs, range);
      case 'method':
        return this.callMethod(fn.self, fn.name, args, kwargs, range);
      case 'partial':
        return this.call(fn.fn, [...fn.args, ...args], new Map([...fn.kwargs, ...kwargs]), range, node);
      case 'unknown':
        return fn;
      default:
        return unknown(`calling ${typeName(fn)}`, range);
    }
  }

  callFunction(fn: Extract<Value, { k: 'func' }>, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw new BudgetExceeded(`RecursionError: maximum recursion depth exceeded (line ${range.line})`, range);
    }
    if (fn.self) this.selfStack.push({ self: fn.self, owner: fn.owner ?? null });
    try {
      const local = new Scope(fn.closure);
      const all = fn.self ? [fn.self, ...args] : args;
      const params = fn.def.params;
      let ai = 0;
      const extra = new Map(kwargs);
      for (const p of params) {
        if (p.kind === 'vararg') {
          local.set(p.name, { k: 'tuple', items: all.slice(ai) });
          ai = all.length;
        } else if (p.kind === 'kwarg') {
          const d: Value = { k: 'dict', keys: [], values: [] };
          for (const [k, v] of extra) dictSet(d, str(k), v);
          extra.clear();
          local.set(p.name, d);
        } else if (p.kind !== 'kwonly' && ai < all.length) {
          local.set(p.name, all[ai++]);
          if (extra.has(p.name)) throw new PyError(`TypeError: ${funcName(fn)}() got multiple values for argument '${p.name}'`, range);
        } else if (extra.has(p.name)) {
          local.set(p.name, extra.get(p.name)!);
          extra.delete(p.name);
        } else if (p.default) {
          local.set(p.name, this.eval(p.default, fn.closure));
        } else {
          throw new PyError(`TypeError: ${funcName(fn)}() missing 1 required positional argument: '${p.name}'`, range);
        }
      }
      if (ai < all.length) throw new PyError(`TypeError: ${funcName(fn)}() takes ${params.length} positional arguments but ${all.length} were given`, range);
      if (extra.size) throw new PyError(`TypeError: ${funcName(fn)}() got an unexpected keyword argument '${[...extra.keys()][0]}'`, range);
      if (fn.def.type === 'Lambda') return this.eval(fn.def.body, local);
      const c = this.execBlock(fn.def.body, local, fn.self ?? null);
      return c?.type === 'return' ? c.value : NONE;
    } finally {
      this.depth--;
      if (fn.self) this.selfStack.pop();
    }
  }

  private newModule(cls: string, kind: ModuleInstance['kind'], range: SourceRange): ModuleInstance {
    return { id: this.nextModuleId++, cls, kind, args: {}, params: 0, children: new Map(), attrs: new Map(), defRange: this.shown(range), path: null };
  }

  /** `SomeModel(...)`: a user class. Runs __init__ when it derives from nn.Module. */
  instantiate(cls: ClassInfo, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    if (!isModuleClass(cls)) return this.instantiateObject(cls, args, kwargs, range);
    const m = this.newModule(cls.name, 'user', range);
    m.userClass = cls;
    const self: Value = { k: 'module', mod: m };
    const init = lookupClassAttr(cls, '__init__');
    if (init && init.k === 'func') {
      const prev = this.reporting;
      this.reporting = true;
      try {
        this.callFunction({ ...init, self, owner: ownerOf(cls, '__init__') ?? cls }, args, kwargs, range);
      } finally {
        this.reporting = prev;
      }
    }
    return self;
  }

  /** A plain class (no nn.Module): an object whose __init__ runs like any method; its attributes live on it. */
  private instantiateObject(cls: ClassInfo, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    if (cls.bases.some((b) => b.k !== 'class' && !((b.k === 'builtin' || b.k === 'ref') && b.name === 'object'))) return unknown(`instance of ${cls.name}`, range);
    const self: Value = { k: 'object', cls, attrs: new Map() };
    const init = lookupClassAttr(cls, '__init__');
    if (init && init.k === 'func') this.callFunction({ ...init, self, owner: ownerOf(cls, '__init__') ?? cls }, args, kwargs, range);
    return self;
  }

  private callRef(name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange, node?: ast.Call): Value {
    const q = canonical(name);
    const lib = libraryFunction(q);
    if (lib) return lib(this, args, kwargs, range);
    if (q.startsWith('torch.nn.init.')) return NONE;
    if (q === 'typing.cast') return args[1] ?? NONE;
    if (q === 'collections.OrderedDict' || q === 'typing.OrderedDict') {
      const d: Value = { k: 'dict', keys: [], values: [] };
      const src = args[0] ? this.iterate(args[0], range) : [];
      for (const pair of src ?? []) {
        const kv = this.iterate(pair, range);
        if (kv && kv.length === 2) dictSet(d, kv[0], kv[1]);
      }
      for (const [k, v] of kwargs) dictSet(d, str(k), v);
      return d;
    }
    if (q.startsWith('math.')) return this.callMath(q.slice(5), args, range);
    if (q.startsWith('torch.nn.')) {
      const cls = q.slice('torch.nn.'.length);
      if (/^[A-Z]/.test(cls) && !cls.includes('.')) return this.constructLayer(cls, args, kwargs, range, node);
    }
    if (FACTORIES.has(q)) {
      const dims = args.length === 1 && (args[0].k === 'tuple' || args[0].k === 'list') ? args[0].items : args;
      const shape = dims.map((d) => (d.k === 'num' && d.int ? d.v : NaN));
      if (shape.some((d) => !Number.isFinite(d) || d < 0)) return unknown(`${q} with an unknown size`, range);
      if (!this.builder) return { k: 'tensor', node: '', shape };
      const n = this.addNode(q.replace(/^torch\./, 'torch.'), 'function', null, { size: shape }, [], range, undefined);
      n.cost = { inputShapes: [], outputShape: shape, params: 0, macs: 0, activationBytes: numel(shape) * 4, formula: [] };
      return { k: 'tensor', node: n.id, shape };
    }
    const rule = getRule(q);
    if (rule && rule.kind === 'function') return this.applyFunction(rule, q, args, kwargs, range);
    if (q.startsWith('torch.') || q.startsWith('torch.nn.functional.')) {
      if (args.some((a) => a.k === 'tensor')) {
        return this.unsupportedTensorOp(q.replace('torch.nn.functional.', 'F.'), args, range);
      }
    } else if (args.some((a) => a.k === 'tensor')) {
      // `import t.functional as F; F.relu(x)`: name the module the analysis does not know
      return this.unsupportedTensorOp(`${q}() (module '${q.split('.').slice(0, -1).join('.') || q}' is not one the analysis knows; is the import right?)`, args, range);
    }
    return unknown(`${q}()`, range);
  }

  private callMath(fn: string, args: Value[], range: SourceRange): Value {
    const xs = args.map((a) => (a.k === 'num' || a.k === 'bool' ? Number(a.v) : NaN));
    if (xs.some(Number.isNaN)) return unknown(`math.${fn}`, range);
    switch (fn) {
      case 'floor': return num(Math.floor(xs[0]), true);
      case 'ceil': return num(Math.ceil(xs[0]), true);
      case 'sqrt': return num(Math.sqrt(xs[0]), false);
      case 'prod': return num(xs.reduce((a, b) => a * b, 1));
      case 'log2': return num(Math.log2(xs[0]), false);
      case 'log': return num(Math.log(xs[0]), false);
      case 'pow': return num(xs[0] ** xs[1], false);
      default: return unknown(`math.${fn}`, range);
    }
  }

  /** `nn.Conv2d(...)`, `nn.Sequential(...)`: a torch.nn module instance. */
  private constructLayer(cls: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange, node?: ast.Call): Value {
    if (CONTAINERS.has(cls)) {
      const m = this.newModule(cls, 'container', range);
      this.fillContainer(m, cls, args, kwargs, range, node);
      return { k: 'module', mod: m };
    }
    // Building a layer (binding, a probe of its shape rule) costs as much as many plain steps: the budget bounds time.
    this.steps += LAYER_STEPS;
    const m = this.newModule(cls, 'layer', range);
    const rule = getRule(cls);
    if (!rule || rule.kind !== 'module') {
      m.kind = 'unsupported';
      m.problem = `nn.${cls} is not supported by the shape analysis yet`;
      this.report(`nn.${cls} is not supported by the shape analysis yet (line ${range.line}); shapes after it are unknown.`, range, 'unsupported', 'warning');
      return { k: 'module', mod: m };
    }
    const pos: ArgValue[] = [];
    const kw: Record<string, ArgValue> = {};
    let unknownArg: string | undefined;
    args.forEach((a, i) => {
      const c = toArg(a);
      if (c === undefined) { unknownArg ??= `argument ${i + 1} (${a.k === 'unknown' ? a.why : typeName(a)})`; pos.push(null); } else pos.push(c);
    });
    for (const [k, v] of kwargs) {
      const c = toArg(v);
      if (c === undefined) { unknownArg ??= `'${k}' (${v.k === 'unknown' ? v.why : typeName(v)})`; kw[k] = null; } else kw[k] = c;
    }
    if (unknownArg) {
      const bound = bindArgs(rule, pos, kw, '__init__');
      if ('error' in bound) throw new PyError(`TypeError: ${bound.error}`, range);
      m.args = bound.args;
      m.problem = `the value of ${unknownArg} is unknown`;
      this.report(`nn.${cls} at line ${range.line}: the value of ${unknownArg} cannot be computed from the source; its shape is unknown.`, range);
    } else {
      const built = constructedLayer(cls, rule, pos, kw);
      if (built.error) throw new PyError(built.error, range);
      m.args = { ...built.args };
      if (built.params !== undefined) m.params = built.params;
    }
    return { k: 'module', mod: m };
  }

  /** nn.Sequential(*mods) / nn.Sequential(OrderedDict) / nn.ModuleList(mods) / nn.ModuleDict(dict), also through super().__init__. */
  private fillContainer(m: ModuleInstance, cls: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange, node?: ast.Call): void {
    const add = (key: string, v: Value, at: SourceRange) => {
      if (v.k === 'module') m.children.set(key, v.mod);
      else if (v.k !== 'unknown') throw new PyError(`TypeError: ${typeName(v)} is not a Module subclass`, at);
      else this.report(`An entry of ${cls} at line ${at.line} cannot be analysed (${v.why}).`, v.range ?? at);
    };
    if (cls === 'Sequential') {
      if (args.length === 1 && args[0].k === 'dict') {
        args[0].keys.forEach((k, i) => add(k.k === 'str' ? k.v : String(i), (args[0] as Extract<Value, { k: 'dict' }>).values[i], range));
      } else {
        args.forEach((a, i) => add(String(i), a, node?.args[i]?.range ?? range));
      }
    } else if (cls === 'ModuleList') {
      const src = args[0] ?? kwargs.get('modules');
      const items = src && src.k !== 'none' ? this.iterate(src, range) : [];
      (items ?? []).forEach((a, i) => add(String(i), a, range));
    } else {
      const d = args[0] ?? kwargs.get('modules');
      if (d && d.k === 'dict') d.keys.forEach((k, i) => add(k.k === 'str' ? k.v : String(i), d.values[i], range));
      else if (d && d.k !== 'none') for (const pair of this.iterate(d, range) ?? []) {
        const kv = this.iterate(pair, range);
        if (kv?.length === 2) add(kv[0].k === 'str' ? kv[0].v : String(m.children.size), kv[1], range);
      }
    }
  }

  // ---------------------------------------------------------------- modules in forward

  callModule(m: ModuleInstance, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    if (m.kind === 'user') {
      const fwd = m.userClass ? lookupClassAttr(m.userClass, 'forward') : undefined;
      if (!fwd && containerKind(m) === 'Sequential') return this.sequentialForward(m, args, range);
      if (!fwd || fwd.k !== 'func') {
        return this.unsupported(`${m.cls} has no forward()`, range);
      }
      this.frames.push({ modulePath: m.path });
      const prev = this.reporting;
      this.reporting = true;
      try {
        return this.callFunction({ ...fwd, self: { k: 'module', mod: m }, owner: ownerOf(m.userClass!, 'forward') ?? m.userClass }, args, kwargs, range);
      } finally {
        this.reporting = prev;
        this.frames.pop();
      }
    }
    if (m.cls === 'Sequential') return this.sequentialForward(m, args, range);
    if (m.kind === 'container') {
      throw new PyError(`NotImplementedError: Module [${m.cls}] is missing the required "forward" function`, range);
    }
    const tensors = args.filter((a): a is Extract<Value, { k: 'tensor' }> => a.k === 'tensor');
    if (tensors.length === 0) {
      const u = args.find((a) => a.k === 'unknown');
      return u ?? unknown(`${m.cls} called without a tensor`, range);
    }
    const node = this.addNode(m.cls, 'module', m.path, m.args, tensors, range, m.defRange);
    const shapes = tensors.map((t) => t.shape);
    if (m.kind === 'unsupported' || m.problem) {
      node.error = m.problem ?? 'unsupported layer';
      return { k: 'tensor', node: node.id, shape: null };
    }
    const rule = getRule(m.cls)!;
    if (shapes.some((s) => s === null)) return { k: 'tensor', node: node.id, shape: null };
    return this.inferInto(node, rule, shapes as Shape[], m.args, m);
  }

  private sequentialForward(m: ModuleInstance, args: Value[], range: SourceRange): Value {
    let x = args[0] ?? unknown('missing input', range);
    if (m.children.size === 0 && m.kind === 'container' && x.k === 'tensor') {
      // an empty nn.Sequential (a ResNet's identity shortcut) is a leaf module PyTorch calls: the identity
      const node = this.addNode(m.cls, 'module', m.path, {}, [x], range, m.defRange);
      return x.shape ? this.inferInto(node, getRule('Identity')!, [x.shape], {}, m) : { k: 'tensor', node: node.id, shape: null };
    }
    for (const child of m.children.values()) {
      x = this.callModule(child, [x], new Map(), range);
    }
    return x;
  }

  private inferInto(node: GraphNode, rule: ShapeRule, shapes: Shape[], args: Record<string, ArgValue>, m: ModuleInstance | null): Value {
    const r = rule.infer(shapes, args);
    if (isShapeErr(r)) {
      node.error = r.error;
      if (this.builder) {
        const range = m ? m.defRange : node.callRange!;
        this.builder.firstError ??= { message: r.error, range };
        this.report(r.error, range, 'shape', 'error');
      } else {
        throw new PyError(r.error, node.callRange!);
      }
      return { k: 'tensor', node: node.id, shape: null };
    }
    node.cost = {
      inputShapes: shapes,
      outputShape: r.output,
      params: r.params,
      macs: r.macs,
      activationBytes: numel(r.output) * 4,
      formula: r.formula ?? [],
    };
    if (this.builder) this.builder.totalMacs += r.macs;
    return { k: 'tensor', node: node.id, shape: r.output };
  }

  private applyFunction(rule: ShapeRule, q: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    let tensors: Extract<Value, { k: 'tensor' }>[] = [];
    let rest: Value[];
    if (rule.tensorInputs === 'variadic') {
      const list = args[0] ? this.iterate(args[0], range) : undefined;
      if (!list) return unknown(`${q} of an unknown list`, range);
      if (list.some((t) => t.k !== 'tensor')) return unknown(`${q} of non-tensors`, range);
      tensors = list as typeof tensors;
      rest = args.slice(1);
    } else {
      const n = rule.tensorInputs ?? 1;
      const head = args.slice(0, n);
      if (head.length < n && kwargs.has('input')) { head.push(kwargs.get('input')!); kwargs.delete('input'); }
      if (head.some((t) => t.k !== 'tensor')) {
        if (rule.op === 'torch.add' && head.some((t) => t.k === 'tensor')) {
          return this.tensorBinop('+', head[0], head[1] ?? unknown('missing', range), range, false);
        }
        const u = head.find((t) => t.k === 'unknown');
        return u ?? unknown(`${q} without a tensor`, range);
      }
      tensors = head as typeof tensors;
      rest = args.slice(n);
    }
    return this.applyRule(rule, q, 'function', tensors, rest, kwargs, range);
  }

  private applyRule(rule: ShapeRule, op: string, kind: 'function' | 'method', tensors: Extract<Value, { k: 'tensor' }>[], rest: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const pos: ArgValue[] = [];
    const kw: Record<string, ArgValue> = {};
    let unknownArg: string | undefined;
    for (const a of rest) {
      const c = toArg(a);
      if (c === undefined) { unknownArg ??= a.k === 'unknown' ? a.why : typeName(a); pos.push(null); } else pos.push(c);
    }
    for (const [k, v] of kwargs) {
      const c = toArg(v);
      if (c === undefined) { unknownArg ??= v.k === 'unknown' ? v.why : typeName(v); kw[k] = null; } else kw[k] = c;
    }
    let args: Record<string, ArgValue> = {};
    let bindError: string | undefined;
    if ((rule.op === '.view' || rule.op === '.reshape') && !('shape' in kw)) {
      args = { shape: pos.length === 1 && Array.isArray(pos[0]) ? pos[0] : pos };
    } else {
      const b = bindArgs(rule, pos, kw, op.replace(/^\./, ''));
      if ('error' in b) bindError = `TypeError: ${b.error}`;
      else args = b.args;
    }
    if (MULTI_OUTPUT.has(rule.op) && !bindError && !unknownArg) {
      const pieces = this.tensorPieces(rule, op, kind, tensors[0], args, range);
      if (pieces) return pieces;
    }
    if (bindError) return this.failedCall(op, kind, args, tensors, bindError, range);
    const node = this.addNode(op, kind, null, args, tensors, range, undefined);
    if (unknownArg) {
      node.error = `an argument is unknown (${unknownArg})`;
      this.report(`${op} at line ${range.line}: an argument cannot be computed from the source (${unknownArg}); its shape is unknown.`, range);
      return { k: 'tensor', node: node.id, shape: null };
    }
    const shapes = tensors.map((t) => t.shape);
    if (shapes.some((s) => s === null)) return { k: 'tensor', node: node.id, shape: null };
    return this.inferInto(node, rule, shapes as Shape[], args, null);
  }

  /** A call PyTorch rejects before computing anything (a TypeError of its arguments): its node, with the error. */
  private failedCall(op: string, kind: 'function' | 'method', args: Record<string, ArgValue>, tensors: Extract<Value, { k: 'tensor' }>[], message: string, range: SourceRange): Value {
    const node = this.addNode(op, kind, null, args, tensors, range, undefined);
    node.error = message;
    if (this.builder) this.builder.firstError ??= { message, range };
    this.report(message, range, 'shape', 'error');
    return { k: 'tensor', node: node.id, shape: null };
  }

  /**
   * x.expand_as(other): a method whose other tensor arguments are inputs of its node (its rule's tensorInputs
   * counts self); torch's argument parser's TypeErrors when one is missing or no tensor.
   */
  private tensorArgsMethod(rule: ShapeRule, name: string, t: Extract<Value, { k: 'tensor' }>, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const extra = (rule.tensorInputs as number) - 1;
    const others = args.slice(0, extra);
    const kw = new Map(kwargs);
    if (others.length < extra && kw.has('other')) {
      others.push(kw.get('other')!);
      kw.delete('other');
    }
    const op = `.${name}`;
    if (others.length < extra) return this.failedCall(op, 'method', {}, [t], `TypeError: ${name}() missing 1 required positional arguments: "other"`, range);
    const bad = others.find((o) => o.k !== 'tensor');
    if (bad?.k === 'unknown') return bad;
    if (bad) return this.failedCall(op, 'method', {}, [t], `TypeError: ${name}(): argument 'other' (position 1) must be Tensor, not ${typeName(bad)}`, range);
    return this.applyRule(rule, op, 'method', [t, ...(others as Extract<Value, { k: 'tensor' }>[])], args.slice(extra), kw, range);
  }

  /**
   * x.chunk(2, dim=1), torch.split(x, [3, 5], 1): a tuple of pieces, one 'slice' node each (`piece` in its args);
   * undefined when the arguments are wrong for this shape, so that one node reports PyTorch's error.
   */
  private tensorPieces(rule: ShapeRule, op: string, kind: 'function' | 'method', t: Extract<Value, { k: 'tensor' }>, args: Record<string, ArgValue>, range: SourceRange): Value | undefined {
    if (!t.shape) return unknown(`the pieces of ${op.replace(/^\./, '')}() of a tensor whose shape is unknown`, range);
    const pieces = piecesOf(t.shape, args);
    if (!pieces || 'error' in pieces) return undefined;
    this.grow(pieces.sizes.length, range);
    const items: Value[] = pieces.sizes.map((_, piece) => {
      const pieceArgs = { ...args, piece };
      return this.inferInto(this.addNode(op, kind, null, pieceArgs, [t], range, undefined), rule, [t.shape!], pieceArgs, null);
    });
    return { k: 'tuple', items };
  }

  /** x[:, :d], x[..., 1:], x[0], x[:, None]: one 'slice' node; an index the analysis cannot read makes the shape unknown. */
  private indexTensor(t: Extract<Value, { k: 'tensor' }>, sliceExpr: ast.Expr, scope: Scope, range: SourceRange): Value {
    const exprs = sliceExpr.type === 'Tuple' ? sliceExpr.elts : [sliceExpr];
    const index: ArgValue[] = [];
    const intOrNone = (e: ast.Expr | null): number | null | undefined => {
      if (!e) return null;
      const v = this.eval(e, scope);
      return v.k === 'none' ? null : v.k === 'num' && v.int ? v.v : undefined;
    };
    for (const e of exprs) {
      if (e.type === 'Constant' && e.kind === 'Ellipsis') { index.push('...'); continue; }
      if (e.type === 'Slice') {
        const bounds = [intOrNone(e.lower), intOrNone(e.upper), intOrNone(e.step)];
        if (bounds.some((b) => b === undefined)) return this.unsupported('a tensor slice whose bounds are not known ints', e.range);
        index.push(bounds as ArgValue[]);
        continue;
      }
      const v = this.eval(e, scope);
      if (v.k === 'none') index.push(null);
      else if (v.k === 'num' && v.int) index.push(v.v);
      else if (v.k === 'unknown') return v;
      else return this.unsupported(`indexing a tensor with ${typeName(v)}`, e.range);
    }
    const args = { index };
    const rule = getRule(INDEX)!;
    const node = this.addNode(INDEX, 'method', null, args, [t], range, undefined);
    if (!t.shape) return { k: 'tensor', node: node.id, shape: null };
    return this.inferInto(node, rule, [t.shape], args, null);
  }

  private unsupportedTensorOp(name: string, args: Value[], range: SourceRange): Value {
    const tensors = args.filter((a): a is Extract<Value, { k: 'tensor' }> => a.k === 'tensor');
    this.report(`${name} is not supported by the shape analysis yet (line ${range.line}); shapes after it are unknown.`, range);
    const node = this.addNode(name, name.startsWith('.') ? 'method' : 'function', null, {}, tensors, range, undefined);
    node.error = `${name} is not supported by the shape analysis yet`;
    return { k: 'tensor', node: node.id, shape: null };
  }

  /** Elementwise op whose output has the input's shape (tensor op scalar, unary minus). */
  private tensorPassthrough(op: string, tensors: Extract<Value, { k: 'tensor' }>[], range: SourceRange, args: Record<string, ArgValue> = {}): Value {
    const node = this.addNode(op, 'function', null, args, tensors, range, undefined);
    const shape = tensors[0].shape;
    if (shape) node.cost = { inputShapes: tensors.map((t) => t.shape!).filter(Boolean), outputShape: shape, params: 0, macs: 0, activationBytes: numel(shape) * 4, formula: [] };
    return { k: 'tensor', node: node.id, shape };
  }

  private tensorBinop(op: ast.BinOperator, a: Value, b: Value, range: SourceRange, inplace: boolean): Value {
    const names: Partial<Record<ast.BinOperator, string>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' };
    const name = names[op];
    if (!name) return this.unsupportedTensorOp(`tensor ${op}`, [a, b], range);
    if (a.k === 'tensor' && b.k === 'tensor') {
      const rule = getRule(name);
      if (!rule) return this.unsupportedTensorOp(name, [a, b], range);
      const node = this.addNode(name, 'function', null, { inplace }, [a, b], range, undefined);
      if (a.shape === null || b.shape === null) return { k: 'tensor', node: node.id, shape: null };
      return this.inferInto(node, rule, [a.shape, b.shape], {}, null);
    }
    const t = (a.k === 'tensor' ? a : b) as Extract<Value, { k: 'tensor' }>;
    const other = a.k === 'tensor' ? b : a;
    if (other.k !== 'num' && other.k !== 'bool') {
      if (other.k === 'unknown') return { k: 'tensor', node: t.node, shape: t.shape };
      return this.unsupportedTensorOp(`tensor ${op} ${typeName(other)}`, [t], range);
    }
    // The scalar operand, for export; `reversed` when it comes first (`1 - x`).
    const scalar = Number(other.v);
    return this.tensorPassthrough(name, [t], range, a.k === 'tensor' ? { other: scalar } : { other: scalar, reversed: true });
  }

  // ---------------------------------------------------------------- methods

  private callMethod(self: Value, name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    if (self.k === 'tensor') return this.tensorMethod(self, name, args, kwargs, range);
    if (self.k === 'list') {
      switch (name) {
        case 'append': self.items.push(args[0] ?? NONE); return NONE;
        case 'extend': {
          const it = args[0] ? this.iterate(args[0], range) : [];
          if (it) {
            this.grow(self.items.length + it.length, range);
            appendAll(self.items, it);
          }
          return NONE;
        }
        case 'insert': { const i = args[0]?.k === 'num' ? args[0].v : 0; self.items.splice(i, 0, args[1] ?? NONE); return NONE; }
        case 'pop': return self.items.pop() ?? NONE;
        case 'index': { const i = self.items.findIndex((x) => valueEquals(x, args[0] ?? NONE) === true); return num(i, true); }
        case 'copy': return { k: 'list', items: self.items.slice() };
        case 'reverse': self.items.reverse(); return NONE;
        default: return unknown(`list.${name}`, range);
      }
    }
    if (self.k === 'dict') {
      switch (name) {
        case 'keys': return { k: 'list', items: self.keys.slice() };
        case 'values': return { k: 'list', items: self.values.slice() };
        case 'items': return { k: 'list', items: self.keys.map((kk, i) => ({ k: 'tuple', items: [kk, self.values[i]] })) };
        case 'get': { const i = self.keys.findIndex((kk) => valueEquals(kk, args[0] ?? NONE) === true); return i >= 0 ? self.values[i] : (args[1] ?? NONE); }
        case 'update': { const o = args[0]; if (o?.k === 'dict') o.keys.forEach((kk, i) => dictSet(self, kk, o.values[i])); return NONE; }
        default: return unknown(`dict.${name}`, range);
      }
    }
    if (self.k === 'str') return this.strMethod(self.v, name, args, kwargs, range);
    if (self.k === 'module') return this.moduleMethod(self.mod, name, args, kwargs, range);
    if (self.k === 'namedtuple' || (self.k === 'tuple' && self.named)) {
      const r = namedMethod(self, name, args, kwargs, (v) => this.iterate(v, range), valueEquals);
      if (r) return this.pyResult(r, range);
    }
    return unknown(`${typeName(self)}.${name}()`, range);
  }

  /** A str method; every string it builds is counted in the value budget (and stopped before it passes MAX_SEQ). */
  private strMethod(v: string, name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const built = (s: string): Value => {
      this.grow(s.length, range);
      return str(s);
    };
    switch (name) {
      case 'format': {
        const r = this.boundedString(() => strFormat(v, args, kwargs, MAX_SEQ), range);
        return r === undefined ? unknown('str.format() with an unknown value', range) : built(r);
      }
      case 'join': {
        const items = args[0] ? this.iterate(args[0], range) : undefined;
        if (!items || items.some((x) => x.k !== 'str')) return unknown('str.join()', range);
        const parts = items.map((x) => (x as { v: string }).v);
        this.grow(parts.reduce((n, p) => n + p.length, 0) + v.length * Math.max(0, parts.length - 1), range);
        return str(parts.join(v));
      }
      case 'replace': {
        const [old, by, count] = args;
        if (old?.k !== 'str' || by?.k !== 'str' || (count && !(count.k === 'num' && count.int))) return unknown('str.replace()', range);
        const max = count && count.v >= 0 ? count.v : Infinity;
        // where the replacements go (Python: an empty `old` matches before every character and at the end)
        const at: number[] = [];
        if (old.v === '') for (let i = 0; i <= v.length && at.length < max; i++) at.push(i);
        else for (let i = v.indexOf(old.v); i >= 0 && at.length < max; i = v.indexOf(old.v, i + old.v.length)) at.push(i);
        this.grow(v.length + at.length * (by.v.length - old.v.length), range);
        let out = '';
        let from = 0;
        for (const i of at) {
          out += v.slice(from, i) + by.v;
          from = i + old.v.length;
        }
        return str(out + v.slice(from));
      }
      case 'strip':
      case 'lstrip':
      case 'rstrip': {
        const chars = args[0]?.k === 'str' ? args[0].v : args[0] === undefined || args[0].k === 'none' ? null : undefined;
        if (chars === undefined) return unknown(`str.${name}()`, range);
        const strips = (c: string) => (chars === null ? /\s/.test(c) : chars.includes(c));
        let a = 0;
        let b = v.length;
        if (name !== 'rstrip') while (a < b && strips(v[a])) a++;
        if (name !== 'lstrip') while (b > a && strips(v[b - 1])) b--;
        return built(v.slice(a, b));
      }
      case 'isdigit': return bool(/^\d+$/.test(v));
      case 'lower': return built(v.toLowerCase());
      case 'upper': return built(v.toUpperCase());
      case 'startswith': return args[0]?.k === 'str' ? bool(v.startsWith(args[0].v)) : unknown('startswith', range);
      case 'endswith': return args[0]?.k === 'str' ? bool(v.endsWith(args[0].v)) : unknown('endswith', range);
      case 'split': {
        const sep = args[0] ?? kwargs.get('sep');
        if (sep && sep.k !== 'str' && sep.k !== 'none') return unknown('str.split()', range);
        if (sep?.k === 'str' && sep.v === '') throw new PyError('ValueError: empty separator', range);
        // without a separator, runs of whitespace split and the ends are dropped
        const parts = sep?.k === 'str' ? v.split(sep.v) : v.trim() === '' ? [] : v.trim().split(/\s+/);
        this.grow(parts.length, range);
        return { k: 'list', items: parts.map(str) };
      }
      default: return unknown(`str.${name}`, range);
    }
  }

  /** Builds a string within the value budget: one that would pass MAX_SEQ is the budget's diagnostic, never built. */
  private boundedString<T>(build: () => T, range: SourceRange): T {
    try {
      return build();
    } catch (e) {
      if (e instanceof StringTooLong) this.grow(e.size, range);
      throw e;
    }
  }

  private moduleMethod(m: ModuleInstance, name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const all = (): ModuleInstance[] => {
      const out: ModuleInstance[] = [];
      const seen = new Set<ModuleInstance>();
      const walk = (x: ModuleInstance) => { if (seen.has(x)) return; seen.add(x); out.push(x); for (const c of x.children.values()) walk(c); };
      walk(m);
      return out;
    };
    const mod = (x: ModuleInstance): Value => ({ k: 'module', mod: x });
    switch (name) {
      case '__container_init__':
        this.fillContainer(m, containerKind(m)!, args, kwargs, range);
        return NONE;
      case 'modules': return { k: 'list', items: all().map(mod) };
      case 'children': return { k: 'list', items: [...m.children.values()].map(mod) };
      case 'named_children': return { k: 'list', items: [...m.children.entries()].map(([k, v]) => ({ k: 'tuple', items: [str(k), mod(v)] })) };
      case 'named_modules': return { k: 'list', items: all().map((x) => ({ k: 'tuple', items: [str(x.path ?? ''), mod(x)] })) };
      case 'add_module':
      case 'register_module': {
        const [n, v] = [args[0] ?? kwargs.get('name'), args[1] ?? kwargs.get('module')];
        if (n?.k === 'str' && v?.k === 'module') m.children.set(n.v, v.mod);
        else if (n?.k === 'str' && v?.k === 'none') m.children.delete(n.v);
        else this.unsupported('add_module with unknown arguments', range);
        return NONE;
      }
      case 'append':
        if (args[0]?.k === 'module') m.children.set(String(m.children.size), args[0].mod);
        else this.unsupported(`${m.cls}.append of ${args[0] ? typeName(args[0]) : 'nothing'}`, range);
        return { k: 'module', mod: m };
      case 'extend': {
        const items = args[0] ? this.iterate(args[0], range) : [];
        for (const it of items ?? []) if (it.k === 'module') m.children.set(String(m.children.size), it.mod);
        return { k: 'module', mod: m };
      }
      case 'insert': {
        const i = args[0]?.k === 'num' ? args[0].v : m.children.size;
        if (args[1]?.k !== 'module') return this.unsupported(`${m.cls}.insert`, range);
        const list = [...m.children.values()];
        list.splice(i, 0, args[1].mod);
        m.children.clear();
        list.forEach((x, j) => m.children.set(String(j), x));
        return NONE;
      }
      case 'forward':
        return this.callModule(m, args, kwargs, range);
      case 'keys': return { k: 'list', items: [...m.children.keys()].map(str) };
      case 'values': return { k: 'list', items: [...m.children.values()].map(mod) };
      case 'items': return { k: 'list', items: [...m.children.entries()].map(([k, v]) => ({ k: 'tuple', items: [str(k), mod(v)] })) };
      case 'parameters':
      case 'named_parameters':
      case 'state_dict':
        return unknown(`${name}()`, range);
      case 'apply': {
        // Module.apply: children first, then the module itself.
        const f = args[0];
        const seen = new Set<ModuleInstance>();
        const post = (x: ModuleInstance) => { if (seen.has(x)) return; seen.add(x); for (const c of x.children.values()) post(c); this.call(f, [mod(x)], new Map(), range); };
        if (f && (f.k === 'func' || f.k === 'partial')) post(m);
        return { k: 'module', mod: m };
      }
      default:
        // eval/train/to/cuda/... return the module itself; register_buffer etc. are no-ops for shapes.
        return { k: 'module', mod: m };
    }
  }

  private tensorMethod(t: Extract<Value, { k: 'tensor' }>, name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const shape = t.shape;
    const normDim = (d: number) => (shape && d < 0 ? shape.length + d : d);
    switch (name) {
      case 'size': {
        if (!shape) return unknown('size of a tensor whose shape is unknown', range);
        const d = args[0] ?? kwargs.get('dim');
        if (!d) return { k: 'tuple', items: shape.map((x) => num(x, true)) };
        if (d.k !== 'num') return unknown('size(dim) with an unknown dim', range);
        const i = normDim(d.v);
        if (i < 0 || i >= shape.length) {
          throw new PyError(`IndexError: Dimension out of range (expected to be in range of [${-shape.length}, ${shape.length - 1}], but got ${d.v})`, range);
        }
        return num(shape[i], true);
      }
      case 'dim':
      case 'ndimension':
        return shape ? num(shape.length, true) : unknown('dim()', range);
      case 'numel':
      case 'nelement':
        return shape ? num(numel(shape), true) : unknown('numel()', range);
    }
    if (IDENTITY_METHODS.has(name)) return t;
    const init = tensorInitCall(name, args, kwargs);
    if (init) {
      this.recordInit(init.fn, t, init.args, range);
      return t;
    }
    const rule = getRule(`.${name}`);
    if (rule && rule.kind === 'method') {
      if (typeof rule.tensorInputs === 'number' && rule.tensorInputs > 1) return this.tensorArgsMethod(rule, name, t, args, kwargs, range);
      return this.applyRule(rule, `.${name}`, 'method', [t], args, kwargs, range);
    }
    // Tensor methods with a functional twin (x.softmax(1) ~ torch.softmax(x, 1)).
    const fn = getRule(`torch.${name}`);
    if (fn && fn.kind === 'function' && fn.tensorInputs === 1) return this.applyRule(fn, `.${name}`, 'method', [t], args, kwargs, range);
    return this.unsupportedTensorOp(`Tensor.${name}()`, [t], range);
  }

  // ---------------------------------------------------------------- builtins

  private callBuiltin(name: string, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value {
    const a0 = args[0];
    const seq = (v: Value | undefined) => (v ? this.iterate(v, range) : undefined);
    switch (name) {
      case 'noop':
      case 'print':
        return NONE;
      case 'range': {
        const ns = args.map((a) => (a.k === 'num' && a.int ? a.v : a.k === 'bool' ? Number(a.v) : NaN));
        if (ns.some(Number.isNaN) || ns.length === 0) return unknown('range() of unknown bounds', range);
        const [start, stop, step] = ns.length === 1 ? [0, ns[0], 1] : [ns[0], ns[1], ns[2] ?? 1];
        if (step === 0) throw new PyError('ValueError: range() arg 3 must not be zero', range);
        const count = Math.max(0, Math.ceil((stop - start) / step));
        if (count > MAX_SEQ) return unknown('a very long range', range);
        // A loop over it would spend more steps than are left: stop now rather than build the list first.
        if (count > MAX_STEPS - this.steps) throw new BudgetExceeded(`The model's code runs too long to analyse (range of ${count} items, line ${range.line}).`, range);
        const items: Value[] = [];
        for (let i = 0; i < count; i++) items.push(num(start + i * step, true));
        return { k: 'list', items };
      }
      case 'len': {
        if (a0?.k === 'module') return num(a0.mod.children.size, true);
        if (a0?.k === 'str') return num(a0.v.length, true);
        if (a0?.k === 'tensor') return a0.shape ? num(a0.shape[0], true) : unknown('len of a tensor', range);
        const items = seq(a0);
        return items ? num(items.length, true) : unknown('len()', range);
      }
      case 'int':
      case 'float':
      case 'round':
      case 'abs': {
        if (!a0) return num(0, name === 'int');
        if (a0.k === 'str' && name !== 'round' && name !== 'abs') { const n = Number(a0.v); return Number.isNaN(n) ? unknown(`${name}('${a0.v}')`, range) : num(name === 'int' ? Math.trunc(n) : n, name === 'int'); }
        if (a0.k !== 'num' && a0.k !== 'bool') return unknown(`${name}()`, range);
        const x = Number(a0.v);
        if (name === 'int') return num(Math.trunc(x), true);
        if (name === 'float') return num(x, false);
        if (name === 'abs') return num(Math.abs(x), a0.k === 'bool' || a0.int);
        const nd = args[1]?.k === 'num' ? args[1].v : undefined;
        if (nd === undefined) { const r = Math.round(x); return num(Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r, true); }
        return num(Math.round(x * 10 ** nd) / 10 ** nd, false);
      }
      case 'str':
        return a0 ? (displayValue(a0) !== undefined ? str(displayValue(a0)!) : unknown('str()', range)) : str('');
      case 'bool': { const t = a0 ? truthy(a0) : false; return t === undefined ? unknown('bool()', range) : bool(t); }
      case 'list':
      case 'tuple':
      case 'set': {
        if (!a0) return { k: name === 'tuple' ? 'tuple' : 'list', items: [] };
        const items = seq(a0);
        return items ? { k: name === 'tuple' ? 'tuple' : 'list', items } : unknown(`${name}()`, range);
      }
      case 'dict': {
        const d: Value = { k: 'dict', keys: [], values: [] };
        if (a0?.k === 'dict') a0.keys.forEach((k, i) => dictSet(d, k, a0.values[i]));
        else if (a0) for (const p of seq(a0) ?? []) { const kv = seq(p); if (kv && kv.length === 2) dictSet(d, kv[0], kv[1]); }
        for (const [k, v] of kwargs) dictSet(d, str(k), v);
        return d;
      }
      case 'enumerate': {
        const items = seq(a0);
        const start = args[1]?.k === 'num' ? args[1].v : kwargs.get('start')?.k === 'num' ? (kwargs.get('start') as { v: number }).v : 0;
        return items ? { k: 'list', items: items.map((v, i) => ({ k: 'tuple', items: [num(i + start, true), v] })) } : unknown('enumerate()', range);
      }
      case 'zip': {
        const lists = args.map(seq);
        if (lists.some((l) => !l)) return unknown('zip()', range);
        const n = Math.min(...lists.map((l) => l!.length));
        const items: Value[] = [];
        for (let i = 0; i < n; i++) items.push({ k: 'tuple', items: lists.map((l) => l![i]) });
        return { k: 'list', items };
      }
      case 'reversed': { const items = seq(a0); return items ? { k: 'list', items: items.reverse() } : unknown('reversed()', range); }
      case 'sorted': {
        const items = seq(a0);
        if (!items || items.some((x) => x.k !== 'num')) return unknown('sorted()', range);
        return { k: 'list', items: items.slice().sort((x, y) => (x as { v: number }).v - (y as { v: number }).v) };
      }
      case 'min':
      case 'max':
      case 'sum': {
        const items = args.length === 1 ? seq(a0) : args;
        if (!items || items.some((x) => x.k !== 'num' && x.k !== 'bool')) return unknown(`${name}()`, range);
        const ns = items.map((x) => Number((x as { v: number }).v));
        const allInt = items.every((x) => x.k === 'bool' || (x as { int: boolean }).int);
        if (name === 'sum') return num(ns.reduce((p, c) => p + c, args[1]?.k === 'num' ? args[1].v : 0), allInt);
        if (ns.length === 0) throw new PyError(`ValueError: ${name}() arg is an empty sequence`, range);
        return num(name === 'min' ? Math.min(...ns) : Math.max(...ns), allInt);
      }
      case 'any':
      case 'all': {
        const items = seq(a0);
        if (!items) return unknown(`${name}()`, range);
        const ts = items.map(truthy);
        if (ts.some((t) => t === undefined)) return unknown(`${name}()`, range);
        return bool(name === 'any' ? ts.some(Boolean) : ts.every(Boolean));
      }
      case 'map': {
        const f = a0;
        const items = seq(args[1]);
        if (!f || !items) return unknown('map()', range);
        return { k: 'list', items: items.map((x) => this.call(f, [x], new Map(), range)) };
      }
      case 'filter': {
        const f = a0;
        const items = seq(args[1]);
        if (!f || !items) return unknown('filter()', range);
        return { k: 'list', items: items.filter((x) => (f.k === 'none' ? truthy(x) : truthy(this.call(f, [x], new Map(), range)))) };
      }
      case 'isinstance':
        return isInstance(a0, args[1]);
      case 'issubclass':
        return unknown('issubclass()', range);
      case 'hasattr':
        if (a0?.k === 'module' && args[1]?.k === 'str') return bool(a0.mod.children.has(args[1].v) || a0.mod.attrs.has(args[1].v) || args[1].v in a0.mod.args);
        return unknown('hasattr()', range);
      case 'getattr': {
        if (args[1]?.k !== 'str' || !a0) return unknown('getattr()', range);
        const fake: ast.Attribute = { type: 'Attribute', value: null as unknown as ast.Expr, attr: args[1].v, attrRange: range, range };
        const v = this.getAttr(a0, args[1].v, fake);
        return v.k === 'unknown' && args[2] ? args[2] : v;
      }
      case 'setattr':
        if (a0?.k === 'module' && args[1]?.k === 'str' && args[2]) setModuleAttr(a0.mod, args[1].v, args[2]);
        else this.unsupported('setattr()', range);
        return NONE;
      case 'super': {
        // super() / super(Cls, self): the enclosing method's self and owner class.
        const self = args[1] ?? this.currentSelf;
        const cls = a0?.k === 'class' ? a0.cls : this.currentOwner;
        return self ? { k: 'super', self, cls } : unknown('super()', range);
      }
      case 'divmod': {
        if (a0?.k !== 'num' || args[1]?.k !== 'num' || args[1].v === 0) return unknown('divmod()', range);
        const q = Math.floor(a0.v / args[1].v);
        return { k: 'tuple', items: [num(q, true), num(a0.v - q * args[1].v, true)] };
      }
      case 'pow':
        return a0?.k === 'num' && args[1]?.k === 'num' ? num(a0.v ** args[1].v) : unknown('pow()', range);
      case 'type':
      case 'iter':
      case 'next':
      case 'object':
        return unknown(`${name}()`, range);
      default:
        return unknown(`${name}()`, range);
    }
  }

  // The method being executed, for the zero-argument super().
  private get currentSelf(): Value | undefined { return this.selfStack[this.selfStack.length - 1]?.self; }
  private get currentOwner(): ClassInfo | null { return this.selfStack[this.selfStack.length - 1]?.owner ?? null; }
  private selfStack: { self: Value; owner: ClassInfo | null }[] = [];

  /**
   * Build the entry model: `make` evaluates its construction (a class call, a factory, a call expression) with
   * diagnostics on. A Python error there is what PyTorch would raise: returned with its line.
   */
  buildEntry(make: (interp: Interpreter) => Value): { value: Value } | { error: { message: string; range: SourceRange } } {
    const prev = this.reporting;
    this.reporting = true;
    try {
      return { value: make(this) };
    } catch (e) {
      if (e instanceof PyError) {
        this.report(e.message, e.range, 'shape', 'error');
        return { error: { message: e.message, range: e.range } };
      }
      this.catchTop(e);
      return { value: unknown('budget') };
    } finally {
      this.reporting = prev;
    }
  }

  /** A Python exception raised by library code (collections.namedtuple's ValueError), at its line. */
  raise(message: string, range: SourceRange): never {
    throw new PyError(message, this.shown(range));
  }

  /** A value, or the Python exception a library helper reports instead, raised here. */
  private pyResult(r: Value | PyException, range: SourceRange): Value {
    return isPyException(r) ? this.raise(r.error, range) : r;
  }

  /** An info diagnostic from library code, at the analysed file's call that reached it. */
  note(message: string, range: SourceRange): void {
    this.report(message, this.shown(range), 'info', 'info');
  }

  recordInit(fn: string, target: Value, args: Record<string, ArgValue>, range: SourceRange): void {
    // a call in imported code (torchvision's init loops) is placed at the analysed file's line that led to it
    if (target.k === 'tensor' && target.param) this.inits.push({ mod: target.param.mod, param: target.param.name, fn, args, line: this.shown(range).line, ...(range.file ? { file: range.file } : {}) });
  }

  // ---------------------------------------------------------------- graph

  private addNode(op: string, kind: GraphNode['kind'], path: string | null, args: Record<string, ArgValue>, inputs: Extract<Value, { k: 'tensor' }>[], callRange: SourceRange, defRange: SourceRange | undefined): GraphNode {
    const id = `n${this.builder ? this.builder.nodes.length : 0}`;
    const frame = this.frames[this.frames.length - 1];
    const groups = path !== null ? prefixes(path) : frame?.modulePath ? [...prefixes(frame.modulePath), frame.modulePath] : [];
    const node: GraphNode = { id, op, ...describeCall(op, args, kind === 'module' ? 'module' : 'function'), kind, path, args, callRange: this.shown(callRange), inputs: [], outputs: [], groups };
    if (defRange) node.defRange = defRange;
    if (this.builder) {
      this.builder.nodes.push(node);
      for (const t of inputs) this.connect(t, node);
    }
    return node;
  }

  connect(t: Extract<Value, { k: 'tensor' }>, to: GraphNode): void {
    const b = this.builder!;
    if (!t.node) return;
    const edge: GraphEdge = { id: `e${b.edges.length}`, from: t.node, to: to.id, shape: t.shape };
    b.edges.push(edge);
    to.inputs.push(edge.id);
    const from = b.nodes[Number(t.node.slice(1))];
    from?.outputs.push(edge.id);
  }

  /** Run the root module's forward on an input of the given shape, building a fresh graph. */
  runForward(root: ModuleInstance, input: Shape, entryRange: SourceRange): GraphBuilder {
    const b: GraphBuilder = { nodes: [], edges: [], totalMacs: 0, diagnostics: [] };
    this.builder = b;
    this.reported.clear();
    const inputNode: GraphNode = { id: 'n0', op: 'input', key: 'input', title: 'input', traits: {}, parameters: [], kind: 'input', path: null, args: { shape: input }, inputs: [], outputs: [], groups: [], callRange: entryRange };
    inputNode.cost = { inputShapes: [], outputShape: input, params: 0, macs: 0, activationBytes: numel(input) * 4, formula: [] };
    b.nodes.push(inputNode);
    let out: Value;
    try {
      out = this.callModule(root, [{ k: 'tensor', node: 'n0', shape: input }], new Map(), entryRange);
    } catch (e) {
      if (e instanceof BudgetExceeded) {
        this.report(e.message, e.range, 'budget', 'warning');
        out = unknown('budget');
      } else if (e instanceof PyError) {
        b.firstError ??= { message: e.message, range: e.range };
        this.report(e.message, e.range, 'shape', 'error');
        out = unknown('error');
      } else {
        throw e;
      }
    } finally {
      this.builder = null;
    }
    // Untouched parameters: modules never called still count (PyTorch's totals include them).
    const outNode: GraphNode = { id: `n${b.nodes.length}`, op: 'output', key: 'output', title: 'output', traits: {}, parameters: [], kind: 'output', path: null, args: {}, inputs: [], outputs: [], groups: [], callRange: entryRange };
    b.nodes.push(outNode);
    this.builder = b;
    const outs = out.k === 'tuple' || out.k === 'list' ? out.items : [out];
    for (const o of outs) if (o.k === 'tensor') this.connect(o, outNode);
    this.builder = null;
    const firstOut = outs.find((o): o is Extract<Value, { k: 'tensor' }> => o.k === 'tensor');
    const explained = [...this.diagnostics, ...b.diagnostics].some((d) => d.severity !== 'info');
    if (!firstOut?.shape && !b.firstError && !explained) {
      // never silent: say why there is no output shape, where the unknown value came from
      const why = out.k === 'unknown' ? out.why : firstOut ? 'a layer before it has an unknown shape' : `forward returns ${typeName(out)}, not a tensor`;
      const at = (out.k === 'unknown' && out.range) || entryRange;
      b.diagnostics.push({ message: `The model's output shape is unknown: ${why} (line ${at.line}).`, severity: 'warning', range: at, code: 'unknown-output' });
    }
    if (firstOut?.shape && !b.firstError) {
      outNode.cost = { inputShapes: outs.filter((o) => o.k === 'tensor').map((o) => (o as { shape: Shape }).shape), outputShape: firstOut.shape, params: 0, macs: 0, activationBytes: 0, formula: [] };
    }
    return b;
  }

}

// ------------------------------------------------------------------ helpers

/** Imported modules parsed before, by file and text (torchvision's files are read by every analysis that imports them). */
const parsedModules = new Map<string, ReturnType<typeof parse>>();

function parsedModule(file: string, text: string): ReturnType<typeof parse> {
  const key = `${file}\0${text}`;
  let hit = parsedModules.get(key);
  if (!hit) {
    hit = parse(text);
    stampFile(hit.module, file);
    if (parsedModules.size >= 64) parsedModules.delete(parsedModules.keys().next().value!);
    parsedModules.set(key, hit);
  }
  return hit;
}

function isMainGuard(e: ast.Expr): boolean {
  return e.type === 'Compare' && e.left.type === 'Name' && e.left.id === '__name__';
}

function funcName(fn: Extract<Value, { k: 'func' }>): string {
  return fn.def.type === 'FunctionDef' ? fn.def.name : '<lambda>';
}

/** 'a.b.c' -> ['a', 'a.b']: the groups a node at that path belongs to. */
function prefixes(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) out.push(path.slice(0, i));
  return out;
}

function pySlice<T>(arr: T[], a: number | null, b: number | null, c: number | null): T[] {
  const n = arr.length;
  const step = c ?? 1;
  const norm = (x: number | null, def: number) => (x === null ? def : x < 0 ? Math.max(x + n, step < 0 ? -1 : 0) : Math.min(x, step < 0 ? n - 1 : n));
  const start = norm(a, step > 0 ? 0 : n - 1);
  const stop = norm(b, step > 0 ? n : -1);
  const out: T[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(arr[i]);
  else for (let i = start; i > stop; i += step) out.push(arr[i]);
  return out;
}

function dictSet(d: Extract<Value, { k: 'dict' }>, key: Value, v: Value): void {
  const i = d.keys.findIndex((k) => valueEquals(k, key) === true);
  if (i >= 0) d.values[i] = v;
  else { d.keys.push(key); d.values.push(v); }
}

function setModuleAttr(m: ModuleInstance, name: string, v: Value): void {
  if (v.k === 'module') {
    m.attrs.delete(name);
    m.children.set(name, v.mod);
  } else if (v.k === 'none' && m.children.has(name)) {
    m.children.delete(name);
  } else {
    m.attrs.set(name, v);
  }
}

function displayValue(v: Value): string | undefined {
  switch (v.k) {
    case 'num': return v.int ? String(v.v) : Number.isInteger(v.v) ? `${v.v}.0` : String(v.v);
    case 'str': return v.v;
    case 'bool': return v.v ? 'True' : 'False';
    case 'none': return 'None';
    default: return undefined;
  }
}

function compare(op: ast.CmpOperator, a: Value, b: Value): boolean | undefined {
  switch (op) {
    case '==': return valueEquals(a, b);
    case '!=': { const r = valueEquals(a, b); return r === undefined ? undefined : !r; }
    case 'is':
    case 'is not': {
      let r: boolean | undefined;
      if (a.k === 'none' || b.k === 'none') r = a.k === 'unknown' || b.k === 'unknown' ? undefined : a.k === b.k;
      else if (a.k === 'bool' && b.k === 'bool') r = a.v === b.v;
      else r = valueEquals(a, b);
      return r === undefined ? undefined : op === 'is' ? r : !r;
    }
    case 'in':
    case 'not in': {
      let items: Value[] | undefined;
      if (b.k === 'list' || b.k === 'tuple') items = b.items;
      else if (b.k === 'dict') items = b.keys;
      else if (b.k === 'str' && a.k === 'str') { const r = b.v.includes(a.v); return op === 'in' ? r : !r; }
      if (!items) return undefined;
      let found: boolean | undefined = false;
      for (const x of items) {
        const e = valueEquals(a, x);
        if (e === true) { found = true; break; }
        if (e === undefined) found = undefined;
      }
      return found === undefined ? undefined : op === 'in' ? found : !found;
    }
    default: {
      if ((a.k === 'num' || a.k === 'bool') && (b.k === 'num' || b.k === 'bool')) {
        const x = Number(a.v), y = Number(b.v);
        return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
      }
      if (a.k === 'str' && b.k === 'str') return op === '<' ? a.v < b.v : op === '<=' ? a.v <= b.v : op === '>' ? a.v > b.v : a.v >= b.v;
      return undefined;
    }
  }
}

/** The values that isinstance(v, int / float / ...) is True for (ints and floats are both 'num'). */
const BUILTIN_TYPE_KINDS: Record<string, Value['k'][] | undefined> = { int: ['num'], float: ['num'], str: ['str'], bool: ['bool'], list: ['list'], tuple: ['tuple'], dict: ['dict'], set: [] };

function isInstance(v: Value | undefined, t: Value | undefined): Value {
  if (!v || !t) return unknown('isinstance()');
  if (t.k === 'tuple' || t.k === 'list') {
    let any: boolean | undefined = false;
    for (const x of t.items) {
      const r = isInstance(v, x);
      if (r.k === 'bool' && r.v) return r;
      if (r.k === 'unknown') any = undefined;
    }
    return any === undefined ? unknown('isinstance()') : bool(false);
  }
  if (t.k === 'builtin') {
    const kinds = BUILTIN_TYPE_KINDS[t.name];
    if (!kinds) return unknown('isinstance()');
    if (v.k === 'unknown') return unknown('isinstance()');
    if (v.k === 'num' && (t.name === 'int' || t.name === 'float')) return bool(t.name === 'int' ? v.int : !v.int);
    return bool(kinds.includes(v.k));
  }
  if (t.k === 'ref' && TYPING_ALIASES[t.name]) {
    return isInstance(v, { k: 'tuple', items: TYPING_ALIASES[t.name].map((name): Value => ({ k: 'builtin', name })) });
  }
  if (t.k === 'ref') {
    const q = canonical(t.name);
    if (v.k === 'module') {
      if (q === 'torch.nn.Module') return bool(true);
      return bool(q === `torch.nn.${v.mod.cls}` && v.mod.kind !== 'user');
    }
    if (v.k === 'tensor') return bool(q === 'torch.Tensor');
    return v.k === 'unknown' ? unknown('isinstance()') : bool(false);
  }
  if (t.k === 'namedtuple') return v.k === 'unknown' ? unknown('isinstance()') : bool(v.k === 'tuple' && v.named === t.cls);
  if (t.k === 'class') {
    if (v.k === 'object') return bool(classDerives(v.cls, t.cls));
    if (v.k !== 'module' || !v.mod.userClass) return v.k === 'unknown' ? unknown('isinstance()') : bool(false);
    return bool(classDerives(v.mod.userClass, t.cls));
  }
  return unknown('isinstance()');
}

function classDerives(c: ClassInfo, target: ClassInfo, depth = 0): boolean {
  if (c === target) return true;
  if (depth > 50) return false;
  return c.bases.some((b) => b.k === 'class' && classDerives(b.cls, target, depth + 1));
}

/** Normalise import spellings: torch.nn.modules.conv.Conv2d -> torch.nn.Conv2d, nn.functional -> torch.nn.functional. */
export function canonical(name: string): string {
  if (!name.startsWith('torch.nn.modules.')) return name;
  let q = name;
  const m = /^torch\.nn\.modules\.[a-z_]+\.([A-Za-z0-9_]+)$/.exec(q);
  if (m) q = `torch.nn.${m[1]}`;
  return q;
}

/** The torch.nn container a module is or derives from ('Sequential', 'ModuleList', 'ModuleDict'); null for others. */
export function containerKind(m: ModuleInstance): string | null {
  if (m.kind === 'container') return m.cls;
  return m.userClass ? containerBase(m.userClass) : null;
}

function containerBase(c: ClassInfo, depth = 0): string | null {
  for (const b of c.bases) {
    const q = b.k === 'ref' ? /^torch\.nn\.(Sequential|ModuleList|ModuleDict)$/.exec(canonical(b.name)) : null;
    if (q) return q[1];
    if (b.k === 'class' && depth < 50) { const r = containerBase(b.cls, depth + 1); if (r) return r; }
  }
  return null;
}

/** @staticmethod / @classmethod / @property on a def; other decorators (torch.jit.unused, ...) leave it as is. */
function methodDecorator(decorators: ast.Expr[]): 'staticmethod' | 'classmethod' | 'property' | undefined {
  for (const d of decorators) {
    if (d.type === 'Name' && (d.id === 'staticmethod' || d.id === 'classmethod' || d.id === 'property')) return d.id;
  }
  return undefined;
}

/** Does this user class derive from nn.Module (directly or through other user classes)? */
export function isModuleClass(c: ClassInfo, depth = 0): boolean {
  if (depth > 50) return false;
  return c.bases.some((b) => (b.k === 'ref' && /(^|\.)Module$/.test(b.name)) || (b.k === 'class' && isModuleClass(b.cls, depth + 1)) || (b.k === 'ref' && /^torch\.nn\.(Sequential|ModuleList|ModuleDict)$/.test(canonical(b.name))));
}

function lookupClassAttr(c: ClassInfo, name: string, depth = 0): Value | undefined {
  const v = c.scope.vars.get(name);
  if (v !== undefined) return v;
  if (depth > 50) return undefined;
  for (const b of c.bases) {
    if (b.k === 'class') {
      const r = lookupClassAttr(b.cls, name, depth + 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

function ownerOf(c: ClassInfo, name: string, depth = 0): ClassInfo | undefined {
  if (c.scope.vars.has(name)) return c;
  if (depth > 50) return undefined;
  for (const b of c.bases) if (b.k === 'class') { const r = ownerOf(b.cls, name, depth + 1); if (r) return r; }
  return undefined;
}

function firstUserBase(c: ClassInfo): ClassInfo | null {
  for (const b of c.bases) if (b.k === 'class') return b.cls;
  return null;
}

/** A plausible input for the constructor-check probe of a layer. */
interface ConstructedLayer { args: Record<string, ArgValue>; params?: number; error?: string }

/**
 * nn.CLS(*pos, **kw)'s bound arguments, parameter count and constructor error: PyTorch's argument binding and a probe
 * call of the layer's shape rule. Both depend on the arguments alone, and deep models build the same layer many
 * times over (ResNet-152's 36 Bottlenecks of layer3, DenseNet's 3x3 convolutions): each distinct layer is worked
 * out once, for every analysis of the session (a bounded memo; the editor analyses on each keystroke).
 */
function constructedLayer(cls: string, rule: ShapeRule, pos: ArgValue[], kw: Record<string, ArgValue>): ConstructedLayer {
  let key = `${cls}(${pos.map(argKey).join(',')}`;
  for (const k in kw) key += `,${k}=${argKey(kw[k]!)}`;
  const known = CONSTRUCTED.get(key);
  if (known) return known;
  let built: ConstructedLayer;
  const bound = bindArgs(rule, pos, kw, '__init__');
  if ('error' in bound) {
    built = { args: {}, error: `TypeError: ${bound.error}` };
  } else {
    // A probe call computes params and surfaces constructor errors (e.g. groups not dividing channels).
    const probe = rule.infer(probeShapes(cls, bound.args), bound.args);
    built = { args: bound.args };
    if (!isShapeErr(probe)) built.params = probe.params;
    else if (isConstructorError(probe.error)) built.error = probe.error;
  }
  if (CONSTRUCTED.size >= 4096) CONSTRUCTED.clear();
  CONSTRUCTED.set(key, built);
  return built;
}

const CONSTRUCTED = new Map<string, ConstructedLayer>();

/** A key that tells apart every ArgValue (strings quoted, -0 and NaN spelled out). */
function argKey(a: ArgValue): string {
  if (typeof a === 'number') return Object.is(a, -0) ? '-0' : String(a);
  if (typeof a === 'string') return JSON.stringify(a);
  if (a === null) return 'None';
  if (typeof a === 'boolean') return a ? 'True' : 'False';
  return `[${a.map(argKey).join(',')}]`;
}

function probeShapes(cls: string, args: Record<string, ArgValue>): Shape[] {
  if (cls === 'Linear') return [[1, typeof args.in_features === 'number' ? args.in_features : 1]];
  if (cls === 'BatchNorm1d') return [[2, typeof args.num_features === 'number' ? args.num_features : 1]];
  // LayerNorm normalises the last dims: an input ending in normalized_shape
  const normalized = args.normalized_shape;
  if (typeof normalized === 'number') return [[1, normalized]];
  if (Array.isArray(normalized) && normalized.every((d) => typeof d === 'number')) return [[1, ...(normalized as number[])]];
  // the channels a layer expects: Conv2d's in_channels, a norm's num_features / num_channels, PReLU's num_parameters
  const channels = [args.in_channels, args.num_features, args.num_channels, args.num_parameters].find((v) => typeof v === 'number');
  const c = typeof channels === 'number' ? channels : 3;
  return [[1, c, 64, 64]];
}

function isConstructorError(msg: string): boolean {
  return /must be divisible by groups|must be positive|non-positive|padding_mode|Invalid padding string|padding='same' is not supported for strided|should be greater than zero|must be greater than 0|pad should be|must be divisible by num_groups|modulo by zero|must be greater than min_val/.test(msg);
}

export { BudgetExceeded, PyError };
