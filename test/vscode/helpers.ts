// Shared by the in-editor suites (bundled into each suite file).
import * as vscode from 'vscode';

export const EXTENSION_ID = 'alexnet-explorer.alexnet-explorer';

export function ourExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

/** A file of the opened folder (the runners open a scratch copy of models/). */
export function modelUri(rel = 'alexnet.py'): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the runner opens a copy of models/');
  return vscode.Uri.joinPath(folder.uri, rel);
}

export async function openModel(rel = 'alexnet.py'): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(modelUri(rel));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** 0-based line of the first line containing `text`. */
export function lineOf(doc: vscode.TextDocument, text: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
  throw new Error(`"${text}" is not in ${doc.uri.fsPath}`);
}

export function hoverText(hovers: vscode.Hover[] | undefined): string {
  const parts: string[] = [];
  for (const h of hovers ?? []) {
    for (const c of h.contents) parts.push(typeof c === 'string' ? c : 'value' in c ? c.value : String(c));
  }
  return parts.join('\n');
}

/** Polls `fn` until it returns a truthy value; the error names `what` and the last value seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
