// `npm test`: setup, build, type-check, unit, webview, e2e and in-editor (code-server) tests, one summary.
// Usage: node tools/test.mjs [--only STAGE[,STAGE...]] [FILTER...]
//   STAGE: build, typecheck, unit, webview, e2e, vscode. FILTER: run only test files whose path contains it.
// The last line of the output is always `N passed, N failed` (summed over all stages); exit code 1 if any failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, setup, ensureNodeModules, ensureAptPackages, ensureCodeServer } from './setup.mjs';

const STAGES = ['build', 'typecheck', 'unit', 'webview', 'e2e', 'vscode'];
const resultsDir = join(root, 'test-results');
const pidDir = join(resultsDir, '.pids');

// Wall-clock limits (ms); a stage that runs over is killed and counted as a failure. TEST_TIMEOUT_SCALE=2 doubles them.
const scale = Number(process.env.TEST_TIMEOUT_SCALE) > 0 ? Number(process.env.TEST_TIMEOUT_SCALE) : 1;
const LIMITS = Object.fromEntries(Object.entries(
  { build: 120_000, typecheck: 300_000, unit: 480_000, webview: 360_000, e2eFile: 300_000, vscode: 420_000 },
).map(([k, v]) => [k, Math.round(v * scale)]));

function parseArgs(argv) {
  let only = null;
  const filters = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = argv[++i];
    else if (a.startsWith('--only=')) only = a.slice('--only='.length);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node tools/test.mjs [--only build|typecheck|unit|webview|e2e|vscode[,...]] [file filter...]');
      process.exit(0);
    } else filters.push(a);
  }
  const stages = only ? only.split(',').map((s) => s.trim()).filter(Boolean) : STAGES;
  for (const s of stages) {
    if (!STAGES.includes(s)) {
      console.error(`unknown stage "${s}"; stages: ${STAGES.join(', ')}`);
      process.exit(2);
    }
  }
  return { stages, filters, partial: Boolean(only) };
}

/** Runs a command in its own process group, output streamed; kills the group on timeout. */
function runProcess(cmd, args, { timeoutMs, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: { ...process.env, ...env } });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test] ${cmd} ${args.join(' ')}: over ${timeoutMs / 1000} s, killing it`);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
    }, timeoutMs);
    const forward = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, timedOut, error: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code, signal, timedOut });
    });
  });
}

/** Summary of a node:test TAP file: { pass, fail, skipped, todo, tests } or null when the run never got that far. */
function parseTap(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const count = (name) => {
    const m = text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const pass = count('pass');
  const fail = count('fail');
  if (pass === null || fail === null) return null;
  return { pass, fail: fail + (count('cancelled') ?? 0), skipped: count('skipped') ?? 0, todo: count('todo') ?? 0, tests: count('tests') ?? 0 };
}

function listTests(dir, filters) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
}

const results = [];

function record(stage, { passed = 0, failed = 0, skipped = 0, note = '', ms = 0 }) {
  results.push({ stage, passed, failed, skipped, note, ms });
}

/** A command that is one test: exit 0 passes. */
async function commandStage(stage, cmd, args, timeoutMs) {
  console.log(`\n=== ${stage}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = await runProcess(cmd, args, { timeoutMs });
  const ok = r.code === 0 && !r.timedOut;
  const note = ok ? '' : r.timedOut ? 'timed out' : r.error ?? `exit ${r.code ?? r.signal}`;
  record(stage, { passed: ok ? 1 : 0, failed: ok ? 0 : 1, note, ms: Date.now() - started });
  return ok;
}

/** node:test over files; spec to the console, TAP to test-results/<label>.tap for the counts. */
async function nodeTestStage(stage, label, files, { timeoutMs, extraArgs = [] }) {
  const tap = join(resultsDir, `${label}.tap`);
  rmSync(tap, { force: true });
  const args = [
    '--import', 'tsx', '--test', ...extraArgs,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ];
  console.log(`\n=== ${stage}: node --test ${files.join(' ')}`);
  const started = Date.now();
  const r = await runProcess(process.execPath, args, { timeoutMs });
  const ms = Date.now() - started;
  const sum = parseTap(tap);
  if (r.timedOut) {
    record(stage, { passed: sum?.pass ?? 0, failed: Math.max(1, sum?.fail ?? 0), note: `${label}: timed out after ${timeoutMs / 1000} s`, ms });
  } else if (!sum) {
    record(stage, { failed: 1, note: `${label}: crashed before reporting (exit ${r.code ?? r.signal})`, ms });
  } else if (r.code !== 0 && sum.fail === 0) {
    record(stage, { passed: sum.pass, failed: 1, skipped: sum.skipped, note: `${label}: exit ${r.code ?? r.signal} with no failing test reported`, ms });
  } else if (sum.tests === 0) {
    record(stage, { failed: 1, note: `${label}: ran no test`, ms });
  } else {
    record(stage, { passed: sum.pass, failed: sum.fail, skipped: sum.skipped + sum.todo, note: sum.fail && label !== stage ? `failed in ${label}` : '', ms });
  }
}

