// Files the editor reads whole (weights, images, labels, sources) with the CLI's limits: the extension host is shared
// by every extension, so a FIFO, /dev/zero or a 3 GB file must fail in one line, not block or swamp it.
import * as vscode from 'vscode';
import { readFileBounded } from '../core/read-file.node';

/** The file's bytes, at most `maxBytes`; throws an Error whose message is one line naming the file. */
export async function readFileLimited(uri: vscode.Uri, maxBytes: number, what: string): Promise<Uint8Array> {
  // local files: regular files only, read with a limit that does not trust stat (a FIFO would block the host)
  if (uri.scheme === 'file') return readFileBounded(uri.fsPath, maxBytes, what);
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.type & vscode.FileType.Directory || !(stat.type & vscode.FileType.File)) {
    throw new Error(`${uri.path}: is not a regular file (expected ${what})`);
  }
  if (stat.size > maxBytes) throw new Error(`${uri.path}: is larger than ${maxBytes} bytes, the limit for ${what}; refusing to read it`);
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.length > maxBytes) throw new Error(`${uri.path}: is larger than ${maxBytes} bytes, the limit for ${what}; refusing to read it`);
  // a plain Uint8Array: a Node Buffer would reach a webview as JSON ({type: 'Buffer', data: [...]})
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
