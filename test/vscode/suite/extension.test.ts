// The extension is installed, activates on Python files and registers every command it contributes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, openModel, ourExtension, waitFor } from '../helpers';

describe('AlexNet Explorer extension', () => {
  it(`is installed as ${EXTENSION_ID}`, () => {
    const ext = ourExtension();
    assert.equal(ext.id, EXTENSION_ID);
  });

  it('activates when a Python file is opened', async () => {
    const ext = ourExtension();
    await openModel('alexnet.py');
    await waitFor('activation by onLanguage:python', () => ext.isActive, 15_000);
  });

  it('registers every command contributed in package.json', async () => {
    const ext = ourExtension();
    await ext.activate();
    const contributed: string[] = (ext.packageJSON?.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
