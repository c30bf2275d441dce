// Hover on a layer (its constructor or its call in forward): input -> output shape, params, MACs, formula.
import * as vscode from 'vscode';
import type { Analysis, GraphNode } from '../core/model/ir';
import { formatCompact, formatCount, formatShape } from '../core/model/report';
import type { AnalysisService } from './analysisService';
import { toRange } from './convert';
import { nodesAt } from '../core/model/locate';
import { escapeMarkdown, markdownCode as code } from '../core/text';

const MAX_CALLS_SHOWN = 6;

export class ShapeHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analyses: AnalysisService) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.analyses.get(document);
    const hit = nodesAt(analysis, position.line + 1, position.character);
    if (!hit) return undefined;
    // theme icons only in our own text: appendText and escapeMarkdown escape `$(` in names from the file
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.supportHtml = false;
    if (hit.kind === 'def' || hit.nodes.length === 1) {
      hit.nodes.slice(0, MAX_CALLS_SHOWN).forEach((n, i) => {
        if (i > 0) md.appendMarkdown('\n\n---\n\n');
        appendNode(md, n, analysis);
      });
      if (hit.nodes.length > MAX_CALLS_SHOWN) {
        md.appendMarkdown(`\n\n${vscode.l10n.t('…and {0} more calls', hit.nodes.length - MAX_CALLS_SHOWN)}`);
      }
    } else {
      appendSpan(md, hit.nodes);
    }
    return new vscode.Hover(md, toRange(hit.range));
  }
}

function appendNode(md: vscode.MarkdownString, n: GraphNode, analysis: Analysis): void {
  md.appendMarkdown(`**${escapeMarkdown(n.path ?? vscode.l10n.t('function'))}** · `);
  md.appendMarkdown(code(n.title));
  md.appendMarkdown('\n\n');
  if (n.error) {
    md.appendMarkdown(`$(error) `);
    md.appendText(n.error);
    return;
  }
  if (!n.cost) {
    md.appendText(vscode.l10n.t('Shape unknown: an earlier layer could not be analysed.'));
    return;
  }
  const c = n.cost;
  md.appendMarkdown(code(`${c.inputShapes.map(formatShape).join(' + ')} -> ${formatShape(c.outputShape)}`));
  md.appendMarkdown('\n\n');
  md.appendText(vscode.l10n.t('Parameters: {0} · MACs: {1} ({2})', formatCount(c.params), formatCount(c.macs), formatCompact(c.macs)));
  if (c.formula.length) {
    md.appendMarkdown('\n\n');
    md.appendCodeblock(c.formula.join('\n'), 'text');
  }
  if (analysis.inputSource === 'default' && n === analysis.graph.nodes[1]) {
    md.appendMarkdown('\n\n');
    md.appendText(vscode.l10n.t('Input size assumed: {0}. Add a comment like # input[3, 224, 224] to change it.', formatShape(analysis.input)));
  }
}

function appendSpan(md: vscode.MarkdownString, nodes: GraphNode[]): void {
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  const prefix = commonPrefix(nodes.map((n) => n.path ?? ''));
  md.appendMarkdown(`**${escapeMarkdown(prefix || vscode.l10n.t('call'))}** · `);
  md.appendText(vscode.l10n.t('{0} layers', nodes.length));
  md.appendMarkdown('\n\n');
  const bad = nodes.find((n) => n.error);
  if (bad) {
    md.appendMarkdown(`$(error) **${escapeMarkdown(bad.path ?? bad.op)}**: `);
    md.appendText(bad.error!);
    return;
  }
  if (first.cost && last.cost) md.appendMarkdown(code(`${first.cost.inputShapes.map(formatShape).join(' + ')} -> ${formatShape(last.cost.outputShape)}`));
  const params = nodes.reduce((s, n) => s + (n.cost?.params ?? 0), 0);
  const macs = nodes.reduce((s, n) => s + (n.cost?.macs ?? 0), 0);
  md.appendMarkdown('\n\n');
  md.appendText(vscode.l10n.t('Parameters: {0} · MACs: {1} ({2})', formatCount(params), formatCount(macs), formatCompact(macs)));
}

function commonPrefix(paths: string[]): string {
  if (!paths.length) return '';
  const split = paths.map((p) => p.split('.'));
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const seg = split[0][i];
    if (seg === undefined || split.some((s) => s[i] !== seg)) break;
    out.push(seg);
  }
  return out.join('.');
}
