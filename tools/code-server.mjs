// code-server plumbing shared by `npm start` (tools/start.mjs) and the e2e harness (test/e2e/harness.ts):
// packaging the VSIX once per source change, installing extensions, starting and stopping code-server.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { paths, root, toolsDir, CODE_SERVER_VERSION } from './setup.mjs';

export { paths, root, toolsDir, CODE_SERVER_VERSION };
export const EXTENSION_ID = 'alexnet-explorer.alexnet-explorer';

const vsixDir = join(toolsDir, 'vsix');
export const vsixPath = join(vsixDir, 'alexnet-explorer.vsix');

// What ends up in the VSIX: the sources esbuild bundles and the assets .vscodeignore ships.
const VSIX_INPUTS = ['package.json', 'package-lock.json', '.vscodeignore', 'README.md', 'LICENSE', 'tools/build.mjs', 'src', 'webview', 'media', 'models', 'l10n'];

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

export function hashFiles(base, inputs) {
  const hash = createHash('sha256');
  const files = [];
  for (const input of inputs) {
    const p = join(base, input);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) files.push(...listFiles(p));
    else files.push(p);
  }
  for (const f of files.sort()) {
    hash.update(relative(base, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  for (const f of readdirSync(base).filter((n) => /^package\.nls.*\.json$/.test(n)).sort()) {
    hash.update(f).update('\0').update(readFileSync(join(base, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs fn holding a lock dir (several test runs may share this checkout); a lock older than staleMs is broken. */
export function withLock(name, fn, { staleMs = 180_000, log = console.log } = {}) {
  const lock = join(toolsDir, `${name}.lock`);
  mkdirSync(toolsDir, { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
      if (age > staleMs) { rmSync(lock, { recursive: true, force: true }); continue; }
      if (!waited) { log(`[lock] waiting for ${name} (another run holds ${lock})`); waited = true; }
      sleepSync(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Packages the extension with `npm run package` unless the sources are unchanged since the last time. */
export function packageVsix({ log = console.log, force = false } = {}) {
  return withLock('vsix', () => packageVsixUnlocked({ log, force }), { log });
}

function packageVsixUnlocked({ log, force }) {
  const key = hashFiles(root, VSIX_INPUTS);
  const keyFile = join(vsixDir, 'key');
  if (!force && existsSync(vsixPath) && existsSync(keyFile) && readFileSync(keyFile, 'utf8').trim() === key) {
    return { vsix: vsixPath, key, built: false };
  }
  log(`[vsix] packaging the extension (npm run package)`);
  const started = Date.now();
  const args = ['run', '--silent', 'package'];
  const r = spawnSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    throw new Error(`npm run package failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  const built = join(root, 'dist', 'alexnet-explorer.vsix');
  mkdirSync(vsixDir, { recursive: true });
  copyFileSync(built, `${vsixPath}.tmp`);
  renameSync(`${vsixPath}.tmp`, vsixPath);
  writeFileSync(keyFile, `${key}\n`);
  log(`[vsix] ${relative(root, vsixPath)} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { vsix: vsixPath, key, built: true };
}

function fileHash(p) {
  return createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16);
}

// code-server writes ~/.config/code-server/config.yaml unless given one; keep it inside .tools.
function configFile() {
  const p = join(toolsDir, 'code-server-config.yaml');
  if (!existsSync(p)) {
    mkdirSync(toolsDir, { recursive: true });
    writeFileSync(p, 'auth: none\ncert: false\n');
  }
  return p;
}

export function codeServerCli(args, opts = {}) {
  const r = spawnSync(paths.node24, [paths.codeServerEntry, '--config', configFile(), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (r.error || r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * Installs VSIX files into an extensions dir; skipped when the same files are already installed there.
 * A changed VSIX set wipes the dir first, so stale versions never linger.
 */
export function installExtensions(extensionsDir, vsixFiles, { log = console.log, wipe = true } = {}) {
  const key = vsixFiles.map((f) => `${f}:${fileHash(f)}`).join('\n');
  const stamp = join(extensionsDir, '.installed-vsix');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return false;
  if (wipe) rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  const scratch = mkdtempSync(join(toolsDir, 'install-user-data-'));
  try {
    for (const f of vsixFiles) {
      const started = Date.now();
      codeServerCli(['--user-data-dir', scratch, '--extensions-dir', extensionsDir, '--install-extension', f, '--force']);
      log(`[code-server] installed ${relative(root, f)} into ${relative(root, extensionsDir) || extensionsDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(stamp, key);
  return true;
}

/**
 * A read-only extensions dir holding exactly these VSIX files, named by their content: concurrent test runs
 * share it safely; a new VSIX gets a new dir (installed beside, then renamed into place). Dirs unused for a day go.
 */
export function extensionsDirFor(vsixFiles, { log = console.log } = {}) {
  const base = join(toolsDir, 'e2e-extensions');
  const id = createHash('sha256').update(vsixFiles.map((f) => fileHash(f)).join('\n')).digest('hex').slice(0, 16);
  const dir = join(base, id);
  if (existsSync(join(dir, '.installed-vsix'))) {
    const now = new Date();
    try { utimesSync(dir, now, now); } catch { /* best effort */ }
    return dir;
  }
  mkdirSync(base, { recursive: true });
  for (const old of readdirSync(base)) {
    const p = join(base, old);
    try { if (Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true }); } catch { /* raced */ }
  }
  const staging = `${dir}.tmp-${process.pid}`;
  installExtensions(staging, vsixFiles, { log });
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run installed the same set first
  }
  return dir;
}

export function listExtensions(extensionsDir) {
  const scratch = mkdtempSync(join(toolsDir, 'list-user-data-'));
  try {
    return codeServerCli(['--user-data-dir', scratch, '--extensions-dir', extensionsDir, '--list-extensions', '--show-versions'])
      .split('\n').map((l) => l.trim()).filter(Boolean);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// Quiet, deterministic workbench: no welcome page, no trust prompt, no auto-save into the opened folder.
export const DEFAULT_SETTINGS = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 100,
};

export function writeUserSettings(userDataDir, settings = {}) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Workbench URL opening `folder` and, in an editor, `file` (absolute paths on the server): the web workbench
 * reads `payload` [['openFile', vscode-remote URI on the server's authority]].
 */
export function workbenchUrl(serverUrl, folder, file) {
  if (!folder) return `${serverUrl}?ew=true`;
  let url = `${serverUrl}?folder=${encodeURIComponent(folder)}`;
  if (file) {
    const authority = new URL(serverUrl).host;
    url += `&payload=${encodeURIComponent(JSON.stringify([['openFile', `vscode-remote://${authority}${file}`]]))}`;
  }
  return url;
}

async function waitForHttp(url, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`code-server exited (${proc.exitCode ?? proc.signalCode}) before it answered ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Servers this process started; killed when it exits, however it exits short of SIGKILL.
const liveServers = new Set();
let exitHook = false;

/**
 * Starts code-server in its own process group (so stop() takes its extension host and pty host along).
 * `env` is added to code-server's environment and reaches the extension host.
 */
export async function startCodeServer({ port, userDataDir, extensionsDir, openPath, env = {}, logFile, extraArgs = [], readyTimeoutMs = 60_000 }) {
  const args = [
    paths.codeServerEntry,
    '--config', configFile(),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...extraArgs,
  ];
  if (openPath) args.push(openPath);
  const out = logFile ? openSync(logFile, 'a') : 'inherit';
  const childEnv = { ...process.env, ...env };
  delete childEnv.PASSWORD; delete childEnv.HASHED_PASSWORD; delete childEnv.VSCODE_IPC_HOOK_CLI;
  const proc = spawn(paths.node24, args, { cwd: root, env: childEnv, stdio: ['ignore', out, out], detached: true });
  if (typeof out === 'number') closeSync(out);
  const url = `http://127.0.0.1:${port}/`;
  let stopped = false;
  const stop = async (graceMs = 3000) => {
    if (stopped) return;
    stopped = true;
    const alive = () => proc.exitCode === null && proc.signalCode === null;
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
    const deadline = Date.now() + graceMs;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // The group may hold the extension host after the server itself exited.
    killNow();
  };
  const killNow = () => {
    liveServers.delete(killNow);
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  liveServers.add(killNow);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => { for (const kill of [...liveServers]) kill(); });
  }
  try {
    await waitForHttp(`${url}healthz`, readyTimeoutMs, proc);
  } catch (err) {
    killNow();
    throw err;
  }
  return { proc, pid: proc.pid, port, url, stop, killNow };
}
