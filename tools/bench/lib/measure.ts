// What the benchmarks share (tools/bench/*.ts; this folder is not run as a bench itself).
import type { Browser } from 'playwright-core';

/** The middle value (the upper one of an even count), as every bench reports its runs. */
export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The reference for a webview page's first paint: a new page with an empty document, painted (median of `runs`). */
export async function emptyPageMs(browser: Browser, runs: number, viewport?: { width: number; height: number }): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage(viewport ? { viewport } : {});
    const t = performance.now();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    times.push(performance.now() - t);
    await page.close();
  }
  return median(times);
}
