// activate(): wiring only.
import * as vscode from 'vscode';
import { AnalysisService } from './vscode/analysisService';
import { registerCommands } from './vscode/commands';
import { registerDiagnostics } from './vscode/diagnostics';
import { EntryCodeLensProvider, registerEntryCommands } from './vscode/entryLens';
import { registerClassify } from './vscode/classifyPanel';
import { registerGraphPanel } from './vscode/graphPanel';
import { registerTrain } from './vscode/trainPanel';
import { ShapeHoverProvider } from './vscode/hover';
import { ShapeInlayHintsProvider } from './vscode/inlayHints';
import { registerTrainScripts } from './vscode/trainLens';

export function activate(context: vscode.ExtensionContext): void {
  const python: vscode.DocumentSelector = [{ language: 'python' }, { pattern: '**/*.py' }];
  const analyses = new AnalysisService(context.workspaceState);
  const inlayHints = new ShapeInlayHintsProvider(analyses);
  const entryLenses = new EntryCodeLensProvider(analyses);
  context.subscriptions.push(
    entryLenses,
    vscode.languages.registerCodeLensProvider(python, entryLenses),
    ...registerEntryCommands(analyses),
    analyses,
    inlayHints,
    vscode.languages.registerHoverProvider(python, new ShapeHoverProvider(analyses)),
    vscode.languages.registerInlayHintsProvider(python, inlayHints),
    registerDiagnostics(analyses),
    ...registerCommands(context, analyses),
  );
  registerGraphPanel(context, { getAnalysis: (d) => analyses.get(d), onDidChangeAnalysis: analyses.onDidChangeAnalysis });
  const weights = registerClassify(context);
  registerTrain(context, weights);
  context.subscriptions.push(...registerTrainScripts(python, weights));
}

export function deactivate(): void {}
