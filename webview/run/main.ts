// Entry of the classification webview (bundled to dist/webview/run.js): error reporting first, then the app.
import type { ClassifyErrorReport } from '../../src/shared/classifyProtocol';
import { ClassifyApp, type ErrorReporter, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

let reported = 0;
const seen = new Set<string>();
const report: ErrorReporter = (source, error) => {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  const key = `${source}:${message}`;
  // the same error from every image would flood the host's notifications
  if (seen.has(key) || reported >= 20) return;
  seen.add(key);
  reported += 1;
  const msg: ClassifyErrorReport = { type: 'error', source, message, stack: error instanceof Error ? error.stack : undefined };
  try {
    api.postMessage(msg);
  } catch {
    // nothing left to report to
  }
};

window.addEventListener('error', (e) => report('error', e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => report('unhandledrejection', e.reason));

const app = new ClassifyApp(document.getElementById('app') ?? document.body, api, report);
window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
app.start();
