// Source text -> AST -> module tree -> graph IR with shapes: the one entry point every view uses.
import { parse } from '../python';
import type * as ast from '../python/ast';
import type { Analysis, AnalysisDiagnostic, EntryCandidate, GraphNode, InitCall, LayerRow, Shape, SourceRange, StateDictModule } from './ir';
import { describeCall } from '../ops/registry';
import { Interpreter, lastEvaluatedRange, type GraphBuilder } from './evaluator';
import { buildCandidate, buildExpression, entryByName, findEntries, pickEntry } from './entry';
import type { ModuleInstance, Value } from './values';
import { shortFile, type ModuleResolver } from './imports';
import { withTorchvision } from './torchvision/builtin';

export interface AnalyzeOptions {
  /** Input size [C, H, W] (or any per-sample shape); overrides the `# input[...]` comment. */
  input?: number[];
  /** Input size used when the file has no `# input[...]` comment (the user's setting). */
  defaultInput?: number[];
  /**
   * Entry model: a class, a factory function or a module-level variable by name, or a call expression evaluated in
   * the file's scope (`resnet34()`, `VGG('VGG19')`, `Net(num_classes=10)`); default: chosen automatically.
   */
  entry?: string;
  /** 'train': `self.training` is True and branches on it follow train mode (GoogLeNet's aux heads); default eval. */
  mode?: 'train' | 'eval';
  /** The batch the forward runs with (default 1); a training step's batch, so batch statistics see what training sees. */
  batch?: number;
  /** Search for an input size that fits when the model fails at the default size (default true). */
  suggestInputSize?: boolean;
  /** Wall-clock budget of that search (default 15 ms, for keystrokes; a cold process needs more for the same sizes). */
  suggestBudgetMs?: number;
  /** The analysed file's path, which imports of the model's own package are resolved from. */
  file?: string;
  /** Reads the model's own modules (`from .utils import f`); absent: such imports stay unknown names. */
  readModule?: ModuleResolver;
}

const FILE_START: SourceRange = { line: 1, column: 0, endLine: 1, endColumn: 0 };
const INPUT_COMMENT = /\binput\s*[:=]?\s*\[\s*(\d+(?:\s*,\s*\d+){1,3})\s*\]/i;
const OUTPUT_COMMENT = /\boutput\s*[:=]?\s*\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]/i;
/** Sizes tried first when the default does not fit, then a scan. */
const COMMON_SIZES = [227, 224, 32, 28, 256, 299, 64, 96, 112, 128, 160, 192, 320, 384, 448, 512, 48, 16];
const SEARCH_BUDGET_MS = 15;

/**
 * analyzeSource that never throws: an unexpected exception (a bug of ours) becomes one diagnostic at the line being
 * evaluated, so a hover provider or the CLI stays alive whatever the file holds.
 */
export function analyzeSourceSafely(source: string, options: AnalyzeOptions = {}): Analysis {
  try {
    return analyzeSource(source, options);
  } catch (error) {
    const range = lastEvaluatedRange() ?? FILE_START;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const message =
      `internal error while analysing, line ${range.line}: ${reason.slice(0, 300)} ` +
      '(a bug of AlexNet Explorer, not of your model: please report it, with the file)';
    // the model the text defines keeps the file a model file: the editor shows the error instead of nothing
    let entry: string | null = null;
    try {
      entry = modelWritten(parse(source).module, options.entry?.trim() || undefined);
    } catch {
      entry = null;
    }
    return {
      entry, modelClass: null, candidates: [], entries: [], input: [1, 3, 224, 224], inputSource: 'default',
      graph: { nodes: [], edges: [] }, layers: [], output: null, totalParams: 0, totalMacs: 0,
      diagnostics: [{ message, severity: 'error', range, code: 'internal' }],
    };
  }
}

