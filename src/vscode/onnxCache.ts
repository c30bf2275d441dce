// The ONNX files classification runs, cached under the extension's storage (context.globalStorageUri/onnx) by the
// key of everything they are made from (model text, weights file stat, labels, preset, input size, builder version):
// the webview fetches them by URL (asWebviewUri), across panels and window reloads, and the host skips reading the
// checkpoint and building the ONNX while the inputs are unchanged.
import * as vscode from 'vscode';
import type { ModelInfo } from '../shared/classifyProtocol';

/** Entries kept (the most recently used): each is one model's ONNX, ~29 MB for the default (float16) weights, twice that for float32 ones. */
const KEEP = 4;

export interface CachedOnnx {
  info: ModelInfo;
  /** The .onnx file. */
  uri: vscode.Uri;
  size: number;
}

export class OnnxCache {
  constructor(readonly folder: vscode.Uri) {}

  private files(key: string): { onnx: vscode.Uri; info: vscode.Uri } {
    return { onnx: vscode.Uri.joinPath(this.folder, `${key}.onnx`), info: vscode.Uri.joinPath(this.folder, `${key}.json`) };
  }

  /** The cached model for `key`, or null; the info file is written last, so its presence means the ONNX is whole. */
  async get(key: string): Promise<CachedOnnx | null> {
    const f = this.files(key);
    try {
      const info = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(f.info))) as ModelInfo;
      const stat = await vscode.workspace.fs.stat(f.onnx);
      if (info.key !== key) return null;
      // mark it used (the pruning keeps the newest)
      await vscode.workspace.fs.writeFile(f.info, new TextEncoder().encode(JSON.stringify(info)));
      return { info, uri: f.onnx, size: stat.size };
    } catch {
      return null;
    }
  }

  async put(info: ModelInfo, onnx: Uint8Array): Promise<CachedOnnx> {
    const f = this.files(info.key);
    await vscode.workspace.fs.createDirectory(this.folder);
    await vscode.workspace.fs.writeFile(f.onnx, onnx);
    await vscode.workspace.fs.writeFile(f.info, new TextEncoder().encode(JSON.stringify(info)));
    await this.prune();
    return { info, uri: f.onnx, size: onnx.byteLength };
  }

  /** Drops all but the KEEP most recently used entries. */
  private async prune(): Promise<void> {
    const entries = await vscode.workspace.fs.readDirectory(this.folder);
    const infos: { key: string; mtime: number }[] = [];
    for (const [name] of entries) {
      if (!name.endsWith('.json')) continue;
      const stat = await vscode.workspace.fs.stat(vscode.Uri.joinPath(this.folder, name));
      infos.push({ key: name.slice(0, -5), mtime: stat.mtime });
    }
    infos.sort((a, b) => b.mtime - a.mtime);
    const kept = new Set(infos.slice(0, KEEP).map((i) => i.key));
    for (const [name] of entries) {
      const key = name.replace(/\.(onnx|json)$/, '');
      if (!kept.has(key)) await vscode.workspace.fs.delete(vscode.Uri.joinPath(this.folder, name)).then(undefined, () => undefined);
    }
  }
}
