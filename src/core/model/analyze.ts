// Source text -> AST -> module tree -> graph IR with shapes: the one entry point every view uses.
import { parse } from '../python';
import type * as ast from '../python/ast';
import type { Analysis, AnalysisDiagnostic, GraphNode, LayerRow, Shape, SourceRange } from './ir';
import { Interpreter, isModuleClass, type GraphBuilder } from './evaluator';
import type { ModuleInstance } from './values';

export interface AnalyzeOptions {
  /** Input size [C, H, W] (or any per-sample shape); overrides the `# input[...]` comment. */
  input?: number[];
  /** Input size used when the file has no `# input[...]` comment (the user's setting). */
  defaultInput?: number[];
  /** Entry model name (class or module-level variable); default: chosen automatically. */
  entry?: string;
  /** Search for an input size that fits when the model fails at the default size (default true). */
  suggestInputSize?: boolean;
  /** Wall-clock budget of that search (default 15 ms, for keystrokes; a cold process needs more for the same sizes). */
  suggestBudgetMs?: number;
}

const FILE_START: SourceRange = { line: 1, column: 0, endLine: 1, endColumn: 0 };
const INPUT_COMMENT = /\binput\s*[:=]?\s*\[\s*(\d+(?:\s*,\s*\d+){1,3})\s*\]/i;
const OUTPUT_COMMENT = /\boutput\s*[:=]?\s*\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]/i;
/** Sizes tried first when the default does not fit, then a scan. */
const COMMON_SIZES = [227, 224, 32, 28, 256, 299, 64, 96, 112, 128, 160, 192, 320, 384, 448, 512, 48, 16];
const SEARCH_BUDGET_MS = 15;

export function analyzeSource(source: string, options: AnalyzeOptions = {}): Analysis {
  const { module, errors } = parse(source);
  const diagnostics: AnalysisDiagnostic[] = errors.map((e) => ({ message: `SyntaxError: ${e.message}`, severity: 'error', range: e.range, code: 'syntax' }));
  const interp = new Interpreter();
  interp.runModule(module);

  const candidates = findCandidates(interp);
  const entryName = options.entry && candidates.some((c) => c.name === options.entry) ? options.entry : candidates[candidates.length - 1]?.name ?? null;
  const empty = (input: Shape, extra: AnalysisDiagnostic[] = []): Analysis => ({
    entry: entryName, candidates: candidates.map((c) => c.name), input, inputSource: 'default',
    graph: { nodes: [], edges: [] }, layers: [], output: null, totalParams: 0, totalMacs: 0,
    diagnostics: [...diagnostics, ...interp.diagnostics, ...extra],
  });
  if (!entryName) {
    const msg = module.body.length === 0 && errors.length === 0
      ? 'This file defines no model: no class deriving from nn.Module and no module-level nn.Sequential.'
      : 'No PyTorch model found: expected a class deriving from nn.Module or a module-level nn.Sequential.';
    return empty([1, 3, 224, 224], [{ message: msg, severity: 'info', range: FILE_START, code: 'no-model' }]);
  }
  const cand = candidates.find((c) => c.name === entryName)!;

  // Build the module tree (the entry's __init__ runs with its defaults).
  let root: ModuleInstance | null = cand.instance ?? null;
  if (!root && cand.cls) {
    try {
      const v = interp.instantiate(cand.cls, [], new Map(), cand.range);
      if (v.k === 'module') root = v.mod;
    } catch (e) {
      interp.catchTop(e);
    }
  }
  if (!root) return empty([1, 3, 224, 224]);
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

  const built = interp.runForward(root, input, cand.range);
  const extra: AnalysisDiagnostic[] = [];
  let fit: number[] | null = null;
  if (built.firstError && inputSource === 'default' && options.suggestInputSize !== false && input.length === 4) {
    fit = suggestSize(interp, root, input, cand.range, options.suggestBudgetMs ?? SEARCH_BUDGET_MS);
    if (fit) {
      const [c, h, w] = fit;
      extra.push({
        message: `The model does not accept ${input[2]}x${input[3]} inputs (${built.firstError.message}). It works with ${h}x${w}: add a comment '# input[${c}, ${h}, ${w}]' to the file or set the input size (AlexNet: Set Input Size...).`,
        severity: 'warning', range: cand.range, code: 'input-size',
      });
    }
  }

  const analysis = toAnalysis(entryName, candidates.map((c) => c.name), input, inputSource, built, countParams(root));
  if (fit) analysis.fitsInput = fit;
  analysis.diagnostics = [...diagnostics, ...interp.diagnostics, ...built.diagnostics, ...extra, ...checkOutputComments(module.comments, analysis.graph.nodes)];
  return analysis;
}

interface Candidate {
  name: string;
  range: SourceRange;
  cls?: import('./values').ClassInfo;
  instance?: ModuleInstance;
}

/** Entry candidates: nn.Module classes nobody else uses, and module-level module variables. */
function findCandidates(interp: Interpreter): Candidate[] {
  const out: Candidate[] = [];
  const moduleClasses = interp.classes.filter((c) => isModuleClass(c));
  for (const c of moduleClasses) {
    if (!interp.referencedClasses.has(c.name)) out.push({ name: c.name, range: c.def.nameRange, cls: c });
  }
  for (const [name, m] of interp.moduleVars) {
    // `net = Net()` at module level: the entry is the class, built with the arguments written there.
    const cls = m.kind === 'user' ? m.userClass : undefined;
    out.push(cls ? { name: cls.name, range: cls.def.nameRange, instance: m } : { name, range: m.defRange, instance: m });
  }
  if (out.length === 0 && moduleClasses.length > 0) {
    const c = moduleClasses[moduleClasses.length - 1];
    out.push({ name: c.name, range: c.def.nameRange, cls: c });
  }
  // Prefer classes over variables only when no variable instance exists: a module-level `model = AlexNet(10)`
  // carries the arguments the author meant; keep variables last so they win the default pick.
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

function toAnalysis(entry: string, candidates: string[], input: Shape, inputSource: Analysis['inputSource'], b: GraphBuilder, totalParams: number): Analysis {
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
    entry, candidates, input, inputSource,
    graph: { nodes: b.nodes, edges: b.edges },
    layers, output,
    totalParams,
    totalMacs: b.totalMacs,
    diagnostics: [],
  };
  if (b.firstError) analysis.error = { message: b.firstError.message, line: b.firstError.range.line };
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

