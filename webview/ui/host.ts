// The VS Code API handle of a webview and its start-up, the same for every panel: error reporting first, then the
// app, then the host's messages (the app posts `ready` from `start`).
import type { Message } from '../../src/shared/messages';
import { type ErrorReporter, errorReporter, reportUncaught } from './errors';

/** `acquireVsCodeApi()`: typed by what the page posts and what it keeps with setState. */
export interface VsCodeApi<Out extends Message = Message, State = unknown> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface WebviewApp {
  receive(message: unknown): void;
  start(): void;
}

/** Starts a webview app in the page's #app; `S` are the error sources its protocol reports. */
export function startWebview<S extends string, Out extends Message, State>(
  create: (root: HTMLElement, api: VsCodeApi<Out, State>, report: ErrorReporter<S | 'error' | 'unhandledrejection'>) => WebviewApp,
): WebviewApp {
  const api = acquireVsCodeApi() as unknown as VsCodeApi<Out, State>;
  const report = errorReporter<S | 'error' | 'unhandledrejection'>((m) => api.postMessage(m as unknown as Out));
  reportUncaught(report);
  const app = create(document.getElementById('app') ?? document.body, api, report);
  window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
  app.start();
  return app;
}
