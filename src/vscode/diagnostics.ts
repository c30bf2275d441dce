// Shape errors, unsupported constructs and wrong `# output[...]` comments as editor diagnostics.
import * as vscode from 'vscode';
import type { Analysis } from '../core/model/ir';
import { AnalysisService } from './analysisService';
import { toRange } from './convert';

const SEVERITY = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

export function registerDiagnostics(analyses: AnalysisService): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('alexnet-explorer');
  const update = (document: vscode.TextDocument, analysis: Analysis) => {
    collection.set(document.uri, toDiagnostics(analysis));
  };
  for (const d of vscode.workspace.textDocuments) {
    if (AnalysisService.isModelCandidate(d)) update(d, analyses.get(d));
  }
  return vscode.Disposable.from(
    collection,
    analyses.onDidChangeAnalysis(({ document, analysis }) => update(document, analysis)),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
  );
}

export function toDiagnostics(analysis: Analysis): vscode.Diagnostic[] {
  // A Python file without a model is none of our business: say nothing.
  if (!analysis.entry) return [];
  const checkComments = vscode.workspace.getConfiguration('alexnetExplorer').get<boolean>('checkShapeComments', true);
  return analysis.diagnostics
    .filter((d) => d.code !== 'no-model' && (checkComments || d.code !== 'shape-comment'))
    .map((d) => {
      const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
      diag.source = 'AlexNet Explorer';
      diag.code = d.code;
      return diag;
    });
}
