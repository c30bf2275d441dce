// Shape hints and shape diagnostics on the sample AlexNet, through VS Code's own provider commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hoverText, lineOf, openModel, ourExtension, waitFor } from '../helpers';

const MISMATCH = 'mat1 and mat2 shapes cannot be multiplied';

describe('shapes in alexnet.py', () => {
  before(async () => {
    await ourExtension().activate();
  });

  it('hover on the first Conv2d shows its output shape [1, 48, 55, 55]', async () => {
    const doc = await openModel('alexnet.py');
    const line = lineOf(doc, 'nn.Conv2d(3, 48');
    assert.equal(line, 8, 'the first Conv2d is on line 9');
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('Conv2d') + 1);
    const text = await waitFor('a hover with [1, 48, 55, 55]', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos));
      return t.includes('[1, 48, 55, 55]') ? t : undefined;
    });
    assert.match(text, /\[1, 48, 55, 55\]/);
  });

  it(`a Linear whose in_features does not fit gets "${MISMATCH}"`, async () => {
    const doc = await openModel('alexnet.py');
    const line = lineOf(doc, 'nn.Linear(128 * 6 * 6, 2048)');
    const start = doc.lineAt(line).text.indexOf('6 * 6');
    const range = new vscode.Range(line, start, line, start + '6 * 6'.length);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, range, '5 * 5');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const diags = await waitFor(`a diagnostic "${MISMATCH}"`, () => {
        const found = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.message.includes(MISMATCH));
        return found.length ? found : undefined;
      });
      assert.equal(diags[0].range.start.line, line, 'the diagnostic is on the Linear line');
    } finally {
      const undo = new vscode.WorkspaceEdit();
      undo.replace(doc.uri, range, '6 * 6');
      await vscode.workspace.applyEdit(undo);
    }
  });
});
