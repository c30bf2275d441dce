// Entry of the graph webview (bundled to dist/webview/graph.js): error reporting first, then the app.
import type { FromWebview } from '../../src/shared/protocol';
import { errorReporter, reportUncaught } from '../ui/errors';
import { GraphApp, type ErrorReporter, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const report: ErrorReporter = errorReporter((msg) => api.postMessage(msg as FromWebview));
reportUncaught(report);

const root = document.getElementById('app') ?? document.body;
const app = new GraphApp(root, api, report);
window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
app.start();
