/**
 * The variants the Train panel's snippets compare, made from the user's own model file as source edits at the
 * places the analysis found (each module's constructor call, `defRange`): ReLU -> Tanh, Dropout -> Identity (the
 * indices of an nn.Sequential, so the state_dict keys, stay), LocalResponseNorm inserted after the first two conv
 * blocks' activation (as in the 2012 paper) or dropped, MaxPool 3x3 s2 <-> 2x2 s2. The edited text is analysed
 * again by the same front end; the panel shows it as a diff against the file.
 */
import type { Analysis, GraphNode } from '../model/ir';

export type VariantKind = 'tanh' | 'no-dropout' | 'lrn-on' | 'lrn-off' | 'pool-2x2' | 'pool-3x3';

export class VariantError extends Error {
  override readonly name = 'VariantError';
  constructor(message: string, readonly missing: 'relu' | 'dropout' | 'lrn' | 'maxpool' | 'place') {
    super(message);
  }
}

export interface Variant {
  kind: VariantKind;
  text: string;
  /** One line per edit, e.g. "line 10: nn.ReLU(inplace=True) -> nn.Tanh()". */
  edits: string[];
}

interface Edit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  replacement: string;
}

/** Module nodes of `key`, each constructor once (a module called twice is one edit). */
function modules(analysis: Analysis, keys: readonly string[]): GraphNode[] {
  const seen = new Set<string>();
  const out: GraphNode[] = [];
  for (const n of analysis.graph.nodes) {
    if (n.kind !== 'module' || !keys.includes(n.key) || !n.defRange) continue;
    const id = `${n.defRange.line}:${n.defRange.column}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(n);
  }
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function slice(text: string, starts: number[], r: { line: number; column: number; endLine: number; endColumn: number }): [number, number] {
  return [starts[r.line - 1]! + r.column, starts[r.endLine - 1]! + r.endColumn];
}

/** `nn.ReLU(inplace=True)` -> `nn.` (how the file spells the module namespace). */
function prefixOf(call: string, cls: string): string {
  const at = call.indexOf(cls);
  return at >= 0 ? call.slice(0, at) : 'nn.';
}

function apply(text: string, edits: Edit[]): string {
  const starts = lineStarts(text);
  const spans = edits.map((e) => ({ span: slice(text, starts, e), replacement: e.replacement })).sort((a, b) => b.span[0] - a.span[0]);
  let out = text;
  for (const { span, replacement } of spans) out = out.slice(0, span[0]) + replacement + out.slice(span[1]);
  return out;
}

function describe(text: string, e: Edit): string {
  const starts = lineStarts(text);
  const [a, b] = slice(text, starts, e);
  const before = text.slice(a, b);
  return before ? `line ${e.line}: ${before} -> ${e.replacement.trim()}` : `line ${e.line}: + ${e.replacement.replace(/^,\s*/, '').trim()}`;
}

function replaceEach(text: string, nodes: GraphNode[], cls: string, make: (prefix: string, n: GraphNode) => string): Edit[] {
  const starts = lineStarts(text);
  return nodes.map((n) => {
    const r = n.defRange!;
    const [a, b] = slice(text, starts, r);
    return { ...r, replacement: make(prefixOf(text.slice(a, b), cls), n) };
  });
}

const num = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : [Number(v)]);

/** The model's module layers that a snippet varies, found in the analysis. */
export function variantLayers(analysis: Analysis): { relu: number; dropout: number; lrn: number; maxpool: number } {
  return {
    relu: modules(analysis, ['relu']).length,
    dropout: modules(analysis, ['dropout', 'dropout2d']).length,
    lrn: modules(analysis, ['local_response_norm']).length,
    maxpool: modules(analysis, ['max_pool2d']).length,
  };
}

/** The edited source of `kind`; throws VariantError (what the model lacks, said plainly) when there is nothing to edit. */
export function makeVariant(text: string, analysis: Analysis, kind: VariantKind): Variant {
  let edits: Edit[];
  switch (kind) {
    case 'tanh': {
      const relus = modules(analysis, ['relu']);
      if (relus.length === 0) throw new VariantError(`${analysis.modelClass ?? 'this model'} has no nn.ReLU module: add one to compare ReLU with Tanh`, 'relu');
      edits = replaceEach(text, relus, 'ReLU', (p) => `${p}Tanh()`);
      break;
    }
    case 'no-dropout': {
      const drops = modules(analysis, ['dropout', 'dropout2d']);
      if (drops.length === 0) throw new VariantError(`${analysis.modelClass ?? 'this model'} has no Dropout: add one to compare`, 'dropout');
      edits = replaceEach(text, drops, 'Dropout', (p) => `${p}Identity()`);
      break;
    }
    case 'lrn-off': {
      const lrns = modules(analysis, ['local_response_norm']);
      if (lrns.length === 0) throw new VariantError(`${analysis.modelClass ?? 'this model'} has no LocalResponseNorm to take out`, 'lrn');
      edits = replaceEach(text, lrns, 'LocalResponseNorm', (p) => `${p}Identity()`);
      break;
    }
    case 'lrn-on': {
      edits = lrnInsertions(text, analysis);
      break;
    }
    case 'pool-2x2':
    case 'pool-3x3': {
      const [k, s] = kind === 'pool-2x2' ? [2, 2] : [3, 2];
      const pools = modules(analysis, ['max_pool2d']).filter((n) => num(n.args.kernel_size)[0] !== k || num(n.args.stride ?? n.args.kernel_size)[0] !== s);
      if (modules(analysis, ['max_pool2d']).length === 0) throw new VariantError(`${analysis.modelClass ?? 'this model'} has no nn.MaxPool2d: add one to compare pooling`, 'maxpool');
      if (pools.length === 0) throw new VariantError(`every nn.MaxPool2d of ${analysis.modelClass ?? 'this model'} is ${k}x${k} stride ${s} already`, 'maxpool');
      edits = replaceEach(text, pools, 'MaxPool2d', (p) => `${p}MaxPool2d(kernel_size=${k}, stride=${s})`);
      break;
    }
  }
  return { kind, text: apply(text, edits), edits: edits.map((e) => describe(text, e)) };
}

/**
 * LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2) after the activation of the first two convolutions (the
 * paper's placement), as a new entry of the nn.Sequential that holds the activation.
 */
function lrnInsertions(text: string, analysis: Analysis): Edit[] {
  if (modules(analysis, ['local_response_norm']).length > 0) return [];
  const nodes = analysis.graph.nodes;
  const starts = lineStarts(text);
  const edits: Edit[] = [];
  for (let i = 0; i < nodes.length && edits.length < 2; i++) {
    if (nodes[i]!.key !== 'conv2d') continue;
    // the activation that follows this convolution, before the next one
    const act = nodes.slice(i + 1).find((n) => n.key === 'conv2d' || n.traits.activation || n.key === 'relu');
    if (!act || act.key === 'conv2d' || !act.defRange || act.kind !== 'module' || act.groups.length === 0) continue;
    const r = act.defRange;
    const [, end] = slice(text, starts, r);
    // only inside a list of modules: the constructor call is followed by ',' or ')'
    if (!/^\s*[,)]/.test(text.slice(end))) continue;
    const prefix = prefixOf(text.slice(...slice(text, starts, r)), 'ReLU');
    edits.push({ line: r.endLine, column: r.endColumn, endLine: r.endLine, endColumn: r.endColumn, replacement: `, ${prefix}LocalResponseNorm(size=5, alpha=0.0001, beta=0.75, k=2.0)` });
  }
  if (edits.length === 0) {
    throw new VariantError('LocalResponseNorm can be inserted only after an activation module inside an nn.Sequential; this model has none after a Conv2d', 'place');
  }
  return edits;
}

/** A line diff (longest common subsequence): ' ' kept, '-' only in `a`, '+' only in `b`. */
export function lineDiff(a: string, b: string): { op: ' ' | '-' | '+'; line: string; at: number }[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // trim the common head and tail so the table stays small for a few edited lines
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = xs[i] === ys[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { op: ' ' | '-' | '+'; line: string; at: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) { out.push({ op: ' ', line: xs[i]!, at: head + i + 1 }); i++; j++; }
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) { out.push({ op: '+', line: ys[j]!, at: head + j + 1 }); j++; }
    else { out.push({ op: '-', line: xs[i]!, at: head + i + 1 }); i++; }
  }
  return out;
}
