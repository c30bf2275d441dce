// Every webview reports its errors to the host the same way: deduplicated, capped, never throwing.

import type { WebviewError } from '../../src/shared/messages';

/** What an app calls with a failure: where (`source`) and what. */
export type ErrorReporter<S extends string> = (source: S, error: unknown) => void;

const MAX_REPORTS = 20;

/** A reporter that posts each distinct error once (the same error from every frame or image would flood the host). */
export function errorReporter<S extends string>(post: (report: WebviewError<S>) => void): ErrorReporter<S> {
  let reported = 0;
  const seen = new Set<string>();
  return (source, error) => {
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
    const key = `${source}:${message}`;
    if (seen.has(key) || reported >= MAX_REPORTS) return;
    seen.add(key);
    reported += 1;
    try {
      post({ type: 'error', source, message, stack: error instanceof Error ? error.stack : undefined });
    } catch {
      // Nothing left to report to.
    }
  };
}

/** Uncaught errors and rejections of the page go to the reporter too: never a silent blank panel. */
export function reportUncaught(report: (source: 'error' | 'unhandledrejection', error: unknown) => void): void {
  window.addEventListener('error', (e) => report('error', e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => report('unhandledrejection', e.reason));
}
