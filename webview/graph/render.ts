// Draws the laid-out graph into one SVG with d3: cards, tower cards, size glyphs, badges, edges with shape
// labels and group boxes; owns zoom/pan. Colours are CSS classes resolved from --vscode-* variables (media/graph.css).
import { curveBasis, line, select, zoom, zoomIdentity, type Selection, type ZoomBehavior } from 'd3';
import type { UiLanguage, UiStrings } from '../../src/shared/protocol';
import { ellipsize, fill, formatCount, formatInt, formatMB } from '../ui/format';
import { formatShape, tensorExtent } from './format';
import { CARD_WIDTH, GLYPH_COLUMN, READABLE_SCALE, TOWER_GAP, hasCostLine, hasJoinLine, labelWidth, type Layout, type NodeBox, type Point } from './layout';
import type { ViewGraph, ViewNode } from './view';

export interface ZoomState {
  k: number;
  x: number;
  y: number;
}

export interface GraphViewCallbacks {
  nodeClick(id: string): void;
  groupToggle(key: string): void;
  badgeClick(nodeId: string, noteId: string, at: { x: number; y: number }): void;
  zoomed(state: ZoomState): void;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const GLYPH_MAX_H = 30;
type G = Selection<SVGGElement, unknown, null, undefined>;

export class GraphView {
  readonly svg: SVGSVGElement;
  private readonly viewport: G;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private nodeElements = new Map<string, SVGGElement>();
  private edgeElements: Array<{ from: string; to: string; el: SVGGElement }> = [];
  private current: { view: ViewGraph; layout: Layout } | null = null;
  private selectedId: string | null = null;
  private strings: UiStrings;
  private language: UiLanguage = 'en';
  /** False while the view is the automatic first one. */
  private userMoved = false;

