// Top-to-bottom layered layout with dagre. Groups are boxes drawn around their members afterwards:
// dagre's compound (cluster) layout is several times slower and the groups here are contiguous chains.
import dagre from '@dagrejs/dagre';
import { formatShape, wrapText } from './format';
import type { ViewGraph, ViewNode } from './view';

export const CARD_WIDTH = 300;
/** The smallest zoom a first view uses: card text stays legible. */
export const READABLE_SCALE = 0.75;
export const TOWER_GAP = 16;
export const GLYPH_COLUMN = 62;
const LINE = 16;
const ERROR_LINE = 14;
export const ERROR_WRAP = 38;
const GROUP_PAD = 12;
const GROUP_LABEL = 18;
const MARGIN = 24;

export interface Point {
  x: number;
  y: number;
}

export interface NodeBox {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Width of one tower card (= width for a single card). */
  cardWidth: number;
  errorLines: string[];
}

export interface EdgeRoute {
  id: string;
  from: string;
  to: string;
  points: Point[];
  /** Centre of the shape label, null when the shape is unknown. */
  label: Point | null;
  labelText: string;
}

export interface GroupBox {
  key: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  nodes: Map<string, NodeBox>;
  edges: EdgeRoute[];
  groups: GroupBox[];
  width: number;
  height: number;
}

/** Whether a card has the cost line: layers without parameters or MACs (ReLU, pooling, dropout) leave it out. */
export function hasCostLine(n: ViewNode): boolean {
  return (n.kind === 'layer' || n.kind === 'group') && (n.params > 0 || n.macs > 0);
}

/** Whether a collapsed group's card has the line naming its merges (`add of 2 paths`, `torch.cat of 4 paths`). */
export function hasJoinLine(n: ViewNode): boolean {
  return n.kind === 'group' && (n.joins?.length ?? 0) > 0;
}

/** Height of a card: title, shape, cost lines, a group's merges, then badges and the error message when present. */
export function nodeMetrics(n: ViewNode): { width: number; height: number; errorLines: string[] } {
  const towers = Math.max(1, n.towers);
  const width = towers * CARD_WIDTH + (towers - 1) * TOWER_GAP;
  const errorLines = n.error ? wrapText(n.error, ERROR_WRAP, 5) : [];
  let height = n.kind === 'input' || n.kind === 'output' ? 2 * LINE + 14 : hasCostLine(n) ? 3 * LINE + 12 : 2 * LINE + 12;
  if (hasJoinLine(n)) height += LINE;
  if (n.notes.length) height += 22;
  if (errorLines.length) height += errorLines.length * ERROR_LINE + 6;
  return { width, height, errorLines };
}

/** Approximate label width without measuring (monospace digits at 11px). */
export function labelWidth(text: string): number {
  return Math.ceil(text.length * 6.7) + 8;
}