/** Kills code-server process groups that a killed test file could not stop itself (pids recorded by the harness). */
function reapCodeServers() {
  if (!existsSync(pidDir)) return;
  for (const f of readdirSync(pidDir)) {
    const pid = Number(f);
    let cmdline = '';
    try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* gone */ }
    if (pid > 0 && cmdline.includes('code-server')) {
      try { process.kill(-pid, 'SIGKILL'); console.log(`[test] killed leftover code-server group ${pid}`); } catch { /* gone */ }
    }
    rmSync(join(pidDir, f), { force: true });
  }
}

function printSummary(totalMs) {
  const pad = (s, n) => String(s).padEnd(n);
  console.log('\n=== summary');
  const byStage = new Map();
  for (const r of results) {
    const s = byStage.get(r.stage) ?? { passed: 0, failed: 0, skipped: 0, ms: 0, notes: [] };
    s.passed += r.passed; s.failed += r.failed; s.skipped += r.skipped; s.ms += r.ms;
    if (r.note) s.notes.push(r.note);
    byStage.set(r.stage, s);
  }
  for (const [stage, s] of byStage) {
    const status = s.failed ? 'FAIL' : 'ok';
    console.log(`${pad(status, 5)}${pad(stage, 10)}${pad(`${s.passed} passed`, 12)}${pad(`${s.failed} failed`, 11)}${pad(s.skipped ? `${s.skipped} skipped` : '', 11)}${pad(`${(s.ms / 1000).toFixed(1)} s`, 9)}${s.notes.join('; ')}`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`total ${(totalMs / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

const started = Date.now();

async function main() {
  const { stages, filters, partial } = parseArgs(process.argv.slice(2));
  mkdirSync(resultsDir, { recursive: true });
  const needsBrowser = stages.some((s) => ['webview', 'e2e', 'vscode'].includes(s));
  const needsCodeServer = stages.some((s) => ['e2e', 'vscode'].includes(s));

  console.log(`=== setup`);
  const setupStarted = Date.now();
  try {
    if (!partial) setup();
    else {
      ensureNodeModules();
      if (needsBrowser) ensureAptPackages();
      if (needsCodeServer) ensureCodeServer();
    }
  } catch (err) {
    console.error(`[setup] FAILED: ${err.message ?? err}`);
    record('setup', { failed: 1, note: 'setup failed', ms: Date.now() - setupStarted });
    return printSummary(Date.now() - started);
  }

  const wants = (s) => stages.includes(s) || (partial && s === 'build' && stages.includes('webview'));
  if (wants('build')) await commandStage('build', process.execPath, ['tools/build.mjs'], LIMITS.build);
  if (wants('typecheck')) await commandStage('typecheck', join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], LIMITS.typecheck);

  for (const [stage, dir] of [['unit', 'test/unit'], ['webview', 'test/webview']]) {
    if (!wants(stage)) continue;
    const files = listTests(dir, filters);
    if (files.length === 0) {
      console.log(`\n=== ${stage}: no ${dir}/*.test.ts${filters.length ? ` matching ${filters.join(' ')}` : ''}, nothing to run`);
      continue;
    }
    await nodeTestStage(stage, stage, files, { timeoutMs: LIMITS[stage] });
  }

  if (wants('e2e')) {
    const files = listTests('test/e2e', filters);
    if (files.length === 0) console.log(`\n=== e2e: no test/e2e/*.test.ts, nothing to run`);
    // One file at a time: each starts its own code-server and Chromium.
    for (const f of files) {
      const label = `e2e-${f.replace(/^test\/e2e\//, '').replace(/\.test\.ts$/, '')}`;
      await nodeTestStage('e2e', label, [f], { timeoutMs: LIMITS.e2eFile });
      reapCodeServers();
    }
  }

  if (wants('vscode')) {
    await nodeTestStage('vscode', 'vscode', ['test/vscode/in-code-server.ts'], { timeoutMs: LIMITS.vscode });
    reapCodeServers();
  }

  return printSummary(Date.now() - started);
}

main().then(
  (failed) => { process.exitCode = failed > 0 ? 1 : 0; },
  (err) => {
    console.error(err?.stack ?? err);
    record('test.mjs', { failed: 1, note: `crashed: ${err?.message ?? err}` });
    printSummary(Date.now() - started);
    process.exitCode = 1;
  },
);