export function analyzeSource(source: string, options: AnalyzeOptions = {}): Analysis {
  const { module, errors } = parse(source);
  // CPython raises TabError, a SyntaxError subclass, for mixed tabs and spaces
  const diagnostics: AnalysisDiagnostic[] = errors.map((e) => ({
    message: `${e.message.startsWith('inconsistent use of tabs') ? 'TabError' : 'SyntaxError'}: ${e.message}`, severity: 'error', range: e.range, code: 'syntax',
  }));
  const interp = new Interpreter({ mode: options.mode, readModule: withTorchvision(options.readModule), file: options.file, ownModules: options.readModule !== undefined });
  interp.runModule(module);
  return localize(analyzeModule(source, options, module, errors, diagnostics, interp), interp.importSites);
}

/**
 * What happened in an imported file shows at the import that reached it, the file and line named in the message;
 * nodes keep their own ranges (with `file`), which views of this file skip.
 */
function localize(a: Analysis, sites: Map<string, SourceRange>): Analysis {
  if (sites.size === 0) return a;
  const at = (r: SourceRange): SourceRange => sites.get(r.file!) ?? FILE_START;
  const err = a.error && errorFiles.get(a.error);
  if (a.error && err) a.error = { message: `${shortFile(err.file!)}, line ${err.line}: ${a.error.message}`, line: at(err).line };
  a.diagnostics = a.diagnostics.map((d) => (d.range.file ? { ...d, message: `${shortFile(d.range.file)}, line ${d.range.line}: ${d.message}`, range: at(d.range) } : d));
  for (const row of a.layers) {
    const n = a.graph.nodes.find((x) => x.id === row.nodeId);
    const r = n && (n.defRange ?? n.callRange);
    if (r?.file) row.line = at(r).line;
  }
  return a;
}

/** The ranges of errors raised in an imported file (the error's `line` is then that file's). */
const errorFiles = new WeakMap<object, SourceRange>();

function errorAt(message: string, range: SourceRange): { message: string; line: number } {
  const e = { message, line: range.line };
  if (range.file) errorFiles.set(e, range);
  return e;
}