  constructor(private readonly container: HTMLElement, private readonly callbacks: GraphViewCallbacks, strings: UiStrings) {
    this.strings = strings;
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('class', 'graph-svg');
    this.svg.setAttribute('xmlns', SVG_NS);
    container.appendChild(this.svg);
    const svg = select(this.svg);
    const defs = svg.append('defs');
    defs.append('marker').attr('id', 'arrow').attr('viewBox', '0 0 10 10').attr('refX', 9).attr('refY', 5)
      .attr('markerWidth', 7).attr('markerHeight', 7).attr('orient', 'auto-start-reverse')
      .append('path').attr('class', 'arrow-head').attr('d', 'M0,0 L10,5 L0,10 z');
    this.viewport = svg.append('g').attr('class', 'viewport') as unknown as G;
    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.03, 4])
      // The wheel scrolls (as in an editor); Ctrl/Cmd+wheel and trackpad pinch (a wheel with ctrlKey) zoom.
      .filter((e: MouseEvent) => (e.type === 'wheel' ? e.ctrlKey || e.metaKey : !e.ctrlKey && !e.button))
      .on('zoom', (e: { transform: { k: number; x: number; y: number; toString(): string }; sourceEvent: Event | null }) => {
        this.viewport.attr('transform', e.transform.toString());
        if (e.sourceEvent) this.userMoved = true;
        this.callbacks.zoomed({ k: e.transform.k, x: e.transform.x, y: e.transform.y });
      });
    svg.call(this.zoomBehavior).on('dblclick.zoom', null);
    this.svg.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    // Until the user moves the view, the first view follows the panel's size (the editor layout settles late).
    new ResizeObserver(() => { if (!this.userMoved && this.current) this.initialView(); }).observe(container);
  }

  setStrings(strings: UiStrings, language: UiLanguage): void {
    this.strings = strings;
    this.language = language;
  }

  get layout(): Layout | null {
    return this.current?.layout ?? null;
  }

  render(view: ViewGraph, layout: Layout): void {
    this.current = { view, layout };
    this.viewport.selectAll('*').remove();
    this.nodeElements.clear();
    this.edgeElements = [];
    const scale = glyphScale(view.nodes);
    const byId = new Map(view.nodes.map((n) => [n.id, n]));

    const groupLayer = this.viewport.append('g').attr('class', 'groups');
    const byKey = new Map(view.groups.map((g) => [g.key, g]));
    for (const box of layout.groups) {
      const group = byKey.get(box.key)!;
      const g = groupLayer.append('g').attr('class', 'group').attr('data-group', box.key);
      g.append('rect').attr('class', 'group-box').attr('x', box.x).attr('y', box.y).attr('width', box.width).attr('height', box.height).attr('rx', 6);
      const label = g.append('text').attr('class', 'group-label').attr('x', box.x + 8).attr('y', box.y + 14)
        .text(`▾ ${group.name}  ·  ${fill(this.strings.groupLayers, group.members.length)}`);
      label.append('title').text(fill(this.strings.groupToggle, group.name));
      label.on('click', (e: MouseEvent) => { e.stopPropagation(); this.callbacks.groupToggle(box.key); });
    }

    const edgeLayer = this.viewport.append('g').attr('class', 'edges');
    const curve = line<Point>().x((p) => p.x).y((p) => p.y).curve(curveBasis);
    for (const route of layout.edges) {
      const from = byId.get(route.from)!, to = byId.get(route.to)!;
      const g = edgeLayer.append('g').attr('class', 'edge').attr('data-from', route.from).attr('data-to', route.to);
      g.append('title').text(`${from.path ?? from.title} → ${to.path ?? to.title}: ${route.labelText || '?'}`);
      for (const pts of towerRoutes(route.points, from.towers, to.towers)) {
        g.append('path').attr('class', 'edge-path').attr('d', curve(pts) ?? '').attr('marker-end', 'url(#arrow)');
      }
      if (route.label) {
        g.append('text').attr('class', 'edge-label').attr('x', route.label.x - labelWidth(route.labelText) / 2 + 4)
          .attr('y', route.label.y + 4).text(route.labelText);
      }
      this.edgeElements.push({ from: route.from, to: route.to, el: g.node()! });
    }

    const nodeLayer = this.viewport.append('g').attr('class', 'nodes');
    for (const n of view.nodes) {
      const box = layout.nodes.get(n.id)!;
      const g = nodeLayer.append('g').attr('class', `node kind-${n.kind}${n.error ? ' error' : ''}${n.towers > 1 ? ' towers' : ''}`)
        .attr('id', `node-${cssId(n.id)}`).attr('data-id', n.id).attr('data-path', n.path ?? '')
        .attr('transform', `translate(${box.x},${box.y})`)
        .attr('aria-label', `${n.path ?? ''} ${n.title} ${formatShape(n.shape)}`.trim());
      g.append('title').text(this.tooltip(n));
      this.drawNode(g, n, box, scale);
      g.on('click', (e: MouseEvent) => {
        const badge = (e.target as Element).closest?.('.badge') as SVGGElement | null;
        if (badge) {
          e.stopPropagation();
          const r = badge.getBoundingClientRect();
          this.callbacks.badgeClick(n.id, badge.dataset.note!, { x: r.left, y: r.bottom });
          return;
        }
        if (n.kind === 'group') this.callbacks.groupToggle(n.groupKey!);
        else this.callbacks.nodeClick(n.id);
      });
      this.nodeElements.set(n.id, g.node()!);
    }
    this.viewport.attr('data-nodes', view.nodes.length);
    if (this.selectedId) this.select(this.selectedId);
  }

  private drawNode(g: G, n: ViewNode, box: NodeBox, scale: GlyphScale): void {
    const s = this.strings;
    const towers = Math.max(1, n.towers);
    for (let t = 0; t < towers; t++) {
      const ox = t * (CARD_WIDTH + TOWER_GAP);
      const card = g.append('g').attr('class', 'card').attr('data-tower', towers > 1 ? t + 1 : null);
      card.append('rect').attr('class', 'card-box').attr('x', ox).attr('y', 0).attr('width', box.cardWidth).attr('height', box.height)
        .attr('rx', n.kind === 'input' || n.kind === 'output' ? 14 : 4);
      const shape = n.shape && towers > 1 ? n.shape.map((d, i) => (i === 1 ? d / towers : d)) : n.shape;
      const costLine = hasCostLine(n);
      this.drawGlyph(card, ox, shape, scale, costLine ? 28 : 22);
      const x = ox + GLYPH_COLUMN;
      const textWidth = box.cardWidth - GLYPH_COLUMN - 8;
      if (n.kind === 'input' || n.kind === 'output') {
        card.append('text').attr('class', 'node-title').attr('x', x).attr('y', 19).text(n.kind === 'input' ? s.input : s.output);
        card.append('text').attr('class', 'node-shape').attr('x', x).attr('y', 36).text(formatShape(n.shape));
        continue;
      }
      let right = n.kind === 'group' ? fill(s.groupLayers, n.memberCount ?? 0) : n.path ?? '';
      if (towers > 1) right = `${right ? `${right} · ` : ''}${fill(s.tower, t + 1)}`;
      // The title has priority; the module path gets what is left of the line.
      const titleChars = Math.min(n.title.length + 2, Math.floor((textWidth - 4) / 7));
      const rightChars = Math.floor((textWidth - titleChars * 7 - 10) / 6.2);
      card.append('text').attr('class', 'node-title').attr('x', x).attr('y', 17).text(ellipsize(n.kind === 'group' ? `▸ ${n.title}` : n.title, titleChars));
      if (right && rightChars >= 3) card.append('text').attr('class', 'node-path').attr('x', ox + box.cardWidth - 8).attr('y', 17).attr('text-anchor', 'end').text(ellipsize(right, rightChars));
      // A collapsed block: what goes in and what comes out, as torchview's depth-limited nodes show.
      const shapeText = n.kind === 'group' && n.inShape ? `${compactShape(n.inShape)} → ${compactShape(shape)}` : formatShape(shape);
      card.append('text').attr('class', 'node-shape').attr('x', x).attr('y', 34).text(shapeText);
      let y = 44;
      if (costLine) {
        const params = n.params / towers, macs = n.macs / towers;
        card.append('text').attr('class', 'node-cost').attr('x', x).attr('y', 50)
          .text(`${formatCount(Math.round(params))} ${s.params} · ${formatCount(Math.round(macs))} ${s.macs}`);
        y = 60;
      }
      if (hasJoinLine(n)) {
        const joins = n.joins!.map((j) => `${fill(s.groupJoin, j.title, j.paths)}${j.count > 1 ? ` ×${j.count}` : ''}`).join(', ');
        card.append('text').attr('class', 'node-join').attr('x', x).attr('y', y + 6).text(ellipsize(joins, Math.floor(textWidth / 6.2)));
        y += LINE_HEIGHT;
      }
      if (n.notes.length) {
        let bx = ox + 8;
        for (const note of n.notes) {
          const text = note.badge[this.language] || note.badge.en;
          const w = Math.ceil(text.length * (this.language === 'zh-cn' ? 11 : 6.2)) + 14;
          if (bx + w > ox + box.cardWidth - 6) break;
          const b = card.append('g').attr('class', 'badge').attr('data-note', note.id).attr('role', 'button')
            .attr('transform', `translate(${bx},${y})`);
          b.append('rect').attr('class', 'badge-box').attr('width', w).attr('height', 16).attr('rx', 8);
          b.append('text').attr('class', 'badge-text').attr('x', w / 2).attr('y', 12).attr('text-anchor', 'middle').text(text);
          b.append('title').text(`${note.title[this.language] || note.title.en}\n\n${note.text[this.language] || note.text.en}`);
          bx += w + 6;
        }
        y += 22;
      }
      if (box.errorLines.length && t === 0) {
        const err = card.append('text').attr('class', 'node-error').attr('x', ox + 8).attr('y', y + 12);
        // Trailing spaces keep the message's words apart in textContent (screen readers, copy).
        box.errorLines.forEach((l, i, all) => err.append('tspan').attr('x', ox + 8).attr('dy', i === 0 ? 0 : 14).text(i < all.length - 1 ? `${l} ` : l));
      }
    }
    if (towers > 1) {
      // The two towers exchange nothing inside a grouped layer: a gap, not a line, between them.
      g.append('text').attr('class', 'tower-gap').attr('x', CARD_WIDTH + TOWER_GAP / 2).attr('y', box.height / 2 + 4)
        .attr('text-anchor', 'middle').text('∥');
    }
  }

  /** `cy`: the glyph's centre, in the middle of the card's text lines. */
  private drawGlyph(card: G, ox: number, shape: number[] | null, scale: GlyphScale, cy: number): void {
    const ext = tensorExtent(shape);
    if (!ext) return;
    const w = 4 + (GLYPH_COLUMN - 22) * (Math.log2(ext.channels + 1) / Math.log2(scale.maxChannels + 1));
    const h = 3 + (GLYPH_MAX_H - 3) * Math.sqrt(ext.spatial / scale.maxSpatial);
    const cx = ox + GLYPH_COLUMN / 2 - 2;
    const glyph = card.append('g').attr('class', 'glyph');
    glyph.append('title').text(`${ext.channels} × ${ext.spatial}${shape && shape.length > 3 ? ` × ${shape[shape.length - 1]}` : ''}`);
    // A box seen slightly from above: depth offset for the channel axis.
    glyph.append('rect').attr('class', 'glyph-back').attr('x', cx - w / 2 + 3).attr('y', cy - h / 2 - 3).attr('width', w).attr('height', h);
    glyph.append('rect').attr('class', 'glyph-front').attr('x', cx - w / 2).attr('y', cy - h / 2).attr('width', w).attr('height', h);
  }

  private tooltip(n: ViewNode): string {
    const s = this.strings;
    const lines = [n.path ? `${n.path} — ${n.title}` : n.title];
    const c = n.ir?.cost;
    if (c?.inputShapes.length) lines.push(`in: ${c.inputShapes.map(formatShape).join(', ')}`);
    else if (n.inShape) lines.push(`in: ${formatShape(n.inShape)}`);
    lines.push(`out: ${formatShape(n.shape)}`);
    if (n.kind === 'layer' || n.kind === 'group') {
      lines.push(`${s.colParams}: ${formatInt(n.params)}   ${s.colMacs}: ${formatInt(n.macs)}`);
      for (const j of n.joins ?? []) lines.push(`${fill(s.groupJoin, j.title, j.paths)}${j.count > 1 ? ` ×${j.count}` : ''}`);
      if (c) lines.push(`${s.colMemory}: ${formatMB(c.activationBytes)}`);
    }
    if (c?.formula?.length) lines.push('', ...c.formula);
    if (n.error) lines.push('', n.error);
    return lines.join('\n');
  }

  /** Marks one node as selected (keyboard, click, editor cursor); null clears. */
  select(id: string | null): void {
    if (this.selectedId) this.nodeElements.get(this.selectedId)?.classList.remove('selected');
    for (const e of this.edgeElements) e.el.classList.remove('active');
    this.selectedId = id;
    const el = id ? this.nodeElements.get(id) : undefined;
    if (!el) {
      this.container.removeAttribute('aria-activedescendant');
      return;
    }
    el.classList.add('selected');
    this.container.setAttribute('aria-activedescendant', el.id);
    for (const e of this.edgeElements) if (e.from === id || e.to === id) e.el.classList.add('active');
  }

  /** Search highlighting: matches stand out, the rest is dimmed; null clears. */
  highlight(matches: ReadonlySet<string> | null): void {
    for (const [id, el] of this.nodeElements) {
      el.classList.toggle('match', !!matches && matches.has(id));
      el.classList.toggle('dimmed', !!matches && !matches.has(id));
    }
  }

  nodeElement(id: string): SVGGElement | undefined {
    return this.nodeElements.get(id);
  }

  /** The panel's size in CSS pixels. */
  size(): { width: number; height: number } {
    const r = this.svg.getBoundingClientRect();
    return { width: r.width || this.container.clientWidth || 800, height: r.height || this.container.clientHeight || 600 };
  }

  transform(): ZoomState {
    const t = (this.svg as unknown as { __zoom?: ZoomState }).__zoom ?? { k: 1, x: 0, y: 0 };
    return { k: t.k, x: t.x, y: t.y };
  }

  /** Sets zoom and pan (a restored state, a reveal): from then on the view is the user's. */
  setTransform(t: ZoomState): void {
    this.userMoved = true;
    this.apply(t);
  }

  private apply(t: ZoomState): void {
    select(this.svg).call(this.zoomBehavior.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }

  /** Everything in view (the Fit button), however small. */
  fit(): void {
    const l = this.current?.layout;
    if (!l) return;
    const { width, height } = this.size();
    const k = Math.min(width / l.width, height / l.height, 1.5);
    this.setTransform({ k, x: (width - l.width * k) / 2, y: Math.max(0, (height - l.height * k) / 2) });
  }

  /**
   * First view of a model: readable at once. The graph's width fitted to the panel between READABLE_SCALE and
   * 100 %; a graph taller than the panel starts at its top (the input) and is scrolled down with the wheel; one
   * wider than the panel is panned so that the input is in the middle, as far as the graph's sides allow (the
   * graph's left edge when not even the input's card fits).
   */
  initialView(): void {
    const l = this.current?.layout;
    if (!l) return;
    const { width, height } = this.size();
    const k = Math.max(READABLE_SCALE, Math.min(1, width / l.width));
    const w = l.width * k, h = l.height * k;
    let x = (width - w) / 2;
    const input = this.current!.view.nodes.find((n) => n.kind === 'input');
    const box = input && l.nodes.get(input.id);
    if (w > width) x = box && box.width * k <= width ? Math.min(0, Math.max(width - w, width / 2 - (box.x + box.width / 2) * k)) : 0;
    this.apply({ k, x, y: h <= height ? (height - h) / 2 : 0 });
    this.userMoved = false;
  }

  zoomBy(factor: number): void {
    this.userMoved = true;
    select(this.svg).call(this.zoomBehavior.scaleBy, factor);
  }

  /** Scrolls by a distance in screen pixels, stopping where the graph's edge reaches the panel's. */
  scrollBy(dx: number, dy: number): void {
    const l = this.current?.layout;
    if (!l) return;
    const t = this.transform();
    const { width, height } = this.size();
    this.setTransform({ k: t.k, x: clampPan(t.x - dx, t.x, width - l.width * t.k), y: clampPan(t.y - dy, t.y, height - l.height * t.k) });
  }

  /** PageDown / PageUp: most of a panel's height, keeping a little of the previous view. */
  scrollPage(direction: 1 | -1): void {
    this.scrollBy(0, direction * this.size().height * 0.85);
  }

  private onWheel(e: WheelEvent): void {
    if (e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.size().height : 1;
    // Shift+wheel scrolls sideways (a mouse without a horizontal wheel).
    const [dx, dy] = e.shiftKey && !e.deltaX ? [e.deltaY, 0] : [e.deltaX, e.deltaY];
    this.scrollBy(dx * unit, dy * unit);
  }

  /** The top centre of a group, drawn as one node (`group:<key>`) or as a box around its members, in the panel's pixels. */
  groupAnchor(key: string): Point | null {
    const l = this.current?.layout;
    const box = l?.nodes.get(`group:${key}`) ?? l?.groups.find((g) => g.key === key);
    if (!box) return null;
    const t = this.transform();
    return { x: (box.x + box.width / 2) * t.k + t.x, y: box.y * t.k + t.y };
  }

  /** Pans (same zoom) so that the group's top centre is at `at`: a block folded or unfolded stays where it was. */
  keepGroupAt(key: string, at: Point): void {
    const now = this.groupAnchor(key);
    if (!now) return;
    const t = this.transform();
    this.setTransform({ k: t.k, x: t.x + at.x - now.x, y: t.y + at.y - now.y });
  }

  /** Scrolls (without zooming) as little as needed to bring the node into view, with room for its edges. */
  reveal(id: string): void {
    const box = this.current?.layout.nodes.get(id);
    if (!box) return;
    const t = this.transform();
    const { width, height } = this.size();
    const x = t.x + nearest(box.x * t.k + t.x, box.width * t.k, width, Math.min(24, width / 8));
    const y = t.y + nearest(box.y * t.k + t.y, box.height * t.k, height, Math.min(48, height / 6));
    if (x !== t.x || y !== t.y) this.setTransform({ k: t.k, x, y });
  }
}

/** The scale at which the cards' smallest text (11 px) can still be read. */

/**
 * A pan offset moved towards `next` while the graph's edges stay outside the panel's (`room`: panel minus graph
 * size, negative when the graph overflows); never further out than `current`; a graph that fits does not scroll.
 */
function clampPan(next: number, current: number, room: number): number {
  if (room >= 0) return current;
  return Math.min(Math.max(0, current), Math.max(Math.min(room, current), next));
}

/** Shift that brings [start, start + size] inside [margin, view - margin]; the start first when it cannot fit. */
function nearest(start: number, size: number, view: number, margin: number): number {
  if (size > view - 2 * margin || start < margin) return margin - start;
  if (start + size > view - margin) return view - margin - (start + size);
  return 0;
}

interface GlyphScale {
  maxChannels: number;
  maxSpatial: number;
}

function glyphScale(nodes: ViewNode[]): GlyphScale {
  let maxChannels = 1, maxSpatial = 1;
  for (const n of nodes) {
    const e = tensorExtent(n.shape);
    if (!e) continue;
    maxChannels = Math.max(maxChannels, e.channels);
    maxSpatial = Math.max(maxSpatial, e.spatial);
  }
  return { maxChannels, maxSpatial };
}

/** One route per tower: parallel lines between towers, converging where a layer mixes them. */
function towerRoutes(points: Point[], fromTowers: number, toTowers: number): Point[][] {
  const count = Math.max(fromTowers, toTowers);
  if (count <= 1 || points.length < 2 || (fromTowers > 1 && toTowers > 1 && fromTowers !== toTowers)) return [points];
  const offset = (towers: number, i: number) => (towers > 1 ? (i - (towers - 1) / 2) * (CARD_WIDTH + TOWER_GAP) : 0);
  const routes: Point[][] = [];
  for (let i = 0; i < count; i++) {
    const a = offset(fromTowers, i), b = offset(toTowers, i);
    routes.push(points.map((p, j) => ({ x: p.x + a + ((b - a) * j) / (points.length - 1), y: p.y })));
  }
  return routes;
}

function cssId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

const LINE_HEIGHT = 16;

/** "[1,192,32,32]": a block's in -> out line has room for two shapes. */
function compactShape(shape: number[] | null): string {
  return shape ? `[${shape.join(',')}]` : '?';
}
