// Commands other than the panels': input size, the bundled sample.
import * as vscode from 'vscode';
import type { AnalysisService } from './analysisService';

export function registerCommands(context: vscode.ExtensionContext, analyses: AnalysisService): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('alexnetExplorer.setInputSize', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Open a PyTorch model file first.'));
        return;
      }
      const doc = await vscode.workspace.openTextDocument(target);
      const current = analyses.get(doc).input.slice(1).join(', ');
      const value = await vscode.window.showInputBox({
        title: vscode.l10n.t('Input size for {0}', vscode.workspace.asRelativePath(target)),
        prompt: vscode.l10n.t('Channels, height, width of one input sample, e.g. 3, 227, 227. Leave empty to use the # input comment of the file or the default.'),
        value: current,
        validateInput: (v) => (v.trim() === '' || parseSize(v) ? undefined : vscode.l10n.t('Expected three positive integers: C, H, W')),
      });
      if (value === undefined) return;
      await analyses.setInputOverride(target, value.trim() === '' ? undefined : parseSize(value)!);
    }),
    vscode.commands.registerCommand('alexnetExplorer.openSample', async () => {
      const sample = vscode.Uri.joinPath(context.extensionUri, 'models', 'alexnet.py');
      await vscode.window.showTextDocument(sample, { preview: false });
    }),
  ];
}

export function parseSize(v: string): number[] | undefined {
  const parts = v.split(/[\s,x×]+/).filter(Boolean).map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p <= 0 || p > 100_000)) return undefined;
  return parts;
}
