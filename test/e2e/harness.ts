// End-to-end harness: our VSIX installed in a real VS Code (code-server), driven through Chromium by playwright-core.
//
//   const vsc = await launchVSCode({ folder: 'models', open: 'alexnet.py' });
//   after(() => vsc.close());
//   assert.match(await vsc.hoverAt(9, 13), /\[1, 48, 55, 55\]/);
//
// Each launch gets a fresh user-data-dir, a free port and a scratch copy of `folder` (edits never touch the repo).
// Logs and screenshots go to test-results/<name>.*; close() always kills code-server and Chromium.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import {
  EXTENSION_ID, extensionsDirFor, freePort, listExtensions, packageVsix, root, startCodeServer, toolsDir, workbenchUrl, writeUserSettings,
  type CodeServer,
} from '../../tools/code-server.mjs';
import { ensureAptPackages, ensureCodeServer } from '../../tools/setup.mjs';

export { EXTENSION_ID, root, workbenchUrl };
export const resultsDir = join(root, 'test-results');
const pidDir = join(resultsDir, '.pids');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export interface LaunchOptions {
  /** Repo-relative folder to open; copied to a scratch dir unless `inPlace`. Omit for an empty window. */
  folder?: string;
  /** File to open after start, relative to `folder`. */
  open?: string;
  /**
   * User settings on top of the harness defaults (quiet workbench, no auto-closing brackets, no auto-save,
   * inlay hints off: pass { 'editor.inlayHints.enabled': 'on' } to test them).
   */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server; it reaches the extension host (process.env there). */
  env?: Record<string, string>;
  /** Install our VSIX (default true). */
  installOurs?: boolean;
  /** More VSIX files to install next to ours (e.g. the in-editor test runner). */
  extensions?: string[];
  /** Open `folder` where it is instead of a scratch copy (edits could then be saved into the repo). */
  inPlace?: boolean;
  /** Launch Chromium with --enable-unsafe-webgpu (SwiftShader adapter). */
  webgpu?: boolean;
  /** Prefix of log and screenshot files in test-results/; defaults to the test file's name. */
  name?: string;
  /** Browser viewport. */
  viewport?: { width: number; height: number };
  /** How long to wait for code-server and the workbench (ms). */
  startTimeoutMs?: number;
}

export interface VSCode {
  page: Page;
  browser: Browser;
  server: CodeServer;
  url: string;
  /** Absolute path of the opened folder (the scratch copy). */
  workspace: string | undefined;
  extensionsDir: string;
  userDataDir: string;
  name: string;
  /** Quick-open a file relative to the workspace and wait until its editor is active. */
  openFile(rel: string): Promise<void>;
  /** Move the cursor (1-based line and column) with Go to Line. */
  gotoLine(line: number, col?: number): Promise<void>;
  /** Show the hover at a 1-based position and return its text; with `expect`, retries until the text contains it. */
  hoverAt(line: number, col: number, opts?: { expect?: string | RegExp; timeoutMs?: number }): Promise<string>;
  /** Run a command by its palette title (F1), e.g. 'AlexNet: Visualize AlexNet'. */
  runCommand(title: string): Promise<void>;
  /** Lines of the Problems panel (each: message, source, position as VS Code reads them out). */
  problems(): Promise<string[]>;
  /** Waits until a problem contains `text`; returns all problems then. */
  waitForProblem(text: string | RegExp, timeoutMs?: number): Promise<string[]>;
  /** The inner frame (the extension's HTML) of the webview whose editor tab has this title. */
  webviewFrame(title: string, timeoutMs?: number): Promise<Frame>;
  /**
   * When a webview's document first painted content (the Paint Timing API's first-contentful-paint), as epoch
   * milliseconds comparable with Date.now() here (the same machine's clock); null if it has not painted.
   */
  paintedAt(frame: Frame): Promise<number | null>;
  /** Type into whatever has focus (the editor after openFile/gotoLine), key by key: each key is an edit. */
  typeText(text: string): Promise<void>;
  /** Press a key chord, e.g. 'Control+S', 'Escape'. */
  press(key: string): Promise<void>;
  /** Text of a 1-based line of the active editor, as rendered. */
  lineText(line: number): Promise<string>;
  /** Select the first `search` on a line and type `replacement` over it as one input event (one edit). */
  replaceOnLine(line: number, search: string, replacement: string): Promise<void>;
  /** Extensions installed in this instance's extensions dir (`code-server --list-extensions --show-versions`). */
  installedExtensions(): string[];
  /** Screenshot to test-results/<name>-<label>.png; returns the path. */
  screenshot(label: string): Promise<string>;
  /** Wait for a condition with polling; on timeout takes a screenshot and throws `what`. */
  waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

// Harness-only editor settings: typed text stays literal (no auto-closing, no suggestions accepted by Enter).
const HARNESS_SETTINGS = {
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.parameterHints.enabled': false,
  'editor.hover.sticky': true,
  'workbench.editor.enablePreview': false,
  // Inlay hints are rendered inside the line: off by default so lineText() and columns match the source text.
  'editor.inlayHints.enabled': 'off',
};

// Synchronous last-resort cleanups of open instances (kill code-server, remove the scratch dir).
const live = new Map<VSCode, () => void>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // Last resort when a test forgot close() or the runner kills us: no code-server outlives its test file.
  process.on('exit', () => {
    for (const cleanup of live.values()) cleanup();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => process.exit(130));
  }
}

