// Entry of the graph webview (bundled to dist/webview/graph.js): error reporting first, then the app.
import type { FromWebview, WebviewErrorMessage } from '../../src/shared/protocol';
import { GraphApp, type ErrorReporter, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

let reported = 0;
const seen = new Set<string>();
const report: ErrorReporter = (source, error) => {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  const key = `${source}:${message}`;
  // The same error from every frame or message would flood the host's notifications.
  if (seen.has(key) || reported >= 20) return;
  seen.add(key);
  reported += 1;
  const msg: WebviewErrorMessage = { type: 'error', source, message, stack: error instanceof Error ? error.stack : undefined };
  try {
    api.postMessage(msg as FromWebview);
  } catch {
    // Nothing left to report to.
  }
};

window.addEventListener('error', (e) => report('error', e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => report('unhandledrejection', e.reason));

const root = document.getElementById('app') ?? document.body;
const app = new GraphApp(root, api, report);
window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
app.start();
