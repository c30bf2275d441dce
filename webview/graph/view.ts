// From the analysis (IR) to what is drawn: one view node per layer call, or one per collapsed group.
import type { Analysis, GraphNode, Shape } from '../../src/core/model/ir';
import type { LayerNote } from '../../src/shared/protocol';
import { notesFor } from './notes';

export interface ViewNode {
  /** IR node id, or `group:<key>` for a collapsed group. */
  id: string;
  kind: 'input' | 'output' | 'layer' | 'group';
  ir?: GraphNode;
  /** For group nodes. */
  groupKey?: string;
  title: string;
  path: string | null;
  shape: Shape | null;
  params: number;
  macs: number;
  /** Side-by-side towers: the groups of a grouped convolution and what follows it per channel (the paper's two GPUs). */
  towers: number;
  notes: LayerNote[];
  error?: string;
  /** Execution order (of the first member for groups). */
  order: number;
  /** Layers inside a collapsed group. */
  memberCount?: number;
  /** A collapsed group's input: the shape of the first tensor reaching it from outside. */
  inShape?: Shape | null;
  /** A collapsed group's merges (residual adds, concatenations): op title, paths joined, how many such calls. */
  joins?: GroupJoin[];
  /** Lower-case text the search matches against. */
  searchText: string;
}

export interface GroupJoin {
  title: string;
  paths: number;
  count: number;
}

export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  shape: Shape | null;
}

export interface ViewGroup {
  key: string;
  name: string;
  parent: string | null;
  depth: number;
  /** IR node ids inside (nested groups included), in execution order. */
  members: string[];
  collapsed: boolean;
}

export interface ViewGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** Every group of the model, outer groups first. */
  groups: ViewGroup[];
  /** IR node id -> view node id (itself, or the collapsed group holding it). */
  viewOf: Map<string, string>;
}

/** Stable key of the i-th enclosing group of a node. */
export function groupKey(groups: string[], depth: number): string {
  return groups.slice(0, depth + 1).join('/');
}

// A grouped convolution's towers stay towers through per-channel ops (ReLU, LRN and pooling of the paper's GPU halves).
const MAX_TOWERS = 4;

function towerCounts(nodes: GraphNode[], producerOf: Map<string, string>): Map<string, number> {
  const towers = new Map<string, number>();
  for (const n of nodes) {
    let t = 1;
    const groups = n.args?.groups;
    if (n.key === 'conv2d' && typeof groups === 'number' && groups > 1 && groups <= MAX_TOWERS) t = groups;
    else if (n.traits.perChannel && n.inputs.length === 1) {
      const from = producerOf.get(n.inputs[0]);
      t = (from && towers.get(from)) || 1;
    }
    towers.set(n.id, t);
  }
  return towers;
}

export function buildView(analysis: Analysis, collapsed: ReadonlySet<string>, notes: readonly LayerNote[]): ViewGraph {
  const irNodes = analysis.graph.nodes;
  const producerOf = new Map(analysis.graph.edges.map((e) => [e.id, e.from]));
  const towers = towerCounts(irNodes, producerOf);

  // Groups, in first-seen order (outer before inner).
  const groups = new Map<string, ViewGroup>();
  irNodes.forEach((n) => {
    (n.groups ?? []).forEach((name, depth) => {
      const key = groupKey(n.groups, depth);
      let g = groups.get(key);
      if (!g) {
        g = { key, name, parent: depth > 0 ? groupKey(n.groups, depth - 1) : null, depth, members: [], collapsed: collapsed.has(key) };
        groups.set(key, g);
      }
      g.members.push(n.id);
    });
  });

  const viewOf = new Map<string, string>();
  const nodes: ViewNode[] = [];
  const groupNodes = new Map<string, ViewNode>();
  const countedPaths = new Map<string, Set<string>>();
  irNodes.forEach((n, order) => {
    const outer = (n.groups ?? []).findIndex((_, depth) => collapsed.has(groupKey(n.groups, depth)));
    if (outer < 0) {
      viewOf.set(n.id, n.id);
      const kind = n.kind === 'input' ? 'input' : n.kind === 'output' ? 'output' : 'layer';
      const title = kind === 'layer' ? n.title : n.op;
      nodes.push({
        id: n.id, kind, ir: n, title, path: n.path, shape: n.cost?.outputShape ?? null,
        params: n.cost?.params ?? 0, macs: n.cost?.macs ?? 0, towers: towers.get(n.id) ?? 1,
        notes: kind === 'layer' ? notesFor(n, notes) : [], error: n.error, order,
        searchText: `${n.path ?? ''} ${n.op} ${title}`.toLowerCase(),
      });
      return;
    }
    const key = groupKey(n.groups, outer);
    const id = `group:${key}`;
    viewOf.set(n.id, id);
    let g = groupNodes.get(id);
    if (!g) {
      const name = n.groups[outer];
      g = { id, kind: 'group', groupKey: key, title: name, path: name, shape: null, params: 0, macs: 0, towers: 1, notes: [], order, memberCount: 0, inShape: null, joins: [], searchText: '' };
      groupNodes.set(id, g);
      countedPaths.set(id, new Set());
      nodes.push(g);
    }
    g.memberCount! += 1;
    g.shape = n.cost?.outputShape ?? g.shape;
    // What enters from outside (its producer is drawn elsewhere), and the merges inside: they say what the block is.
    if (g.inShape === null) {
      const outside = n.inputs.findIndex((e) => viewOf.get(producerOf.get(e) ?? '') !== id);
      if (outside >= 0) g.inShape = n.cost?.inputShapes[outside] ?? null;
    }
    if (n.inputs.length > 1) {
      const join = g.joins!.find((j) => j.title === n.title && j.paths === n.inputs.length);
      if (join) join.count += 1;
      else g.joins!.push({ title: n.title, paths: n.inputs.length, count: 1 });
    }
    // A module called twice has its parameters once.
    const seen = countedPaths.get(id)!;
    if (!n.path || !seen.has(n.path)) g.params += n.cost?.params ?? 0;
    if (n.path) seen.add(n.path);
    g.macs += n.cost?.macs ?? 0;
    if (n.error && !g.error) g.error = n.error;
    for (const note of notesFor(n, notes)) if (!g.notes.includes(note)) g.notes.push(note);
    g.searchText += ` ${n.path ?? ''} ${n.op} ${n.title}`.toLowerCase();
  });
  for (const g of groupNodes.values()) g.searchText = `${g.title.toLowerCase()} ${g.searchText}`;

  const edges: ViewEdge[] = [];
  const seenPairs = new Set<string>();
  for (const e of analysis.graph.edges) {
    const from = viewOf.get(e.from);
    const to = viewOf.get(e.to);
    if (!from || !to || from === to) continue;
    const pair = `${from}\u0000${to}`;
    if (seenPairs.has(pair)) continue;
    seenPairs.add(pair);
    edges.push({ id: e.id, from, to, shape: e.shape });
  }
  return { nodes, edges, groups: [...groups.values()], viewOf };
}
