// Entry choice in the editor: a CodeLens above each model class and factory ("Visualize", "Shapes for this model",
// "Arguments..."), the choice remembered per file; hover, inlay hints, diagnostics and the graph follow it because
// they all read AnalysisService.get, whose options carry the entry.
import * as vscode from 'vscode';
import { entryLocations, entryName } from '../core/model/entries';
import type { AnalysisService } from './analysisService';
import { VISUALIZE_COMMAND } from './graphPanel';

const CHOOSE = 'alexnetExplorer.chooseEntry';
const VISUALIZE_ENTRY = 'alexnetExplorer.visualizeEntry';
const EDIT_CALL = 'alexnetExplorer.editEntryCall';

export class EntryCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly analyses: AnalysisService) {
    analyses.onDidChangeAnalysis(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const analysis = this.analyses.get(document);
    const chosen = this.analyses.getEntry(document.uri);
    const locations = entryLocations(analysis, chosen);
    // One model in the file and nothing chosen: the lenses would only repeat what is shown.
    if (locations.length < 2 && !chosen && !analysis.error) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const loc of locations) {
      const range = new vscode.Range(loc.line - 1, 0, loc.line - 1, 0);
      const current = analysis.entry === loc.name && (!chosen || entryName(chosen) === loc.name);
      const entry = current && chosen ? chosen : loc.name;
      lenses.push(
        new vscode.CodeLens(range, { title: vscode.l10n.t('Visualize'), command: VISUALIZE_ENTRY, arguments: [document.uri, entry] }),
        new vscode.CodeLens(range, current
          ? { title: vscode.l10n.t('✓ Shapes for this model'), command: EDIT_CALL, arguments: [document.uri, loc.call], tooltip: vscode.l10n.t('Hover, inlay hints and diagnostics show this model') }
          : { title: vscode.l10n.t('Shapes for this model'), command: CHOOSE, arguments: [document.uri, loc.name] }),
      );
      if (loc.kind !== 'variable') {
        lenses.push(new vscode.CodeLens(range, { title: current && chosen?.includes('(') ? chosen : vscode.l10n.t('Arguments...'), command: EDIT_CALL, arguments: [document.uri, loc.call] }));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerEntryCommands(analyses: AnalysisService): vscode.Disposable[] {
  const editCall = async (uri: vscode.Uri, call: string): Promise<boolean> => {
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('The model to analyse in {0}', vscode.workspace.asRelativePath(uri)),
      prompt: vscode.l10n.t('A class or factory with its arguments, evaluated in the file, e.g. ResNet(BasicBlock, [2, 2, 2, 2]) or resnet18()'),
      value: call,
      validateInput: (v) => (/^\s*[A-Za-z_][\w.]*\s*(\(.*\))?\s*$/s.test(v) ? undefined : vscode.l10n.t('Expected a name or a call such as resnet18()')),
    });
    if (value === undefined) return false;
    await analyses.setEntry(uri, value.trim() || undefined);
    return true;
  };
  const target = (uri: unknown): vscode.Uri | undefined => (uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri);
  return [
    vscode.commands.registerCommand(CHOOSE, async (uri?: unknown, entry?: unknown) => {
      const file = target(uri);
      if (!file) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Open a PyTorch model file first.'));
        return;
      }
      if (typeof entry === 'string') {
        await analyses.setEntry(file, entry);
        return;
      }
      // From the command palette: pick a candidate, then its arguments.
      const doc = await vscode.workspace.openTextDocument(file);
      const locations = entryLocations(analyses.get(doc), analyses.getEntry(file));
      const pick = await vscode.window.showQuickPick(locations.map((l) => ({ label: l.name, description: vscode.l10n.t('line {0}', l.line), call: l.call })), {
        title: vscode.l10n.t('The model to analyse in {0}', vscode.workspace.asRelativePath(file)),
      });
      if (pick) await editCall(file, pick.call);
    }),
    vscode.commands.registerCommand(VISUALIZE_ENTRY, async (uri: vscode.Uri, entry: string) => {
      await analyses.setEntry(uri, entry);
      await vscode.commands.executeCommand(VISUALIZE_COMMAND, uri);
    }),
    vscode.commands.registerCommand(EDIT_CALL, (uri: vscode.Uri, call: string) => editCall(uri, call)),
  ];
}