function analyzeModule(source: string, options: AnalyzeOptions, module: ast.Module, errors: ReturnType<typeof parse>['errors'], diagnostics: AnalysisDiagnostic[], interp: Interpreter): Analysis {

  const found = findEntries(interp, module, source);
  const entries: EntryCandidate[] = found.offered.map(({ name, kind, range, needsArgs, params, entry }) => ({ name, kind, range, needsArgs, ...(params !== undefined && kind !== 'instance' ? { params } : {}), entry }));
  const candidates = [...new Set(entries.map((c) => c.name))];
  const asked = options.entry?.trim() || undefined;
  const isCall = asked !== undefined && !/^[A-Za-z_]\w*$/.test(asked);
  const byName = asked && !isCall ? entryByName(found, asked) : undefined;
  // A bare name of anything callable the file binds (a factory whose return the static search does not follow, an
  // imported class) means what calling it without arguments means.
  const bareCall = asked && !isCall && !byName && isCallable(interp.globals.vars.get(asked)) ? `${asked}()` : undefined;
  // An unknown name falls back to the automatic pick (callers compare `entry` with what they asked for).
  const chosen = isCall || bareCall ? undefined : byName ?? pickEntry(found);
  // Module code that ran out of budget may stop before the model is defined: the model the text defines is still the
  // entry (the budget's warning is then shown where the file's diagnostics are, not dropped with a "no model" file).
  const stopped = interp.diagnostics.some((d) => d.code === 'budget');
  const written = !chosen && !byName && !isCall && !bareCall && stopped ? modelWrittenAt(module, asked) : null;
  const entryName = byName || isCall || bareCall ? asked! : chosen?.entry ?? written?.name ?? null;
  const empty = (input: Shape, extra: AnalysisDiagnostic[] = []): Analysis => ({
    entry: entryName, modelClass: null, candidates, entries,
    input: options.input?.length ? [1, ...options.input] : input, inputSource: options.input?.length ? 'option' : 'default',
    graph: { nodes: [], edges: [] }, layers: [], output: null, totalParams: 0, totalMacs: 0,
    diagnostics: [...diagnostics, ...interp.diagnostics, ...extra],
  });
  if (written) {
    const a = empty([1, 3, 224, 224]);
    const budget = interp.diagnostics.find((d) => d.code === 'budget')!;
    a.diagnostics.push({ message: `The model '${written.name}' is not built: the file's code stopped before it (line ${budget.range.line}).`, severity: 'info', range: written.range, code: 'entry' });
    return a;
  }
  if (!entryName) {
    const msg = module.body.length === 0 && errors.length === 0
      ? 'This file defines no model: no class deriving from nn.Module and no module-level nn.Sequential.'
      : 'No PyTorch model found: expected a class deriving from nn.Module or a module-level nn.Sequential.';
    return empty([1, 3, 224, 224], [{ message: msg, severity: 'info', range: FILE_START, code: 'no-model' }]);
  }

  // Build the module tree: the chosen candidate's __init__, or the entry expression in the file's scope.
  const built = chosen ? buildCandidate(interp, chosen) : buildExpression(interp, bareCall ?? entryName, found);
  if (!built.root) {
    const a = empty([1, 3, 224, 224]);
    if (built.error) a.error = errorAt(built.error.message, built.error.range);
    if (built.why) a.diagnostics.push({ message: built.why.message, severity: 'error', range: built.why.range, code: 'entry' });
    return a;
  }
  const root = built.root;
  const cand = { range: built.range };
  assignPaths(root);

  // Input size: option > `# input[...]` comment > channels of the first layer at 224x224.
  let input: Shape;
  let inputSource: Analysis['inputSource'];
  const commentInput = findInputComment(module.comments);
  if (options.input && options.input.length > 0) {
    input = [1, ...options.input];
    inputSource = 'option';
  } else if (commentInput) {
    input = [1, ...commentInput];
    inputSource = 'comment';
  } else if (options.defaultInput && options.defaultInput.length > 0) {
    input = [1, ...options.defaultInput];
    inputSource = 'option';
  } else {
    input = defaultInput(root);
    inputSource = 'default';
  }
  if (options.batch !== undefined && options.batch > 1) input = [options.batch, ...input.slice(1)];

  const run = interp.runForward(root, input, cand.range);
  const extra: AnalysisDiagnostic[] = [];
  let fit: number[] | null = null;
  if (run.firstError && inputSource === 'default' && options.suggestInputSize !== false && input.length === 4) {
    fit = suggestSize(interp, root, input, cand.range, options.suggestBudgetMs ?? SEARCH_BUDGET_MS);
    if (fit) {
      const [c, h, w] = fit;
      extra.push({
        message: `The model does not accept ${input[2]}x${input[3]} inputs (${run.firstError.message}). It works with ${h}x${w}: add a comment '# input[${c}, ${h}, ${w}]' to the file or set the input size (AlexNet: Set Input Size...).`,
        severity: 'warning', range: cand.range, code: 'input-size',
      });
    }
  }

  const analysis = toAnalysis(entryName, candidates, entries, input, inputSource, run, countParams(root));
  analysis.modelClass = root.cls;
  analysis.modules = stateDictModules(root);
  if (fit) analysis.fitsInput = fit;
  analysis.diagnostics = [...diagnostics, ...interp.diagnostics, ...run.diagnostics, ...extra, ...checkOutputComments(module.comments, analysis.graph.nodes)];
  const init = initCalls(interp);
  if (init.length) analysis.init = init;
  return analysis;
}

/**
 * The model a file's text defines, without running it: the asked entry when its name is defined at module level,
 * else the first class deriving from an nn.Module-like base (`nn.Module`, `Module`, `nn.Sequential`) or module-level
 * `nn.Sequential(...)`; null when the text defines none.
 */
export function modelWritten(module: ast.Module, asked?: string): string | null {
  return modelWrittenAt(module, asked)?.name ?? null;
}