function testFileName(): string {
  const main = process.argv[1] ?? 'e2e';
  return basename(main).replace(/\.(test|spec)?\.?[cm]?[jt]s$/, '') || 'e2e';
}

const usedNames = new Set<string>();
function uniqueName(base: string): string {
  let name = base;
  for (let i = 2; usedNames.has(name); i++) name = `${base}-${i}`;
  usedNames.add(name);
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function launchVSCode(opts: LaunchOptions = {}): Promise<VSCode> {
  const name = uniqueName(opts.name ?? testFileName());
  mkdirSync(pidDir, { recursive: true });
  const logFile = join(resultsDir, `${name}.code-server.log`);
  const browserLog = join(resultsDir, `${name}.browser.log`);
  writeFileSync(logFile, '');
  writeFileSync(browserLog, '');
  const log = (m: string) => appendFileSync(logFile, `[harness] ${m}\n`);
  const t0 = Date.now();
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;

  ensureAptPackages();
  ensureCodeServer();
  const vsixFiles: string[] = [];
  if (opts.installOurs !== false) vsixFiles.push(packageVsix({ log }).vsix);
  vsixFiles.push(...(opts.extensions ?? []).map((f) => resolve(root, f)));
  const extensionsDir = extensionsDirFor(vsixFiles, { log });

  const scratch = mkdtempSync(join(tmpdir(), `alexnet-e2e-${name}-`));
  const userDataDir = join(scratch, 'user-data');
  writeUserSettings(userDataDir, { ...HARNESS_SETTINGS, ...opts.settings });
  let workspace: string | undefined;
  if (opts.folder) {
    const src = resolve(root, opts.folder);
    if (!existsSync(src)) throw new Error(`launchVSCode: folder ${opts.folder} does not exist`);
    workspace = opts.inPlace ? src : join(scratch, 'workspace', basename(src));
    if (!opts.inPlace) cpSync(src, workspace, { recursive: true });
  }

  installExitHooks();
  const port = await freePort();
  let server: CodeServer;
  try {
    server = await startCodeServer({ port, userDataDir, extensionsDir, env: opts.env, logFile, readyTimeoutMs: startTimeoutMs });
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const pidFile = join(pidDir, String(server.pid));
  writeFileSync(pidFile, JSON.stringify({ pid: server.pid, name, started: new Date().toISOString() }));
  log(`code-server pid ${server.pid} on ${server.url} up after ${Date.now() - t0} ms`);

  let browser: Browser | undefined;
  let closed = false;
  const vsc = {} as VSCode;
  const close = async () => {
    if (closed) return;
    closed = true;
    live.delete(vsc);
    try {
      await Promise.race([browser?.close(), sleep(5000)]);
    } catch { /* browser already gone */ }
    await server.stop();
    try { unlinkSync(pidFile); } catch { /* already removed */ }
    // Keep the extension host and window logs next to ours for post-mortems.
    const logsDir = join(userDataDir, 'logs');
    if (existsSync(logsDir)) {
      const keep = join(resultsDir, `${name}.vscode-logs`);
      try {
        rmSync(keep, { recursive: true, force: true });
        cpSync(logsDir, keep, { recursive: true });
      } catch { /* best effort */ }
    }
    rmSync(scratch, { recursive: true, force: true });
    log(`closed after ${Date.now() - t0} ms`);
  };
  Object.assign(vsc, { server, close, name, extensionsDir, userDataDir, workspace, url: server.url });
  live.set(vsc, () => {
    server.killNow();
    try { unlinkSync(pidFile); } catch { /* already removed */ }
    rmSync(scratch, { recursive: true, force: true });
  });

  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...(opts.webgpu ? ['--enable-unsafe-webgpu'] : [])],
      timeout: 60_000,
    });
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => appendFileSync(browserLog, `[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => appendFileSync(browserLog, `[pageerror] ${e.message}\n`));
    Object.assign(vsc, { browser, page }, helpers(vsc, page, name));
    const openPath = workspace && opts.open ? join(workspace, opts.open) : undefined;
    await page.goto(workbenchUrl(server.url, workspace, openPath), { timeout: startTimeoutMs });
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: startTimeoutMs });
    if (workspace) await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: startTimeoutMs });
    log(`workbench ready after ${Date.now() - t0} ms`);
    if (opts.open) {
      const tab = page.locator(`.tabs-container .tab.active[aria-label^="${basename(opts.open)}"]`);
      const shown = await tab.waitFor({ timeout: 15_000 }).then(() => true, () => false);
      if (!shown) await vsc.openFile(opts.open);
      await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
      log(`${opts.open} open after ${Date.now() - t0} ms`);
    }
    return vsc;
  } catch (err) {
    try { if (vsc.page) await vsc.page.screenshot({ path: join(resultsDir, `${name}-launch-failed.png`) }); } catch { /* page gone */ }
    await close();
    throw err;
  }
}

function asMatcher(expect: string | RegExp): (s: string) => boolean {
  return typeof expect === 'string' ? (s) => s.includes(expect) : (s) => expect.test(s);
}

function helpers(vsc: VSCode, page: Page, name: string): Partial<VSCode> {
  const screenshot = async (label: string) => {
    const path = join(resultsDir, `${name}-${label.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path });
    return path;
  };

  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v as T;
      } catch (err) {
        lastErr = err;
      }
      if (Date.now() > deadline) {
        const shot = await screenshot(`timeout-${what.slice(0, 40)}`).catch(() => '(no screenshot)');
        const reason = lastErr instanceof Error ? ` (last error: ${lastErr.message.split('\n')[0]})` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}; screenshot: ${shot}`);
      }
      await sleep(150);
    }
  };

  const quickInput = '.quick-input-widget';
  const quickInputVisible = () => page.locator(quickInput).isVisible();

  const openQuickInput = async (key: string) => {
    if (await quickInputVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press(key);
    await page.locator(`${quickInput} input`).waitFor({ state: 'visible' });
  };

  const closeQuickInput = async () => {
    if (await quickInputVisible()) await page.keyboard.press('Escape');
  };

  const activeEditorFocus = async () => {
    await page.locator('.editor-instance .monaco-editor textarea, .editor-instance .monaco-editor .native-edit-context').first().focus();
  };

  const openFile = async (rel: string) => {
    const file = basename(rel);
    await waitFor(`quick open of ${rel}`, async () => {
      await openQuickInput('Control+P');
      await page.keyboard.type(rel);
      const row = page.locator(`${quickInput} .monaco-list-row`, { hasText: file }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 8000 });
      } catch {
        await closeQuickInput();
        return false;
      }
      await page.keyboard.press('Enter');
      return true;
    }, 30_000);
    await waitFor(`active editor tab ${file}`, async () =>
      (await page.locator(`.tabs-container .tab.active[aria-label^="${file}"]`).count()) > 0, 15_000);
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
  };

  const cursorStatus = async () =>
    (await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().textContent({ timeout: 2000 }).catch(() => '')) ?? '';

  const gotoLine = async (line: number, col = 1) => {
    const want = `Ln ${line}, Col ${col}`;
    await waitFor(`cursor at ${want}`, async () => {
      await openQuickInput('Control+G');
      await page.keyboard.type(`${line}:${col}`);
      await page.keyboard.press('Enter');
      await sleep(100);
      return (await cursorStatus()).includes(want);
    }, 10_000);
  };

  const visibleHoverText = async () => {
    const hovers = page.locator('.monaco-editor .monaco-hover:not(.hidden) .monaco-hover-content, .monaco-editor .monaco-hover:not(.hidden)');
    const n = await hovers.count();
    for (let i = 0; i < n; i++) {
      const h = hovers.nth(i);
      if (!(await h.isVisible())) continue;
      const text = (await h.innerText()).trim();
      if (text && !/^Loading\.\.\.$/.test(text)) return text;
    }
    return '';
  };

  const hoverAt = async (line: number, col: number, opts: { expect?: string | RegExp; timeoutMs?: number } = {}) => {
    await gotoLine(line, col);
    const matches = opts.expect ? asMatcher(opts.expect) : (s: string) => s.length > 0;
    let last = '';
    // Providers may register after the file opens (activation): ask again until the hover says what we expect.
    return waitFor(`hover at ${line}:${col}${opts.expect ? ` containing ${opts.expect}` : ''}`, async () => {
      await page.keyboard.press('Escape');
      await activeEditorFocus();
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const deadline = Date.now() + 2500;
      while (Date.now() < deadline) {
        last = await visibleHoverText();
        if (matches(last)) return last;
        await sleep(150);
      }
      if (last) appendFileSync(join(resultsDir, `${name}.code-server.log`), `[harness] hover at ${line}:${col} said: ${last}\n`);
      return undefined;
    }, opts.timeoutMs ?? 20_000);
  };

  const runCommand = async (title: string) => {
    await waitFor(`command palette entry "${title}"`, async () => {
      await openQuickInput('F1');
      await page.keyboard.type(title);
      const rows = page.locator(`${quickInput} .monaco-list-row`);
      try {
        await rows.first().waitFor({ state: 'visible', timeout: 5000 });
      } catch {
        await closeQuickInput();
        return false;
      }
      // Prefer the row whose label is exactly the title; the palette also lists fuzzy and recently used matches.
      const labels = await rows.locator('.label-name').allInnerTexts();
      const idx = labels.findIndex((l) => l.trim() === title);
      if (idx < 0) {
        await closeQuickInput();
        return false;
      }
      await rows.nth(idx).click();
      return true;
    }, 20_000);
  };

  const problems = async () => {
    const panel = page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await page.keyboard.press('Escape');
      await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await panel.waitFor({ state: 'visible' });
    }
    await sleep(200);
    const rows = panel.locator('.monaco-list-row');
    const out: string[] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      out.push(((await row.getAttribute('aria-label')) ?? (await row.innerText())).trim());
    }
    return out;
  };

  const waitForProblem = async (text: string | RegExp, timeoutMs = 20_000) => {
    const m = asMatcher(text);
    return waitFor(`a problem containing ${text}`, async () => {
      const all = await problems();
      return all.some(m) ? all : undefined;
    }, timeoutMs);
  };

  const webviewFrame = async (title: string, timeoutMs = 20_000) => {
    const tab = page.locator(`.tabs-container .tab[aria-label^="${title}"]`).first();
    await waitFor(`editor tab "${title}"`, async () => (await tab.count()) > 0, timeoutMs);
    await tab.click();
    // Webviews float over the workbench as iframe.webview (VS Code's host page) holding #active-frame (the
    // extension's HTML); the one of this tab is the visible one inside the tab's editor group.
    return waitFor(`webview "${title}" content`, async () => {
      const index = await page.evaluate((t) => {
        const tabEl = [...document.querySelectorAll('.tabs-container .tab')].find((e) => e.getAttribute('aria-label')?.startsWith(t));
        const group = tabEl?.closest('.editor-group-container')?.getBoundingClientRect();
        if (!group) return -1;
        const frames = [...document.querySelectorAll('iframe.webview')];
        let best = -1;
        let bestArea = 0;
        frames.forEach((f, i) => {
          const r = f.getBoundingClientRect();
          const w = Math.min(r.right, group.right) - Math.max(r.left, group.left);
          const h = Math.min(r.bottom, group.bottom) - Math.max(r.top, group.top);
          const visible = getComputedStyle(f).visibility !== 'hidden' && r.width > 0 && r.height > 0;
          if (visible && w > 0 && h > 0 && w * h > bestArea) { best = i; bestArea = w * h; }
        });
        return best;
      }, title);
      if (index < 0) return undefined;
      const inner = page.locator('iframe.webview').nth(index).contentFrame().locator('#active-frame').contentFrame();
      const root = await inner.locator(':root').elementHandle({ timeout: 2000 });
      return (await root?.ownerFrame()) ?? undefined;
    }, timeoutMs);
  };

  const paintedAt = (frame: Frame) => frame.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return fcp ? performance.timeOrigin + fcp.startTime : null;
  });

  const typeText = async (text: string) => {
    await page.keyboard.type(text, { delay: 10 });
  };

  const press = async (key: string) => {
    await page.keyboard.press(key);
  };

  const lineText = async (line: number) => {
    await gotoLine(line, 1);
    return waitFor(`text of line ${line}`, () =>
      page.evaluate((ln) => {
        const editor = document.querySelector('.editor-instance .monaco-editor');
        if (!editor) return undefined;
        const number = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e) => e.textContent?.trim() === String(ln));
        const top = number?.parentElement?.style.top;
        if (!top) return undefined;
        const view = [...editor.querySelectorAll<HTMLElement>('.view-lines .view-line')].find((e) => e.style.top === top);
        return view ? (view.textContent ?? '').replace(/\u00a0/g, ' ') : undefined;
      }, line), 5_000);
  };

  const replaceOnLine = async (line: number, search: string, replacement: string) => {
    const text = await lineText(line);
    const at = text.indexOf(search);
    if (at < 0) throw new Error(`replaceOnLine: "${search}" not on line ${line}: ${text}`);
    await gotoLine(line, at + 1);
    await activeEditorFocus();
    for (let i = 0; i < search.length; i++) await page.keyboard.press('Shift+ArrowRight');
    // One input event: the document goes from the old text to the new in a single edit (no half-typed states).
    await page.keyboard.insertText(replacement);
  };

  const installedExtensions = () => listExtensions(vsc.extensionsDir);

  return { openFile, gotoLine, hoverAt, runCommand, problems, waitForProblem, webviewFrame, paintedAt, typeText, press, lineText, replaceOnLine, installedExtensions, screenshot, waitFor };
}

/** Kills code-server process groups that a crashed test file left behind (pids recorded in test-results/.pids). */
export function reapLeftovers(): string[] {
  const killed: string[] = [];
  if (!existsSync(pidDir)) return killed;
  for (const f of readdirSync(pidDir)) {
    const pid = Number(f);
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(f);
    } catch { /* gone */ }
    rmSync(join(pidDir, f), { force: true });
  }
  return killed;
}