export function layoutGraph(view: ViewGraph): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  const large = view.nodes.length > 150;
  // network-simplex gives the straightest chains; tight-tree is close and much faster on large models.
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 20, edgesep: 12, marginx: 0, marginy: 0, ranker: large ? 'tight-tree' : 'network-simplex' });
  g.setDefaultEdgeLabel(() => ({}));

  // Group boxes are drawn around their members after the layout; the space for their borders and labels is
  // reserved by making the first and last member of each group taller for dagre (room above / below the card).
  const expanded = view.groups.filter((gr) => !gr.collapsed && !hasCollapsedAncestor(view, gr.key));
  const order = new Map(view.nodes.map((n, i) => [n.id, i]));
  const span = new Map<string, { first: string; last: string; ids: string[] }>();
  for (const gr of expanded) {
    const ids = [...new Set(gr.members.map((m) => view.viewOf.get(m)!))].filter((id) => order.has(id)).sort((a, b) => order.get(a)! - order.get(b)!);
    if (ids.length) span.set(gr.key, { first: ids[0], last: ids[ids.length - 1], ids });
  }
  const above = new Map<string, number>(), below = new Map<string, number>();
  const topOffset = new Map<string, number>(), bottomOffset = new Map<string, number>();
  // Inner groups first, so that an outer group starting at the same node gets the larger offset.
  for (const gr of [...expanded].sort((a, b) => b.depth - a.depth)) {
    const sp = span.get(gr.key);
    if (!sp) continue;
    const top = (above.get(sp.first) ?? 0) + GROUP_LABEL + GROUP_PAD;
    above.set(sp.first, top);
    topOffset.set(gr.key, top);
    const bottom = (below.get(sp.last) ?? 0) + GROUP_PAD;
    below.set(sp.last, bottom);
    bottomOffset.set(gr.key, bottom);
  }

  const metrics = new Map<string, ReturnType<typeof nodeMetrics>>();
  for (const n of view.nodes) {
    const m = nodeMetrics(n);
    metrics.set(n.id, m);
    g.setNode(n.id, { width: m.width, height: m.height + (above.get(n.id) ?? 0) + (below.get(n.id) ?? 0) });
  }
  for (const e of view.edges) {
    const text = e.shape ? formatShape(e.shape) : '';
    g.setEdge(e.from, e.to, text ? { width: labelWidth(text), height: 14, labelpos: 'r', labeloffset: 6 } : {});
  }
  dagre.layout(g);

  const nodes = new Map<string, NodeBox>();
  for (const n of view.nodes) {
    const d = g.node(n.id) as { x: number; y: number; width: number; height: number };
    const m = metrics.get(n.id)!;
    const top = d.y - d.height / 2 + (above.get(n.id) ?? 0);
    nodes.set(n.id, { id: n.id, x: d.x - m.width / 2, y: top, width: m.width, height: m.height, cardWidth: CARD_WIDTH, errorLines: m.errorLines });
  }
  const edges: EdgeRoute[] = view.edges.map((e) => {
    const d = g.edge(e.from, e.to) as { points?: Point[]; x?: number; y?: number; width?: number };
    const labelText = e.shape ? formatShape(e.shape) : '';
    const points = (d.points ?? []).map((p) => ({ x: p.x, y: p.y }));
    // dagre ends edges at the reserved space; extend them to the cards.
    const src = nodes.get(e.from)!, dst = nodes.get(e.to)!;
    if (points.length && below.get(e.from) && points[0].y > src.y + src.height) points.unshift({ x: points[0].x, y: src.y + src.height });
    if (points.length && above.get(e.to) && points[points.length - 1].y < dst.y) points.push({ x: points[points.length - 1].x, y: dst.y });
    return {
      id: e.id, from: e.from, to: e.to, points,
      label: labelText && d.x !== undefined && d.y !== undefined ? { x: d.x, y: d.y } : null, labelText,
    };
  });

  // Group boxes: around the visible members, inner groups padded less than outer ones at the sides.
  const innerDepth = new Map<string, number>();
  for (const gr of [...expanded].sort((a, b) => b.depth - a.depth)) {
    const depthBelow = innerDepth.get(gr.key) ?? 0;
    innerDepth.set(gr.key, depthBelow);
    if (gr.parent) innerDepth.set(gr.parent, Math.max(innerDepth.get(gr.parent) ?? 0, depthBelow + 1));
  }
  const groups: GroupBox[] = [];
  for (const gr of expanded) {
    const sp = span.get(gr.key);
    if (!sp) continue;
    let x0 = Infinity, x1 = -Infinity;
    for (const id of sp.ids) {
      const b = nodes.get(id)!;
      x0 = Math.min(x0, b.x); x1 = Math.max(x1, b.x + b.width);
    }
    const first = nodes.get(sp.first)!, last = nodes.get(sp.last)!;
    const y0 = Math.min(first.y, ...sp.ids.map((id) => nodes.get(id)!.y)) - topOffset.get(gr.key)!;
    const y1 = Math.max(last.y + last.height, ...sp.ids.map((id) => nodes.get(id)!.y + nodes.get(id)!.height)) + bottomOffset.get(gr.key)!;
    const pad = GROUP_PAD * (1 + (innerDepth.get(gr.key) ?? 0));
    groups.push({ key: gr.key, x: x0 - pad, y: y0, width: x1 - x0 + 2 * pad, height: y1 - y0 });
  }

  // Shift everything so that the drawing starts at the margin.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const grow = (x: number, y: number, w = 0, h = 0) => {
    minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x + w); maxY = Math.max(maxY, y + h);
  };
  for (const b of nodes.values()) grow(b.x, b.y, b.width, b.height);
  for (const b of groups) grow(b.x, b.y, b.width, b.height);
  for (const e of edges) {
    for (const p of e.points) grow(p.x, p.y);
    if (e.label) grow(e.label.x - labelWidth(e.labelText) / 2, e.label.y - 7, labelWidth(e.labelText), 14);
  }
  if (!Number.isFinite(minX)) { minX = 0; minY = 0; maxX = 0; maxY = 0; }
  const dx = MARGIN - minX, dy = MARGIN - minY;
  for (const b of nodes.values()) { b.x += dx; b.y += dy; }
  for (const b of groups) { b.x += dx; b.y += dy; }
  for (const e of edges) {
    for (const p of e.points) { p.x += dx; p.y += dy; }
    if (e.label) { e.label.x += dx; e.label.y += dy; }
  }
  return { nodes, edges, groups, width: maxX - minX + 2 * MARGIN, height: maxY - minY + 2 * MARGIN };
}

function hasCollapsedAncestor(view: ViewGraph, key: string): boolean {
  const byKey = new Map(view.groups.map((g) => [g.key, g]));
  for (let p = byKey.get(key)?.parent; p; p = byKey.get(p)?.parent) if (byKey.get(p)?.collapsed) return true;
  return false;
}