function modelWrittenAt(module: ast.Module, asked?: string): { name: string; range: SourceRange } | null {
  const name = asked ? /^[A-Za-z_]\w*/.exec(asked)?.[0] : undefined;
  const moduleLike = (e: ast.Expr): boolean => {
    const id = e.type === 'Name' ? e.id : e.type === 'Attribute' ? e.attr : '';
    return /^(Module|Sequential|ModuleList|ModuleDict)$/.test(id);
  };
  for (const stmt of module.body) {
    const targets = stmt.type === 'Assign' ? stmt.targets : stmt.type === 'AnnAssign' ? [stmt.target] : [];
    const value = stmt.type === 'Assign' || stmt.type === 'AnnAssign' ? stmt.value : null;
    const names = [...targets.flatMap((t) => (t.type === 'Name' ? [t.id] : [])), ...(stmt.type === 'ClassDef' || stmt.type === 'FunctionDef' ? [stmt.name] : [])];
    const range = stmt.type === 'ClassDef' || stmt.type === 'FunctionDef' ? stmt.nameRange : stmt.range;
    if (name) {
      if (names.includes(name)) return { name: asked!, range };
      continue;
    }
    if (stmt.type === 'ClassDef' && stmt.bases.some(moduleLike)) return { name: stmt.name, range };
    if (value?.type === 'Call' && moduleLike(value.func) && names.length > 0) return { name: names[0], range };
  }
  return null;
}

/** A function, class or partial: what an entry name can be called as. */
function isCallable(v: Value | undefined): boolean {
  return v?.k === 'func' || v?.k === 'class' || v?.k === 'partial';
}

/** The model's own init calls on parameters of the tree, as state_dict keys, in call order. */
function initCalls(interp: Interpreter): InitCall[] {
  const out: InitCall[] = [];
  for (const r of interp.inits) {
    if (r.mod.path === null) continue;
    out.push({ target: r.mod.path ? `${r.mod.path}.${r.param}` : r.param, fn: r.fn, args: r.args, line: r.line, ...(r.file ? { file: r.file } : {}) });
  }
  return out;
}

function assignPaths(root: ModuleInstance): void {
  const seen = new Set<ModuleInstance>();
  const walk = (m: ModuleInstance, path: string, depth: number) => {
    if (seen.has(m) || depth > 100) return;
    seen.add(m);
    m.path = path;
    for (const [name, child] of m.children) walk(child, path ? `${path}.${name}` : name, depth + 1);
  };
  walk(root, '', 0);
}

/** The layer modules in registration order (as state_dict lists what they own), each once, called by forward or not. */
function stateDictModules(root: ModuleInstance): StateDictModule[] {
  const seen = new Set<ModuleInstance>();
  const out: StateDictModule[] = [];
  const walk = (m: ModuleInstance) => {
    if (seen.has(m)) return;
    seen.add(m);
    if (m.kind === 'layer' && m.path !== null) {
      const d = describeCall(m.cls, m.args, 'module');
      out.push({ path: m.path, op: m.cls, key: d.key, parameters: d.parameters });
    }
    for (const c of m.children.values()) walk(c);
  };
  walk(root);
  return out;
}

/** Every parameter of the model, each module once, as `sum(p.numel() for p in model.parameters())`. */
function countParams(root: ModuleInstance): number {
  const seen = new Set<ModuleInstance>();
  let total = 0;
  const walk = (m: ModuleInstance) => {
    if (seen.has(m)) return;
    seen.add(m);
    total += m.params;
    for (const c of m.children.values()) walk(c);
  };
  walk(root);
  return total;
}

function findInputComment(comments: ast.Comment[]): number[] | null {
  for (const c of comments) {
    const m = INPUT_COMMENT.exec(c.text);
    if (m) return m[1].split(',').map((s) => Number(s.trim())).slice(-3);
  }
  return null;
}

function firstLayer(root: ModuleInstance): ModuleInstance | null {
  const seen = new Set<ModuleInstance>();
  const walk = (m: ModuleInstance): ModuleInstance | null => {
    if (seen.has(m)) return null;
    seen.add(m);
    if (m.kind === 'layer' && (m.cls === 'Conv2d' || m.cls === 'Linear')) return m;
    for (const c of m.children.values()) {
      const r = walk(c);
      if (r) return r;
    }
    return null;
  };
  return walk(root);
}

