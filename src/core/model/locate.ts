// Which layers sit under a cursor: shared by hover, the graph panel's cursor sync and the tests.
import type { Analysis, GraphNode, SourceRange } from './ir';

export interface NodesAtCursor {
  /** 'def': the cursor is on a module's constructor (all calls of that module); 'call': on a call in forward. */
  kind: 'def' | 'call';
  nodes: GraphNode[];
  range: SourceRange;
}

/** 1-based line, 0-based column. */
export function containsPosition(r: SourceRange, line: number, column: number): boolean {
  if (line < r.line || line > r.endLine) return false;
  if (line === r.line && column < r.column) return false;
  if (line === r.endLine && column > r.endColumn) return false;
  return true;
}

function size(r: SourceRange): number {
  return (r.endLine - r.line) * 100_000 + (r.endColumn - r.column);
}

function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn;
}

/** The innermost constructor or call under the cursor, with every node it stands for. */
export function nodesAt(analysis: Analysis, line: number, column: number): NodesAtCursor | undefined {
  let best: NodesAtCursor | undefined;
  const consider = (kind: NodesAtCursor['kind'], r: SourceRange | undefined, n: GraphNode) => {
    if (!r || r.file || !containsPosition(r, line, column)) return;
    if (!best || size(r) < size(best.range)) best = { kind, nodes: [n], range: r };
    else if (sameRange(r, best.range) && !best.nodes.includes(n)) best.nodes.push(n);
  };
  for (const n of analysis.graph.nodes) {
    if (n.kind === 'input' || n.kind === 'output') continue;
    consider('def', n.defRange, n);
    consider('call', n.callRange, n);
  }
  return best;
}
