// The one HTML template of the webviews (graph, classify, train): strict CSP with a per-load nonce, only local assets.
// No `vscode` import (the caller passes `asWebviewUri` results), so the webview tests load the same page.
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `asWebviewUri` of dist/webview/graph.js and media/graph.css. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  /** `<html lang>` and the text shown until the script has started. */
  lang: string;
  title: string;
  loadingText: string;
  /**
   * For pages that run WebAssembly (onnxruntime-web): script-src gets 'wasm-unsafe-eval' and connect-src the
   * webview's own resources, from which the page fetches the .wasm binary.
   */
  wasm?: boolean;
  /** The page starts a worker from a Blob URL of a script it fetched (the Train panel's steps): worker-src blob:. */
  worker?: boolean;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function webviewHtml(o: WebviewHtmlOptions): string {
  // The toolkit's components inject styles, hence style-src 'unsafe-inline'; scripts only with the nonce.
  // img-src data: lets the PNG export rasterize the SVG through an <img>.
  const csp = [
    `default-src 'none'`,
    `img-src ${o.cspSource} data: blob:`,
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'${o.wasm ? ` 'wasm-unsafe-eval'` : ''}`,
    ...(o.wasm ? [`connect-src ${o.cspSource}`] : []),
    // a blob worker runs under this page's policy: it compiles wasm ('wasm-unsafe-eval') and fetches nothing
    ...(o.worker ? [`worker-src blob:`] : []),
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(o.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app"><div class="placeholder" id="loading">${escapeHtml(o.loadingText)}</div></div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