function defaultInput(root: ModuleInstance): Shape {
  const first = firstLayer(root);
  if (first?.cls === 'Linear' && typeof first.args.in_features === 'number') return [1, first.args.in_features];
  const c = first && typeof first.args.in_channels === 'number' ? first.args.in_channels : 3;
  return [1, c, 224, 224];
}

/** The square input size closest to the default for which the model runs without a shape error. */
function suggestSize(interp: Interpreter, root: ModuleInstance, input: Shape, range: SourceRange, budgetMs: number): number[] | null {
  const start = Date.now();
  const c = input[1];
  const tried = new Set<number>();
  const works = (s: number): boolean => {
    tried.add(s);
    if (interp.exhausted) return false;
    const b = interp.runForward(root, [1, c, s, s], range);
    return !b.firstError && b.nodes.some((n) => n.op === 'output' && n.cost);
  };
  const found: number[] = [];
  for (const s of COMMON_SIZES) {
    if (Date.now() - start > budgetMs || interp.exhausted) break;
    if (s !== input[2] && works(s)) found.push(s);
  }
  for (let d = 1; d <= 512 && Date.now() - start <= budgetMs && !interp.exhausted; d++) {
    for (const s of [input[2] + d, input[2] - d]) {
      if (s >= 1 && !tried.has(s) && works(s)) found.push(s);
    }
    if (found.length) break;
  }
  if (!found.length) return null;
  found.sort((a, b) => Math.abs(a - input[2]) - Math.abs(b - input[2]) || a - b);
  return [c, found[0], found[0]];
}

function toAnalysis(entry: string, candidates: string[], entries: EntryCandidate[], input: Shape, inputSource: Analysis['inputSource'], b: GraphBuilder, totalParams: number): Analysis {
  const layers: LayerRow[] = [];
  for (const n of b.nodes) {
    if (n.kind === 'input' || n.kind === 'output') continue;
    layers.push({
      nodeId: n.id,
      path: n.path,
      type: n.op,
      line: (n.defRange ?? n.callRange)?.line ?? 0,
      outputShape: n.cost?.outputShape ?? null,
      params: n.cost?.params ?? 0,
      macs: n.cost?.macs ?? 0,
    });
  }
  const outNode = b.nodes[b.nodes.length - 1];
  const output = !b.firstError && outNode?.cost ? outNode.cost.outputShape : null;
  const analysis: Analysis = {
    entry, modelClass: null, candidates, entries, input, inputSource,
    graph: { nodes: b.nodes, edges: b.edges },
    layers, output,
    totalParams,
    totalMacs: b.totalMacs,
    diagnostics: [],
  };
  if (b.firstError) analysis.error = errorAt(b.firstError.message, b.firstError.range);
  return analysis;
}

/** Warn where a `# output[48, 55, 55]` comment disagrees with the layer on its line. */
function checkOutputComments(comments: ast.Comment[], nodes: GraphNode[]): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  for (const c of comments) {
    const m = OUTPUT_COMMENT.exec(c.text);
    if (!m) continue;
    const claimed = m[1].split(',').map((s) => Number(s.trim()));
    const onLine = nodes.filter((n) => n.kind === 'module' && n.defRange && n.defRange.line <= c.range.line && n.defRange.endLine >= c.range.line);
    const shapes = onLine.map((n) => n.cost?.outputShape).filter((s): s is Shape => !!s);
    if (shapes.length === 0) continue;
    const matches = shapes.some((s) => sameShape(s.slice(1), claimed) || sameShape(s, claimed));
    if (!matches) {
      const actual = shapes[0].slice(1);
      out.push({
        message: `This comment says output[${claimed.join(', ')}], but the layer outputs [${actual.join(', ')}].`,
        severity: 'warning', range: c.range, code: 'shape-comment',
      });
    }
  }
  return out;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

