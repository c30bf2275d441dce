// `-> [48, 55, 55]` after each layer's constructor and after functional ops in forward.
import * as vscode from 'vscode';
import type { GraphNode, SourceRange } from '../core/model/ir';
import { formatShape } from '../core/model/report';
import type { AnalysisService } from './analysisService';

const MAX_SHAPES_PER_HINT = 3;

export class ShapeInlayHintsProvider implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(private readonly analyses: AnalysisService) {
    analyses.onDidChangeAnalysis(() => this.changed.fire());
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!vscode.workspace.getConfiguration('alexnetExplorer').get<boolean>('inlayHints.enabled', true)) return [];
    const analysis = this.analyses.get(document);
    // Group calls by the place they are shown: a module's constructor, or a functional op's call.
    const byPlace = new Map<string, { at: SourceRange; nodes: GraphNode[] }>();
    for (const n of analysis.graph.nodes) {
      if (n.kind === 'input' || n.kind === 'output') continue;
      const at = n.kind === 'module' ? n.defRange : n.callRange;
      if (!at || at.file) continue;
      const key = `${at.endLine}:${at.endColumn}`;
      const entry = byPlace.get(key) ?? { at, nodes: [] };
      entry.nodes.push(n);
      byPlace.set(key, entry);
    }
    const hints: vscode.InlayHint[] = [];
    for (const { at, nodes } of byPlace.values()) {
      const pos = new vscode.Position(at.endLine - 1, at.endColumn);
      if (!range.contains(pos)) continue;
      const shapes = [...new Set(nodes.map((n) => (n.error ? '✗' : n.cost ? formatShape(n.cost.outputShape.slice(1)) : '?')))];
      const shown = shapes.slice(0, MAX_SHAPES_PER_HINT).join(' | ') + (shapes.length > MAX_SHAPES_PER_HINT ? ' | …' : '');
      const hint = new vscode.InlayHint(pos, `-> ${shown}`, vscode.InlayHintKind.Type);
      hint.paddingLeft = true;
      hint.tooltip = nodes[0].path ?? nodes[0].op;
      hints.push(hint);
    }
    return hints;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
