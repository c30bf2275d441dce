// Entry of the classification webview (bundled to dist/webview/run.js): error reporting first, then the app.
import type { ClassifyErrorReport } from '../../src/shared/classifyProtocol';
import { errorReporter, reportUncaught } from '../ui/errors';
import { ClassifyApp, type ErrorReporter, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const report: ErrorReporter = errorReporter((msg: ClassifyErrorReport) => api.postMessage(msg));
reportUncaught(report);

const app = new ClassifyApp(document.getElementById('app') ?? document.body, api, report);
window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
app.start();
